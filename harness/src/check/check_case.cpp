#include "check/check_case.hpp"

#include "explore/signature.hpp"
#include "model/case_line.hpp"
#include "model/text_form.hpp"

namespace fibercheck::harness {

RunOptions RootCase::run_options(std::size_t stack_size, bool trace) const {
  RunOptions o;
  o.strategy = strategy;
  o.cancel_at_step = cancel_step;
  o.cancel_when_idle = cancel_when_idle;
  o.max_steps = max_steps;
  o.leak_window_steps = leak_window_steps;
  o.trace = trace;
  // A traced run is a replay of a case for its report: runs are deterministic, so the
  // stacks its report prints cost nothing during the search.
  o.capture_stacks = trace;
  o.stack_size = stack_size;
  return o;
}

std::string root_case_line(const RootCase& c) {
  std::string s = case_line_schedule(c.strategy, c.cancel_step, c.cancel_when_idle, c.max_steps);
  if (c.trace_hash) s += " trace=" + hex(*c.trace_hash);
  s += " root=" + c.root;
  return s;
}

RootCase parse_root_case(std::string_view line) {
  RootCase c;
  CaseSchedule s = schedule_of(c);
  parse_case_fields(
      line, s, "root", "root=<check name>",
      [&c](const std::string& key, std::string_view rest, std::size_t col, std::size_t vcol) {
        if (key == "topology")
          throw ParseError(col,
                           "this case line has a topology: replay it with `fibercheck replay` (or "
                           "the `replay` command of a binary that calls fibercheck::cli_main)");
        if (key != "root") return CaseKey::unknown;
        if (rest.empty() || rest.find(' ') != std::string_view::npos)
          throw ParseError(vcol, "expected the check's name after root=, as the last key");
        c.root = std::string(rest);
        return CaseKey::last;
      });
  c.trace_hash = s.trace_hash;
  set_schedule(c, std::move(s));
  return c;
}

namespace {

struct Replay {
  RootCase c;
  std::vector<std::uint32_t> defaults;
  std::uint64_t preemptions = 0;
};

class Shrinker {
 public:
  Shrinker(const RootFn& root, std::size_t stack, const source_location& site)
      : root_(root), stack_(stack), site_(site) {}

  // Every shrink must keep this failure (verdict and stuck fibers): a deadlock shrunk
  // into a poller exhausting the step budget would report another bug.
  FailureSignature want;

  bool fails(const RootCase& c) {
    ++runs;
    const Outcome o = run(root_, c.run_options(stack_, false), site_);
    return !o.clean() && failure_signature(o) == want;
  }

  // Runs `c` under replay of `choices`; when it fails, the replay as it ran.
  std::optional<Replay> failing_replay(const RootCase& c, std::vector<std::uint32_t> choices) {
    RootCase r = c;
    r.strategy.kind = sched::StrategyKind::replay;
    r.strategy.choices = std::move(choices);
    ++runs;
    const Outcome o = run(root_, r.run_options(stack_, false), site_);
    if (o.clean() || failure_signature(o) != want) return std::nullopt;
    Replay out;
    const std::size_t n = std::min(r.strategy.choices.size(), o.choices.size());
    out.c = r;
    out.c.strategy.choices.assign(o.choices.begin(),
                                  o.choices.begin() + static_cast<std::ptrdiff_t>(n));
    out.defaults.assign(o.choice_defaults.begin(),
                        o.choice_defaults.begin() + static_cast<std::ptrdiff_t>(n));
    for (std::size_t i = 0; i < n; ++i)
      if (out.c.strategy.choices[i] != out.defaults[i]) ++out.preemptions;
    return out;
  }

  std::size_t runs = 0;

 private:
  const RootFn& root_;
  std::size_t stack_;
  source_location site_;
};

}  // namespace

RootCase shrink_root_case(const RootFn& root, const RootCase& failing, std::size_t stack_size,
                          const source_location& site, std::size_t* runs, bool* reproduced) {
  Shrinker sh(root, stack_size, site);
  RootCase out = failing;
  ++sh.runs;
  const Outcome first = run(root, failing.run_options(stack_size, false), site);
  sh.want = failure_signature(first);
  std::optional<Replay> best;
  if (!first.clean()) best = sh.failing_replay(failing, first.choices);
  if (reproduced) *reproduced = best.has_value();
  // Not reproducible the same way by replay: keep the original schedule (and
  // cancellation point), which is known to fail this way.
  if (!best) {
    if (runs) *runs = sh.runs;
    return out;
  }
  {
    auto accept = [&](std::vector<std::uint32_t> choices) {
      std::optional<Replay> r = sh.failing_replay(best->c, std::move(choices));
      if (!r || r->preemptions > best->preemptions) return false;
      best = std::move(r);
      return true;
    };
    // Shortest prefix that still fails: everything after it runs on defaults.
    for (std::size_t len = 0; len < best->c.strategy.choices.size(); ++len) {
      const auto& ch = best->c.strategy.choices;
      if (len > 0 && ch[len - 1] == best->defaults[len - 1]) continue;
      if (accept(std::vector<std::uint32_t>(ch.begin(),
                                            ch.begin() + static_cast<std::ptrdiff_t>(len))))
        break;
    }
    // Each remaining preemption replaced by its default, then by smaller indices.
    for (bool progress = true; progress;) {
      progress = false;
      for (std::size_t i = 0; i < best->c.strategy.choices.size() && !progress; ++i) {
        const std::uint32_t c = best->c.strategy.choices[i];
        if (c == best->defaults[i]) continue;
        std::vector<std::uint32_t> v = best->c.strategy.choices;
        v[i] = best->defaults[i];
        progress = accept(v);
        for (std::uint32_t smaller = 0; smaller < c && !progress; ++smaller) {
          if (smaller == best->defaults[i]) continue;
          v[i] = smaller;
          progress = accept(v);
        }
      }
    }
    auto& ch = best->c.strategy.choices;
    while (!ch.empty() && ch.back() == best->defaults[ch.size() - 1]) {
      ch.pop_back();
      best->defaults.pop_back();
    }
    out = best->c;
  }
  // The earliest cancellation point that still fails.
  for (bool progress = out.cancel_step.has_value(); progress;) {
    progress = false;
    const std::uint64_t cur = *out.cancel_step;
    for (std::uint64_t cand : {std::uint64_t{0}, cur / 2, cur - 1}) {
      if (cur == 0 || cand >= cur) continue;
      RootCase c = out;
      c.cancel_step = cand;
      if (sh.fails(c)) {
        out = std::move(c);
        progress = true;
        break;
      }
    }
  }
  if (runs) *runs = sh.runs;
  return out;
}

}  // namespace fibercheck::harness
