#include "explore/shrink.hpp"

#include <optional>

#include "generate/generate.hpp"

namespace fibercheck::harness {

FailureSignature case_signature(const CaseOutcome& o, bool coarse) {
  FailureSignature sig = coarse ? coarse_signature(o.run) : failure_signature(o.run);
  sig.verdict = std::string(to_string(o.verdict)) + "/" + sig.verdict;
  return sig;
}

FailsFn fails_like(const CaseSpec& failing) {
  const CaseOutcome o = run_case(failing);
  if (o.clean()) return [](CaseSpec&) { return false; };
  // Topology shrinks rename paths (node ids), so compare the coarse signature.
  return [want = case_signature(o, true)](CaseSpec& c) {
    const CaseOutcome r = run_case(c);
    return !r.clean() && case_signature(r, true) == want;
  };
}

CaseSpec shrink_case(CaseSpec failing, const FailsFn& fails, ShrinkStats* stats) {
  ShrinkStats local;
  ShrinkStats& st = stats ? *stats : local;
  for (bool progress = true; progress;) {
    progress = false;
    for (Topology& t : shrinks(failing.topology)) {
      CaseSpec c = failing;
      c.topology = std::move(t);
      ++st.tried;
      if (fails(c)) {
        failing = std::move(c);
        ++st.accepted;
        progress = true;
        break;
      }
    }
  }
  // The earliest cancellation point that still fails.
  for (bool progress = failing.cancel_step.has_value(); progress;) {
    progress = false;
    const std::uint64_t cur = *failing.cancel_step;
    for (std::uint64_t cand : {std::uint64_t{0}, cur / 2, cur - 1}) {
      if (cur == 0 || cand >= cur) continue;
      CaseSpec c = failing;
      c.cancel_step = cand;
      ++st.tried;
      if (fails(c)) {
        failing = std::move(c);
        ++st.accepted;
        progress = true;
        break;
      }
    }
  }
  return failing;
}

namespace {

struct Replay {
  CaseSpec spec;
  std::vector<std::uint32_t> defaults;
  std::uint64_t preemptions = 0;
};

// Runs `c` under replay of `choices`; when it fails, returns the replay as it ran
// (the choices actually taken, cut to the length given, and their defaults).
// Only a failure with signature `want` counts: another failure is another bug.
std::optional<Replay> failing_replay(const CaseSpec& c, std::vector<std::uint32_t> choices,
                                     const FailureSignature& want, ShrinkStats& st) {
  CaseSpec r = c;
  r.strategy.kind = sched::StrategyKind::replay;
  r.strategy.choices = std::move(choices);
  ++st.tried;
  CaseOutcome o = run_case(r);
  if (o.clean() || case_signature(o, false) != want) return std::nullopt;
  Replay out;
  const std::size_t n = std::min(r.strategy.choices.size(), o.run.choices.size());
  out.spec = r;
  out.spec.strategy.choices.assign(o.run.choices.begin(),
                                   o.run.choices.begin() + static_cast<std::ptrdiff_t>(n));
  out.defaults.assign(o.run.choice_defaults.begin(),
                      o.run.choice_defaults.begin() + static_cast<std::ptrdiff_t>(n));
  for (std::size_t i = 0; i < n; ++i)
    if (out.spec.strategy.choices[i] != out.defaults[i]) ++out.preemptions;
  return out;
}

}  // namespace

CaseSpec shrink_schedule(const CaseSpec& failing, ShrinkStats* stats,
                         std::uint64_t* preemptions_before, std::uint64_t* preemptions_after,
                         bool* reproduced) {
  ShrinkStats local;
  ShrinkStats& st = stats ? *stats : local;
  if (reproduced) *reproduced = false;
  CaseOutcome first = run_case(failing);
  if (first.clean()) return failing;
  const FailureSignature want = case_signature(first, false);
  std::optional<Replay> best = failing_replay(failing, first.run.choices, want, st);
  if (!best) return failing;  // not reproducible by replay: keep the original schedule
  if (reproduced) *reproduced = true;
  if (preemptions_before) *preemptions_before = best->preemptions;
  auto accept = [&](std::vector<std::uint32_t> choices) {
    std::optional<Replay> r = failing_replay(best->spec, std::move(choices), want, st);
    if (!r || r->preemptions > best->preemptions) return false;
    best = std::move(r);
    ++st.accepted;
    return true;
  };
  // Shortest prefix that still fails: everything after it runs on defaults.
  for (std::size_t len = 0; len < best->spec.strategy.choices.size(); ++len) {
    const auto& ch = best->spec.strategy.choices;
    if (len > 0 && ch[len - 1] == best->defaults[len - 1]) continue;  // same as len-1
    if (accept(
            std::vector<std::uint32_t>(ch.begin(), ch.begin() + static_cast<std::ptrdiff_t>(len))))
      break;
  }
  // Each remaining preemption replaced by its default, then by smaller indices.
  for (bool progress = true; progress;) {
    progress = false;
    const std::size_t n = best->spec.strategy.choices.size();
    for (std::size_t i = 0; i < n && !progress; ++i) {
      const std::uint32_t c = best->spec.strategy.choices[i];
      if (c == best->defaults[i]) continue;
      std::vector<std::uint32_t> v = best->spec.strategy.choices;
      v[i] = best->defaults[i];
      if (accept(v)) {
        progress = true;
        break;
      }
      for (std::uint32_t smaller = 0; smaller < c && !progress; ++smaller) {
        if (smaller == best->defaults[i]) continue;
        v[i] = smaller;
        progress = accept(v);
      }
    }
  }
  // Trailing defaults say nothing the replay's own default would not.
  auto& ch = best->spec.strategy.choices;
  while (!ch.empty() && ch.back() == best->defaults[ch.size() - 1]) {
    ch.pop_back();
    best->defaults.pop_back();
  }
  // Topology and cancellation shrinks: the same coarse signature (paths change
  // when nodes go; see coarse_signature).
  const FailureSignature coarse = case_signature(first, true);
  CaseSpec out = shrink_case(
      best->spec,
      [&](CaseSpec& c) {
        ++st.tried;
        const CaseOutcome r = run_case(c);
        return !r.clean() && case_signature(r, true) == coarse;
      },
      &st);
  if (preemptions_after) {
    CaseOutcome o = run_case(out);
    std::uint64_t p = 0;
    for (std::size_t i = 0; i < o.run.choices.size(); ++i)
      if (o.run.choices[i] != o.run.choice_defaults[i]) ++p;
    *preemptions_after = p;
  }
  return out;
}

}  // namespace fibercheck::harness
