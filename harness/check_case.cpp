#include "check_case.hpp"

#include <cerrno>
#include <cstdlib>

#include "case_line.hpp"
#include "text_form.hpp"

namespace fibercheck::harness {

RunOptions RootCase::run_options(std::size_t stack_size, bool trace) const {
  RunOptions o;
  o.strategy = strategy;
  o.cancel_at_step = cancel_step;
  o.cancel_when_idle = cancel_when_idle;
  o.max_steps = max_steps;
  o.trace = trace;
  o.stack_size = stack_size;
  return o;
}

std::string root_case_line(const RootCase& c) {
  std::string s = case_line_schedule(c.strategy, c.cancel_step, c.cancel_when_idle, c.max_steps);
  if (c.trace_hash) s += " trace=" + hex(*c.trace_hash);
  s += " root=" + c.root;
  return s;
}

namespace {

constexpr std::string_view kPrefix = "fibercheck-case v1 ";

std::uint64_t number(const std::string& key, const std::string& v, std::size_t col) {
  if (v.empty() || v.size() > 20 || v.find_first_not_of("0123456789") != std::string::npos)
    throw ParseError(col,
                     "expected a whole number for " + key + ", found '" + v.substr(0, 24) + "'");
  errno = 0;
  const unsigned long long n = std::strtoull(v.c_str(), nullptr, 10);
  if (errno == ERANGE) throw ParseError(col, "expected a number below 2^64 for " + key);
  return n;
}

}  // namespace

RootCase parse_root_case(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
    line.remove_suffix(1);
  if (line.substr(0, kPrefix.size()) != kPrefix)
    throw ParseError(1, "expected a case line starting with '" + std::string(kPrefix) + "'");
  RootCase c;
  bool have_strategy = false, have_root = false;
  std::size_t pos = kPrefix.size();
  while (pos < line.size()) {
    const std::size_t col = pos + 1;
    const std::size_t eq = line.find('=', pos);
    const std::size_t sp = line.find(' ', pos);
    if (eq == std::string_view::npos || (sp != std::string_view::npos && sp < eq))
      throw ParseError(col, "expected key=value");
    const std::string key(line.substr(pos, eq - pos));
    const std::size_t end = sp == std::string_view::npos ? line.size() : sp;
    const std::string v(line.substr(eq + 1, end - eq - 1));
    const std::size_t vcol = eq + 2;
    if (key == "root") {
      if (v.empty() || end != line.size())
        throw ParseError(vcol, "expected the check's name after root=, as the last key");
      c.root = v;
      have_root = true;
    } else if (key == "topology") {
      throw ParseError(col,
                       "this case line has a topology: replay it with `fibercheck replay` (or "
                       "the `replay` command of a binary that calls fibercheck::cli_main)");
    } else if (key == "strategy") {
      if (!sched::parse_strategy_kind(v, c.strategy.kind))
        throw ParseError(vcol,
                         "expected fifo, random, pct or replay, found '" + v.substr(0, 24) + "'");
      have_strategy = true;
    } else if (key == "seed") {
      c.strategy.seed = number(key, v, vcol);
    } else if (key == "choices") {
      for (std::size_t i = 0; v != "-" && i <= v.size();) {
        std::size_t dot = v.find('.', i);
        if (dot == std::string::npos) dot = v.size();
        const std::uint64_t n = number("a choice", v.substr(i, dot - i), vcol + i);
        if (n > 0xffffffffull) throw ParseError(vcol + i, "expected a choice below 2^32");
        c.strategy.choices.push_back(static_cast<std::uint32_t>(n));
        i = dot + 1;
      }
    } else if (key == "pct-depth") {
      const std::uint64_t d = number(key, v, vcol);
      if (d < 1 || d > 64) throw ParseError(vcol, "expected pct-depth from 1 to 64");
      c.strategy.pct_depth = static_cast<int>(d);
    } else if (key == "cancel") {
      if (v != "none") c.cancel_step = number(key, v, vcol);
    } else if (key == "cancel-when-idle") {
      if (v != "0" && v != "1") throw ParseError(vcol, "expected 0 or 1 for cancel-when-idle");
      c.cancel_when_idle = v == "1";
    } else if (key == "max-steps") {
      c.max_steps = number(key, v, vcol);
      if (c.max_steps == 0 || c.max_steps > 100000000)
        throw ParseError(vcol, "expected max-steps from 1 to 100000000");
    } else if (key == "trace") {
      if (v.size() != 16 || v.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw ParseError(vcol, "expected 16 lowercase hex digits for trace");
      c.trace_hash = std::strtoull(v.c_str(), nullptr, 16);
    } else {
      throw ParseError(col,
                       "expected one of strategy, seed, choices, pct-depth, cancel, "
                       "cancel-when-idle, max-steps, trace, root; found '" +
                           key.substr(0, 24) + "'");
    }
    pos = end + 1;
  }
  if (!have_strategy) throw ParseError(line.size() + 1, "expected strategy=... in the case line");
  if (!have_root)
    throw ParseError(line.size() + 1, "expected root=<check name> at the end of the case line");
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
  Shrinker(const RootFn& root, std::size_t stack, const std::source_location& site)
      : root_(root), stack_(stack), site_(site) {}

  bool fails(const RootCase& c) {
    ++runs;
    return !run(root_, c.run_options(stack_, false), site_).clean();
  }

  // Runs `c` under replay of `choices`; when it fails, the replay as it ran.
  std::optional<Replay> failing_replay(const RootCase& c, std::vector<std::uint32_t> choices) {
    RootCase r = c;
    r.strategy.kind = sched::StrategyKind::replay;
    r.strategy.choices = std::move(choices);
    ++runs;
    const Outcome o = run(root_, r.run_options(stack_, false), site_);
    if (o.clean()) return std::nullopt;
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
  std::source_location site_;
};

}  // namespace

RootCase shrink_root_case(const RootFn& root, const RootCase& failing, std::size_t stack_size,
                          const std::source_location& site, std::size_t* runs) {
  Shrinker sh(root, stack_size, site);
  RootCase out = failing;
  ++sh.runs;
  const Outcome first = run(root, failing.run_options(stack_size, false), site);
  std::optional<Replay> best;
  if (!first.clean()) best = sh.failing_replay(failing, first.choices);
  if (best) {
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
