#include "fibercheck/harness/check.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <stdexcept>

#include "check/check_case.hpp"
#include "fibercheck/sched/rng.hpp"
#include "model/text_form.hpp"
#include "report/lineage.hpp"

namespace fibercheck {

namespace {

using harness::RootCase;
using harness::RootFn;

// Case lines carry the name between spaces and shell quotes: keep it to one word.
std::string token(std::string s) {
  for (char& c : s)
    if (c == ' ' || c == '\'' || c == '"' || c == '\\' || c == '\t' || c == '\n') c = '_';
  return s;
}

std::string check_name(const CheckOptions& opt, const source_location& site,
                       const std::string& test) {
  if (!opt.name.empty()) return token(opt.name);
  std::string file = site.file_name();
  if (const auto slash = file.rfind('/'); slash != std::string::npos) file = file.substr(slash + 1);
  return token((test.empty() ? file : test) + ":" + std::to_string(site.line()));
}

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

std::string census_block(const Outcome& o) {
  std::string s;
  if (!o.live.empty()) s += harness::lineage_report(o);
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

// The failure report, in the order every fibercheck failure prints: expected,
// happened, the case, how to replay it. Runs the case twice to check determinism.
void describe(const CheckRoot& root, RootCase c, const CheckOptions& opt,
              const source_location& site, const std::string& test, const std::string& shrink_note,
              CheckResult& r) {
  const Outcome first = root.run_case(c, opt.stack_size, true, site);
  const bool parked = !first.unreclaimed.empty();
  // A second run of an unreclaimable case would park one more thread: skip it.
  const Outcome second = parked ? first : root.run_case(c, opt.stack_size, true, site);
  c.trace_hash = first.trace_hash;
  r.case_line = harness::root_case_line(c);
  r.replay = replay_command(r.case_line, test);
  std::string& s = r.report;
  s = "fibercheck: check '";
  s += r.name;
  s += "' failed (base seed ";
  s += std::to_string(r.seed);
  s += ", shard ";
  s += std::to_string(r.shard.index);
  s += " of ";
  s += std::to_string(r.shard.total);
  s += ", case ";
  s += std::to_string(r.cases_run);
  s += ")\n";
  s += "expected: " + expected_of(c, root) + "\n";
  s += "happened: " + first.summary() + "\n";
  s += census_block(first);
  if (is_completion(c) && root.takes_done() && waits_for_roots_done(first))
    s += "(if root is meant to run until its done closes, as a server loop is, set "
         "CheckOptions::completion = false)\n";
  if (parked)
    s += "unreclaimable: fibers blocked on plain boost::fibers primitives cannot be unwound; "
         "their case thread is parked until the process exits\n";
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

CheckResult replay_one(const CheckRoot& root, const std::string& line, const CheckOptions& opt,
                       const source_location& site, const std::string& name) {
  CheckResult r;
  r.name = name;
  RootCase c;
  try {
    c = harness::parse_root_case(line);
  } catch (const harness::ParseError& e) {
    r.ok = false;
    r.report = std::string("fibercheck: FIBERCHECK_REPLAY: ") + e.what() + "\n";
    std::fputs(r.report.c_str(), stderr);
    return r;
  }
  if (c.root != name) {
    r.skipped = true;
    std::fprintf(stderr, "fibercheck: FIBERCHECK_REPLAY is for check '%s'; skipping check '%s'\n",
                 c.root.c_str(), name.c_str());
    return r;
  }
  if (!root.takes_done() && !is_completion(c)) {
    r.ok = false;
    r.report =
        "fibercheck: FIBERCHECK_REPLAY: check '" + name +
        "' has a root that takes no done, so nothing can cancel it, but the line closes "
        "its done (" +
        (c.cancel_step ? "cancel=" + std::to_string(*c.cancel_step) : std::string("when idle")) +
        "): it was printed for a root that took a Done; run the check again to get a "
        "line for this one\n";
    std::fputs(r.report.c_str(), stderr);
    return r;
  }
  c.leak_window_steps = opt.leak_window_steps;
  r.replayed = true;
  r.cases_run = 1;
  const Outcome o = root.run_case(c, opt.stack_size, true, site);
  r.ok = o.clean();
  r.outcome = o;
  r.case_line = line;
  std::string& s = r.report;
  s = "fibercheck: replay of check '" + name + "'\nexpected: " + expected_of(c, root) +
      "\nverdict: " + o.summary() + "\n" + census_block(o) + "trace:\n" + format(o.events);
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
  return os << "ok: check '" << r.name << "': " << r.cases_run << " case(s), base seed " << r.seed
            << (r.out_of_time ? ", stopped by the time budget" : "")
            << (r.skipped ? ", skipped" : "");
}

Explorer dfs_explorer(sched::ExploreOptions options) { return DfsExplorer{options}; }

namespace {

CheckResult check_root(const CheckRoot& root, const CheckOptions& opt,
                       const source_location& site) {
  if (opt.strategies.empty())
    throw std::invalid_argument("fibercheck::check: CheckOptions::strategies is empty");
  for (auto k : opt.strategies)
    if (k == sched::StrategyKind::replay)
      throw std::invalid_argument(
          "fibercheck::check: replay is not a search strategy; use FIBERCHECK_REPLAY");
  if (opt.max_steps == 0)
    throw std::invalid_argument("fibercheck::check: CheckOptions::max_steps is 0");
  const std::string test = detail::current_test_name();
  const std::string name = check_name(opt, site, test);
  const bool print = opt.print && test.empty();
  if (const char* line = std::getenv("FIBERCHECK_REPLAY"); line && *line)
    return replay_one(root, line, opt, site, name);

  const RcParams rc = rc_params_from_env();
  CheckResult r;
  r.name = name;
  r.seed = opt.seed ? *opt.seed : rc.seed ? *rc.seed : 1;
  r.shard = opt.shard ? *opt.shard : shard_from_env();
  if (r.shard.total == 0 || r.shard.index >= r.shard.total)
    throw std::invalid_argument("fibercheck::check: shard index must be below the shard total");
  const std::uint64_t cases = opt.cases ? *opt.cases : rc.max_success ? *rc.max_success : 500;
  const double budget =
      opt.time_budget_seconds > 0 ? opt.time_budget_seconds : time_budget_from_env();
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };

  std::optional<RootCase> failing;
  Outcome failed_run;
  if (opt.explorer) {
    r.cases_run = 1;
    std::optional<FoundCase> found;
    if (root.takes_done()) {
      found = opt.explorer(*root.with_done);
    } else if (const auto* dfs = opt.explorer.target<DfsExplorer>()) {
      found = dfs->body(*root.body);
    } else {
      found = opt.explorer(root.fn());
    }
    if (found) {
      RootCase c;
      c.root = name;
      c.max_steps = opt.max_steps;
      c.leak_window_steps = opt.leak_window_steps;
      c.strategy = found->strategy;
      c.cancel_step = found->cancel_step;
      if (!root.takes_done()) {  // nothing can cancel it: the completion case
        c.cancel_step.reset();
        c.cancel_when_idle = false;
      }
      failed_run = root.run_case(c, opt.stack_size, false, site);
      if (failed_run.clean())
        throw std::logic_error(
            "fibercheck::check: the explorer's failing case ran clean: root is not deterministic");
      failing = c;
    }
  }
  if (!opt.explorer)
    on_case_thread([&] {
      std::uint64_t longest = 0;
      for (std::uint64_t i = 0; i < cases; ++i) {
        const std::uint64_t g = r.shard.index + i * r.shard.total;
        const std::uint64_t seed = case_seed(r.seed, g);
        RootCase c;
        c.root = name;
        c.max_steps = opt.max_steps;
        c.leak_window_steps = opt.leak_window_steps;
        c.strategy.kind = opt.strategies[g % opt.strategies.size()];
        c.strategy.seed = seed;
        if (!root.takes_done() || (opt.completion && i % 4 == 0)) {
          c.cancel_when_idle = false;
        } else {
          const std::uint64_t limit = opt.max_cancel_step ? opt.max_cancel_step
                                      : longest > 0       ? longest + longest / 4 + 8
                                                          : 2000;
          c.cancel_step = sched::Rng(seed ^ 0xC0FFEEull).below(limit + 1);
        }
        const Outcome o = root.run_case(c, opt.stack_size, false, site);
        r.case_seeds.push_back(seed);
        ++r.cases_run;
        if (!o.clean()) {
          failing = c;
          failed_run = o;
          return;  // an unreclaimable leak parks this thread: stop using it
        }
        if (is_completion(c)) longest = std::max(longest, o.steps);
        if (budget > 0 && elapsed() > budget) {
          r.out_of_time = true;
          return;
        }
      }
    });
  if (!failing) return r;

  r.ok = false;
  RootCase shrunk = *failing;
  std::string note;
  if (!failed_run.unreclaimed.empty()) {
    note = "not shrunk: every run of this case parks a thread";
  } else if (opt.shrink) {
    std::size_t runs = 0;
    bool reproduced = false;
    shrunk =
        harness::shrink_root_case(root.fn(), *failing, opt.stack_size, site, &runs, &reproduced);
    const std::string from =
        sched::to_string(failing->strategy.kind) + std::string(" seed ") +
        std::to_string(failing->strategy.seed) +
        (failing->cancel_step ? " cancel " + std::to_string(*failing->cancel_step)
                              : std::string()) +
        " (" + std::to_string(failed_run.preemptions) + " preemptions)";
    note = reproduced
               ? "shrunk in " + std::to_string(runs) + " runs, same failure, from " + from + " to"
               : "not shrunk: replaying the recorded choices of " + from +
                     " did not fail the same way, so the case found first is kept";
  }
  describe(root, shrunk, opt, site, test, note, r);
  if (print) std::fputs(r.report.c_str(), stderr);
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
