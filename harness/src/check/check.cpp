#include "fibercheck/harness/check.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <stdexcept>

#include "check/check_case.hpp"
#include "check/check_names.hpp"
#include "check/check_plan.hpp"
#include "fibercheck/sched/rng.hpp"
#include "model/text_form.hpp"
#include "report/lineage.hpp"

namespace fibercheck {

namespace {

using harness::RootCase;
using harness::RootFn;

// A word as the shell reads it back.
std::string shell_word(const std::string& w) {
  if (!w.empty() &&
      w.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,+@%") ==
          std::string::npos)
    return w;
  std::string q = "'";
  for (char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// This process's command line: inside a test, the binary and a filter for the
// test; elsewhere the whole command line, as the user's own main may need it.
// The strings here and in describe() are appended piece by piece: GCC 12 at -O3
// (Release) sees a false overlap (-Wrestrict) in `"literal" + std::string&&`.
std::string command_line(const std::string& test) {
  std::string s;
  if (!test.empty()) {
    s = shell_word(program_invocation_name);
    s += " --gtest_filter=";
    s += shell_word(test);
    return s;
  }
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string arg;
  while (std::getline(in, arg, '\0')) {
    if (!s.empty()) s += ' ';
    s += shell_word(arg);
  }
  return s.empty() ? shell_word(program_invocation_name) : s;
}

std::string replay_command(const std::string& line, const std::string& test) {
  std::string s = "FIBERCHECK_REPLAY='";
  s += line;
  s += "' ";
  s += command_line(test);
  return s;
}

// Each fiber left, once: where it blocks, what it waits on, where it was spawned.
std::string census_block(const Outcome& o) {
  std::string s;
  if (!o.live.empty()) s += harness::lineage_report(o);
  return s;
}

// "check 'X' (at file:line)": the name replay lines use, and where the call is.
std::string check_label(const CheckResult& r) {
  std::string s = "check '";
  s += r.name;
  s += "'";
  if (!r.site.empty()) {
    s += " (at ";
    s += r.site;
    s += ")";
  }
  return s;
}

bool is_completion(const RootCase& c) { return !c.cancel_step && !c.cancel_when_idle; }

// The root under check: a function of its done, or a void() body that takes none.
struct CheckRoot {
  const RootFn* with_done = nullptr;
  const std::function<void()>* body = nullptr;

  [[nodiscard]] bool takes_done() const noexcept { return with_done != nullptr; }
  // As a function of a done, for the shrinker and explorers: a body ignores it.
  [[nodiscard]] RootFn fn() const {
    if (with_done) return *with_done;
    return [b = body](Done) { (*b)(); };
  }
  [[nodiscard]] Outcome run_case(const RootCase& c, std::size_t stack, bool trace,
                                 const source_location& site) const {
    const RunOptions o = c.run_options(stack, trace);
    return with_done ? run(*with_done, o, site) : run(*body, o, site);
  }
};

std::string expected_of(const RootCase& c, const CheckRoot& root) {
  if (!root.takes_done()) return "root returns and every fiber it started ends";
  return is_completion(c)
             ? "without cancellation, root returns by itself and every fiber it started ends"
             : "every fiber ends once root's done closes (closed at step " +
                   (c.cancel_step ? std::to_string(*c.cancel_step) : std::string("idle")) + ")";
}

// dfs_explorer()'s callable: check() recognizes it, to explore a void() root
// without cancellation points.
struct DfsExplorer {
  sched::ExploreOptions options;

  std::optional<FoundCase> operator()(const RootFn& root) const {
    return found(sched::explore(root, options));
  }
  std::optional<FoundCase> body(const std::function<void()>& root) const {
    return found(sched::explore(root, options));
  }
  static std::optional<FoundCase> found(const sched::ExploreReport& rep) {
    if (!rep.failed || !rep.failure) return std::nullopt;
    return FoundCase{rep.failure->strategy, rep.failure->cancel_step};
  }
};

// Whether a completion case failed the way a server loop does: it runs until root's
// done closes. Not so when root returned and what still runs watches another done.
bool waits_for_roots_done(const Outcome& o) {
  if (o.verdict != Verdict::still_running) return true;
  for (const FiberInfo& f : o.live)
    if (f.watched_done == "root" && !f.watched_done_closed) return true;
  return false;
}

// Where the failing case sits: "case 3 of 500" (numbered in the whole sequence, the
// same in every shard), or the explorer's find.
struct FoundAt {
  std::optional<std::uint64_t> index;  // none: the explorer found it
  std::uint64_t cases = 0;
};

// The failure report, in the order every fibercheck failure prints: expected,
// happened, the case, how to replay it. Runs the case twice to check determinism.
void describe(const CheckRoot& root, RootCase c, const CheckOptions& opt,
              const source_location& site, const std::string& test, const std::string& shrink_note,
              FoundAt at, CheckResult& r) {
  const Outcome first = root.run_case(c, opt.stack_size, true, site);
  const bool parked = !first.unreclaimed.empty();
  // A second run of an unreclaimable case would park one more thread: skip it.
  const Outcome second = parked ? first : root.run_case(c, opt.stack_size, true, site);
  c.trace_hash = first.trace_hash;
  r.case_line = harness::root_case_line(c);
  r.replay = replay_command(r.case_line, test);
  std::string& s = r.report;
  s = "fibercheck: ";
  s += check_label(r);
  s += " failed (base seed ";
  s += std::to_string(r.seed);
  if (at.index) {
    s += ", case ";
    s += std::to_string(*at.index + 1);
    s += " of ";
    s += std::to_string(at.cases);
  } else {
    s += ", found by the explorer";
  }
  if (r.shard.total > 1) {
    s += ", ";
    s += harness::shard_text(r.shard);
  }
  s += ")\n";
  s += "expected: " + expected_of(c, root) + "\n";
  s += "happened: " + first.headline() + "\n";
  s += census_block(first);
  if (is_completion(c) && root.takes_done() && waits_for_roots_done(first))
    s += "(if root is meant to run until its done closes, as a server loop is, set "
         "CheckOptions::completion = false)\n";
  if (first.trace_hash != second.trace_hash || first.verdict != second.verdict)
    s += "NOT DETERMINISTIC: the same case ran differently twice, so root depends on something "
         "fibercheck does not control (real time, threads, addresses, global state)\n";
  // A note ending in "to" is completed with what the shrunk case came to.
  if (shrink_note.ends_with(" to"))
    s += shrink_note + " " + std::to_string(first.preemptions) + " preemptions" +
         (c.cancel_step ? ", cancel " + std::to_string(*c.cancel_step) : std::string()) + "\n";
  else if (!shrink_note.empty())
    s += shrink_note + "\n";
  s += "case: " + r.case_line + "\n";
  s += "replay: " + r.replay + "\n";
  r.outcome = first;
}

CheckResult rejected_line(CheckResult r, const std::string& line, const std::string& why) {
  harness::note_replay_taken(line);
  r.ok = false;
  r.report = "fibercheck: FIBERCHECK_REPLAY: ";
  r.report += why;
  r.report += "\n";
  std::fputs(r.report.c_str(), stderr);
  return r;
}

CheckResult skipped(CheckResult r, const std::string& why) {
  r.skipped = true;
  std::fprintf(stderr, "fibercheck: FIBERCHECK_REPLAY %s; skipping %s\n", why.c_str(),
               check_label(r).c_str());
  return r;
}

CheckResult replay_one(const CheckRoot& root, const std::string& line, const CheckOptions& opt,
                       const source_location& site, CheckResult r) {
  // A tree case line is check_kind()'s (or the tool's): another check's line.
  if (harness::is_tree_case_line(line)) return skipped(r, "holds a tree case line (topology=)");
  RootCase c;
  try {
    c = harness::parse_root_case(line);
  } catch (const harness::ParseError& e) {
    return rejected_line(r, line, e.what());
  }
  if (c.root != r.name) return skipped(r, "is for check '" + c.root + "'");
  if (!root.takes_done() && !is_completion(c))
    return rejected_line(
        r, line,
        "check '" + r.name +
            "' has a root that takes no done, so nothing can cancel it, but the line closes "
            "its done (" +
            (c.cancel_step ? "cancel=" + std::to_string(*c.cancel_step)
                           : std::string("when idle")) +
            "): it was printed for a root that took a Done; run the check again to get a "
            "line for this one");
  harness::note_replay_taken(line);
  c.leak_window_steps = opt.leak_window_steps;
  r.replayed = true;
  r.cases_asked = 1;
  r.cases_run = 1;
  const Outcome o = root.run_case(c, opt.stack_size, true, site);
  r.ok = o.clean();
  r.outcome = o;
  r.case_line = line;
  std::string& s = r.report;
  s = "fibercheck: replay of ";
  s += check_label(r);
  s += "\nexpected: ";
  s += expected_of(c, root);
  s += "\nverdict: ";
  s += o.headline();
  s += "\n";
  s += census_block(o);
  s += "trace:\n";
  s += format(o.events);
  if (c.trace_hash && *c.trace_hash != o.trace_hash) {
    r.ok = false;
    s += "trace mismatch: the line recorded trace " + hex(*c.trace_hash) +
         " but this run produced " + hex(o.trace_hash) +
         ": root is not deterministic, or it changed since the line was printed\n";
  }
  std::fputs(s.c_str(), stderr);
  return r;
}

}  // namespace

std::ostream& operator<<(std::ostream& os, const CheckResult& r) {
  if (!r.ok) return os << r.report;
  os << "ok: check '" << r.name << "': " << r.cases_run;
  if (r.out_of_time) os << " of " << r.cases_asked;
  os << " case(s), base seed " << r.seed;
  if (r.shard.total > 1) os << ", " << harness::shard_text(r.shard);
  if (r.out_of_time) os << ", stopped by the time budget";
  if (r.skipped) os << ", skipped";
  return os;
}

Explorer dfs_explorer(sched::ExploreOptions options) { return DfsExplorer{options}; }

namespace {

// Completion runs among the first cases of the sequence set the range cancellation
// points are drawn from (their longest, plus a margin). Only these first ones count,
// and every shard runs those it needs itself, so case k is the same case in every
// shard: N shards together run exactly the cases one process would.
constexpr std::uint64_t kCalibrationCases = 16;

// The cases of a check's sequence, as a function of their index.
class CaseSequence {
 public:
  CaseSequence(const CheckRoot& root, const CheckOptions& opt, std::string name,
               std::uint64_t base_seed)
      : root_(root), opt_(opt), name_(std::move(name)), base_seed_(base_seed) {}

  [[nodiscard]] bool completion_case(std::uint64_t k) const {
    return !root_.takes_done() || (opt_.completion && k % 4 == 0);
  }
  // Whether cancellation points depend on the completion runs of the first cases.
  [[nodiscard]] bool calibrated() const {
    return root_.takes_done() && opt_.completion && opt_.max_cancel_step == 0;
  }
  // Case k, given the longest completion run among the calibration cases before it.
  [[nodiscard]] RootCase at(std::uint64_t k, std::uint64_t longest) const {
    const std::uint64_t seed = case_seed(base_seed_, k);
    RootCase c;
    c.root = name_;
    c.max_steps = opt_.max_steps;
    c.leak_window_steps = opt_.leak_window_steps;
    c.strategy.kind = opt_.strategies[k % opt_.strategies.size()];
    c.strategy.seed = seed;
    if (completion_case(k)) {
      c.cancel_when_idle = false;
      return c;
    }
    const std::uint64_t limit = opt_.max_cancel_step ? opt_.max_cancel_step
                                : longest > 0        ? longest + longest / 4 + 8
                                                     : 2000;
    c.cancel_step = sched::Rng(seed ^ 0xC0FFEEull).below(limit + 1);
    return c;
  }

 private:
  const CheckRoot& root_;
  const CheckOptions& opt_;
  std::string name_;
  std::uint64_t base_seed_;
};

struct Failing {
  RootCase c;
  Outcome run;
  std::optional<std::uint64_t> index;  // none: the explorer's find
};

// Runs this shard's cases of the sequence until one fails, the budget is spent or
// all have run.
std::optional<Failing> run_sequence(const CheckRoot& root, const CheckOptions& opt,
                                    const source_location& site, std::uint64_t cases,
                                    const harness::Budget& budget, CheckResult& r) {
  const CaseSequence seq(root, opt, r.name, r.seed);
  std::optional<Failing> failing;
  on_case_thread([&] {
    std::uint64_t longest = 0;  // among the calibration cases run so far
    std::uint64_t next_calibration = 0;
    auto run_case = [&](std::uint64_t k) -> bool {
      RootCase c = seq.at(k, longest);
      Outcome o = root.run_case(c, opt.stack_size, false, site);
      if (!o.clean()) {
        failing = Failing{std::move(c), std::move(o), k};
        return false;  // an unreclaimable leak parks this thread: stop using it
      }
      if (k < kCalibrationCases && seq.completion_case(k)) longest = std::max(longest, o.steps);
      return true;
    };
    for (std::uint64_t k = r.shard.index; k < cases; k += r.shard.total) {
      if (r.cases_run > 0 && budget.spent()) {
        r.out_of_time = true;
        return;
      }
      // Other shards' completion cases before k that k's cancellation range depends on.
      for (; seq.calibrated() && next_calibration < std::min(k, kCalibrationCases);
           ++next_calibration) {
        const std::uint64_t j = next_calibration;
        if (j % r.shard.total != r.shard.index && seq.completion_case(j) && !run_case(j)) return;
      }
      r.case_seeds.push_back(case_seed(r.seed, k));
      ++r.cases_run;
      if (!run_case(k)) return;
    }
  });
  return failing;
}

// Runs the explorer (in shard 1 only: it is one search, not a sequence to split).
std::optional<Failing> run_explorer(const CheckRoot& root, const CheckOptions& opt,
                                    const source_location& site, CheckResult& r) {
  r.cases_asked = r.shard.index == 0 ? 1 : 0;
  if (r.cases_asked == 0) return std::nullopt;
  r.cases_run = 1;
  std::optional<FoundCase> found;
  if (root.takes_done()) {
    found = opt.explorer(*root.with_done);
  } else if (const auto* dfs = opt.explorer.target<DfsExplorer>()) {
    found = dfs->body(*root.body);
  } else {
    found = opt.explorer(root.fn());
  }
  if (!found) return std::nullopt;
  RootCase c;
  c.root = r.name;
  c.max_steps = opt.max_steps;
  c.leak_window_steps = opt.leak_window_steps;
  c.strategy = found->strategy;
  c.cancel_step = found->cancel_step;
  if (!root.takes_done()) {  // nothing can cancel it: the completion case
    c.cancel_step.reset();
    c.cancel_when_idle = false;
  }
  Outcome o = root.run_case(c, opt.stack_size, false, site);
  if (o.clean())
    throw std::logic_error(
        "fibercheck::check: the explorer's failing case ran clean: root is not deterministic");
  return Failing{std::move(c), std::move(o), std::nullopt};
}

// Shrinks the failing case (when asked and possible) and writes the report.
void report_failure(const CheckRoot& root, const Failing& f, const CheckOptions& opt,
                    const source_location& site, const std::string& test, std::uint64_t cases,
                    CheckResult& r) {
  r.ok = false;
  RootCase shrunk = f.c;
  std::string note;
  if (!f.run.unreclaimed.empty()) {
    note = "not shrunk: every run of this case parks a thread";
  } else if (opt.shrink) {
    std::size_t runs = 0;
    bool reproduced = false;
    shrunk = harness::shrink_root_case(root.fn(), f.c, opt.stack_size, site, &runs, &reproduced);
    const std::string from =
        sched::to_string(f.c.strategy.kind) + std::string(" seed ") +
        std::to_string(f.c.strategy.seed) +
        (f.c.cancel_step ? " cancel " + std::to_string(*f.c.cancel_step) : std::string()) + " (" +
        std::to_string(f.run.preemptions) + " preemptions)";
    note = reproduced
               ? "shrunk in " + std::to_string(runs) + " runs, same failure, from " + from + " to"
               : "not shrunk: replaying the recorded choices of " + from +
                     " did not fail the same way, so the case found first is kept";
  }
  describe(root, shrunk, opt, site, test, note, FoundAt{f.index, cases}, r);
}

void validate(const CheckOptions& opt) {
  if (opt.strategies.empty())
    throw std::invalid_argument("fibercheck::check: CheckOptions::strategies is empty");
  for (auto k : opt.strategies)
    if (k == sched::StrategyKind::replay)
      throw std::invalid_argument(
          "fibercheck::check: replay is not a search strategy; use FIBERCHECK_REPLAY");
  if (opt.max_steps == 0)
    throw std::invalid_argument("fibercheck::check: CheckOptions::max_steps is 0");
}

CheckResult check_root(const CheckRoot& root, const CheckOptions& opt,
                       const source_location& site) {
  validate(opt);
  const harness::CheckIdentity id = harness::identify_check(opt.name, site);
  CheckResult r;
  r.name = id.name;
  r.site = id.site;
  if (const char* line = std::getenv("FIBERCHECK_REPLAY"); line && *line) {
    harness::arm_replay_exit_check();
    r = replay_one(root, line, opt, site, std::move(r));
    harness::finish_check(r);
    return r;
  }

  const RcParams rc = rc_params_from_env();
  r.seed = opt.seed ? *opt.seed : rc.seed ? *rc.seed : 1;
  r.shard = harness::shard_for(opt, id.test);
  const std::uint64_t cases = opt.cases ? *opt.cases : rc.max_success ? *rc.max_success : 500;
  const harness::Budget budget(opt);
  std::optional<Failing> failing;
  if (opt.explorer) {
    failing = run_explorer(root, opt, site, r);
  } else {
    r.cases_asked = harness::cases_in_shard(cases, r.shard);
    failing = run_sequence(root, opt, site, cases, budget, r);
  }
  if (r.out_of_time) r.partial = harness::partial_line(r, budget);
  if (failing) {
    report_failure(root, *failing, opt, site, id.test, cases, r);
    if (opt.print && id.test.empty()) std::fputs(r.report.c_str(), stderr);
  }
  harness::finish_check(r);
  return r;
}

}  // namespace

CheckResult check(const std::function<void(Done)>& root, const CheckOptions& opt,
                  source_location site) {
  return check_root(CheckRoot{&root, nullptr}, opt, site);
}

CheckResult check(const std::function<void()>& root, const CheckOptions& opt,
                  source_location site) {
  return check_root(CheckRoot{nullptr, &root}, opt, site);
}

}  // namespace fibercheck
