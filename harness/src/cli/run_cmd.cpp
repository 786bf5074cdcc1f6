// fibercheck run: checks the property suites over random trees of the bundled
// kinds (this shard's share of each suite's cases, within a time budget shared by
// the suites), prints a line a suite and a summary table, and for each failure the
// shrunk case line and the command that replays it; writes the JUnit and failures
// files CI collects.
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>

#include "cli/commands.hpp"
#include "cli/junit.hpp"
#include "cli/output_file.hpp"
#include "cli/progress.hpp"
#include "cli/shard.hpp"
#include "cli/text.hpp"
#include "explore/shrink.hpp"
#include "explore/suites.hpp"
#include "fibercheck/harness/kind.hpp"
#include "fibercheck/sched/rng.hpp"
#include "report/failure.hpp"

namespace fibercheck::cli {

namespace {

// FNV-1a: a suite's name as a number that is the same on every standard library.
std::uint64_t name_hash(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// A suite's first failure as the run prints it, and its case line if it has one.
struct FailureText {
  std::string text;
  std::string case_line;
};

FailureText as_found(const harness::Suite& s, const harness::Failure& f) {
  const harness::FailureReport r = harness::report_failure(s.name, f.expected, *f.spec);
  return {r.text, r.line};
}

// The failure, shrunk when the suite's failures are failing runs. Every shrink keeps
// the failure found (the suite's signature of it): a leak must not come back as,
// say, a step-budget overrun of the tree around it. If the shrunk case does not fail
// that way (a run that depends on something the case line does not fix), the report
// says so and shows the case found first, not a different failure.
FailureText describe(const harness::Suite& s, const harness::Failure& f,
                     const harness::SuiteConfig& cfg) {
  const std::string head = formatted("FAIL %s: %s\n", s.name.c_str(), s.guarantee.c_str());
  if (!f.spec) return {cat(head, "expected: ", f.expected, "\n"), ""};
  const harness::CaseOutcome first = harness::run_case(*f.spec);
  // Not a failing run (a round-trip or determinism failure, a mutant not caught):
  // there is no failure to keep while shrinking, so the case is shown as found.
  if (s.signature == nullptr || (first.clean() && s.fails == nullptr)) {
    FailureText t = as_found(s, f);
    t.text.insert(0, head);
    return t;
  }
  const harness::FailureSignature found = s.signature(first);
  harness::CaseSpec shrunk = *f.spec;
  harness::ShrinkStats stats;
  if (s.fails) {
    shrunk = harness::shrink_case(
        *f.spec, [&](harness::CaseSpec& c) { return s.fails(c, cfg, found); }, &stats);
  }
  std::uint64_t before = 0, after = 0;
  bool replayed = false;
  harness::ShrinkStats sched_stats;
  shrunk = harness::shrink_schedule(shrunk, &sched_stats, &before, &after, &replayed);
  const harness::FailureSignature got = s.signature(harness::run_case(shrunk));
  if (got != found) {
    FailureText t = as_found(s, f);
    t.text.insert(0, cat(head,
                         "not shrunk: the shrunk case does not fail as the case found first, so "
                         "the case found first is shown\n  found:  ",
                         found.text(), "\n  shrunk: ", got.text(), "\n"));
    return t;
  }
  std::string text =
      cat(head,
          formatted("shrunk from %zu to %zu nodes in %zu shrinks (%zu tried); ",
                    f.spec->topology.size(), shrunk.topology.size(), stats.accepted, stats.tried));
  if (replayed) {
    text += formatted("schedule from %llu to %llu preemptions in %zu more\n",
                      static_cast<unsigned long long>(before),
                      static_cast<unsigned long long>(after), sched_stats.accepted);
  } else {
    text +=
        "schedule not shrunk: replaying its recorded choices did not give the same "
        "failing run, so the schedule found is kept\n";
  }
  text += cat("same failure as found: ", found.text(), "\n");
  const harness::FailureReport r = harness::report_failure(s.name, f.expected, shrunk);
  return {cat(text, r.text), r.line};
}

// What `run` was asked to do, read from its command line.
struct RunPlan {
  harness::SuiteConfig cfg;
  std::uint64_t cases = 500;  // a suite, before sharding
  std::uint64_t seed = 1;
  double budget = 0;  // seconds for the whole run; 0: none
  Shard shard;
  std::vector<const harness::Suite*> suites;
  bool list_cases = false;
  bool progress = true;          // unless --no-progress
  bool progress_forced = false;  // --progress: even when stderr is no terminal
  std::optional<std::string> junit, failures;
};

// How one suite went.
struct SuiteResult {
  const harness::Suite* suite = nullptr;
  std::uint64_t asked = 0;  // the cases of this shard
  std::uint64_t cases = 0;  // the cases that ran
  std::uint64_t failures = 0;
  std::uint64_t next = 0;  // the index of the next case this shard takes
  double seconds = 0;
  std::optional<harness::Failure> first;
  FailureText first_text;

  [[nodiscard]] bool partial() const { return cases < asked; }
};

class Stopwatch {
 public:
  [[nodiscard]] double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
};

std::string suite_names(const char* separator) {
  std::string names;
  for (const harness::Suite& s : harness::suites())
    names += (names.empty() ? "" : separator) + s.name;
  return names;
}

// The options of the dfs group explore schedules; sampling one schedule a case
// has no use for them.
void reject_dfs_options(const CLI::App& run) {
  for (const char* flag : {"--preemptions", "--max-runs", "--no-reduction", "--topology"}) {
    if (given(run, flag))
      throw UsageError(std::string("option ") + flag +
                       " applies only to --strategy dfs, which explores every schedule; add "
                       "--strategy dfs or drop " +
                       flag);
  }
}

sched::StrategyKind sampling_strategy(const CLI::App& run) {
  sched::StrategyKind kind = sched::StrategyKind::random;
  if (const auto name = text(run, "--strategy")) {
    if (!sched::parse_strategy_kind(*name, kind) || kind == sched::StrategyKind::replay)
      throw UsageError("option --strategy: '" + name->substr(0, 40) +
                       "' is not a strategy; expected fifo, random, pct or dfs");
  }
  return kind;
}

std::vector<const harness::Suite*> chosen_suites(const CLI::App& run, harness::SuiteConfig& cfg) {
  const std::optional<std::string> suite = text(run, "--suite");
  if (given(run, "--plant")) {
    cfg.plant = mutant_to_plant(run);
    // With --suite mutants it measures that one mutant: caught, and shrunk small.
    return {harness::find_suite(suite == "mutants" ? "mutants" : "cancellation")};
  }
  if (suite) {
    const harness::Suite* s = harness::find_suite(*suite);
    if (s == nullptr)
      throw UsageError("option --suite: no suite named '" + suite->substr(0, 40) +
                       "'; expected one of " + suite_names(", "));
    return {s};
  }
  std::vector<const harness::Suite*> all;
  for (const auto& s : harness::suites()) all.push_back(&s);
  return all;
}

// The budget's time the suite about to start may use, as the moment to stop at: an
// equal share of what is left for it and each suite after it, so time a quick suite
// leaves rolls over to the rest. Infinite without a budget.
double suite_deadline(double budget, double now, std::size_t suites_left) {
  if (budget <= 0) return std::numeric_limits<double>::infinity();
  return now + std::max(0.0, budget - now) / static_cast<double>(suites_left);
}

std::uint64_t case_seed(const RunPlan& plan, const harness::Suite& s, std::uint64_t k) {
  return sched::mix(plan.seed, sched::mix(name_hash(s.name), k));
}

// Runs the cases of `r`'s suite this shard takes, in order from `r.next`, until the
// deadline; a suite's first case always runs, so no suite is left with nothing
// however little time remains.
void run_suite(SuiteResult& r, const RunPlan& plan, double deadline, const Stopwatch& clock,
               ProgressLine& line, Progress& progress) {
  const harness::Suite& s = *r.suite;
  progress.suite = s.name;
  progress.done = r.cases;
  progress.asked = r.asked;
  const double start = clock.seconds();
  on_case_thread([&] {
    for (; r.next < plan.cases; r.next += plan.shard.step()) {
      if (r.cases > 0 && clock.seconds() > deadline) break;
      const std::uint64_t seed = case_seed(plan, s, r.next);
      if (plan.list_cases) {
        line.clear();
        std::printf("case %s #%llu seed=%016llx\n", s.name.c_str(),
                    static_cast<unsigned long long>(r.next), static_cast<unsigned long long>(seed));
        std::fflush(stdout);  // the last line before a crash names the case that crashed
      }
      std::optional<harness::Failure> f = s.check(seed, plan.cfg);
      ++r.cases;
      ++progress.done;
      ++progress.all_done;
      if (f) {
        ++r.failures;
        ++progress.failures;
        if (!r.first) r.first = std::move(f);
      }
      line.update(progress);
    }
  });
  r.seconds += clock.seconds() - start;
  line.clear();
}

RunPlan read_plan(const CLI::App& run) {
  RunPlan p;
  p.cases = whole(run, "--cases", 500, 1, 100000000);
  p.seed = whole(run, "--seed", 1, 0, UINT64_MAX);
  p.budget = seconds(run, "--time-budget");
  p.cfg.max_nodes = whole(run, "--size", 30, 1, 5000);
  p.cfg.strategy = sampling_strategy(run);
  p.suites = chosen_suites(run, p.cfg);
  p.shard = chosen_shard(run);
  p.list_cases = given(run, "--list-cases");
  p.progress = !given(run, "--no-progress");
  p.progress_forced = given(run, "--progress");
  if (p.progress_forced && !p.progress)
    throw UsageError(
        "options --progress and --no-progress contradict each other: give one of them");
  p.junit = text(run, "--junit");
  p.failures = text(run, "--failures");
  return p;
}

std::string header(const RunPlan& p) {
  std::string h = formatted(
      "fibercheck run: seed %llu, strategy %s, trees of up to %zu nodes, %llu cases a suite",
      static_cast<unsigned long long>(p.seed), sched::to_string(p.cfg.strategy).c_str(),
      p.cfg.max_nodes, static_cast<unsigned long long>(p.cases));
  if (!p.cfg.plant.empty()) h += cat(", ", p.cfg.plant, " planted");
  if (p.budget > 0) h += formatted(", time budget %g s", p.budget);
  if (p.shard.sharded()) h += cat(", ", p.shard.described());
  return h;
}

std::string suite_line(const SuiteResult& r) {
  std::string line =
      formatted("%s: %llu", r.suite->name.c_str(), static_cast<unsigned long long>(r.cases));
  if (r.partial()) line += formatted(" of %llu", static_cast<unsigned long long>(r.asked));
  line += formatted(" cases, %llu failed", static_cast<unsigned long long>(r.failures));
  return line;
}

// "cancellation 130 of 500 cases, completion 80 of 500" for the suites cut short.
std::string partial_counts(const std::vector<SuiteResult>& results) {
  std::string out;
  for (const SuiteResult& r : results) {
    if (!r.partial()) continue;
    const bool first = out.empty();
    out += formatted("%s%s %llu of %llu%s", first ? "" : ", ", r.suite->name.c_str(),
                     static_cast<unsigned long long>(r.cases),
                     static_cast<unsigned long long>(r.asked), first ? " cases" : "");
  }
  return out;
}

std::string budget_text(double budget) { return formatted("--time-budget %g s", budget); }

JUnitCase junit_case(const SuiteResult& r, double budget) {
  JUnitCase c;
  c.classname = "fibercheck.run";
  c.name = r.suite->name;
  c.seconds = r.seconds;
  c.properties = {{"guarantee", r.suite->guarantee},
                  {"cases", num(r.cases)},
                  {"cases_asked", num(r.asked)},
                  {"failed_cases", num(r.failures)},
                  {"partial", r.partial() ? "true" : "false"}};
  if (r.first) {
    std::string message =
        formatted("%llu of %llu cases failed: %s", static_cast<unsigned long long>(r.failures),
                  static_cast<unsigned long long>(r.cases), r.suite->guarantee.c_str());
    if (!r.first_text.case_line.empty()) message += cat("; case: ", r.first_text.case_line);
    c.failure = JUnitFailure{message, "fibercheck.property", r.first_text.text};
  } else if (r.partial()) {
    c.skipped = formatted("PARTIAL: %llu of %llu cases ran before the %s ran out",
                          static_cast<unsigned long long>(r.cases),
                          static_cast<unsigned long long>(r.asked), budget_text(budget).c_str());
  }
  c.system_out = cat(suite_line(r), "\n");
  return c;
}

JUnitSuite junit_report(const RunPlan& p, const std::vector<SuiteResult>& results,
                        const std::string& started, double seconds, const char* verdict) {
  JUnitSuite j;
  j.name = "fibercheck";
  j.seconds = seconds;
  j.timestamp = started;
  j.properties = {{"seed", num(p.seed)},
                  {"strategy", sched::to_string(p.cfg.strategy)},
                  {"size", num(p.cfg.max_nodes)},
                  {"cases_a_suite", num(p.cases)},
                  {"shard", cat(num(p.shard.index + 1), " of ", num(p.shard.total))},
                  {"time_budget", p.budget > 0 ? formatted("%g", p.budget) : "none"},
                  {"result", verdict}};
  if (!p.cfg.plant.empty()) j.properties.emplace_back("plant", p.cfg.plant);
  for (const SuiteResult& r : results) j.cases.push_back(junit_case(r, p.budget));
  return j;
}

// One case line a line, for each suite whose first failure has one.
std::string failure_lines(const std::vector<SuiteResult>& results) {
  std::string out;
  for (const SuiteResult& r : results)
    if (!r.first_text.case_line.empty()) out += cat(r.first_text.case_line, "\n");
  return out;
}

void print_table(const std::vector<SuiteResult>& results) {
  std::printf("\n%-14s %9s %9s %10s\n", "suite", "cases", "failures", "cases/s");
  for (const SuiteResult& r : results)
    std::printf("%-14s %9llu %9llu %10.0f\n", r.suite->name.c_str(),
                static_cast<unsigned long long>(r.cases),
                static_cast<unsigned long long>(r.failures),
                static_cast<double>(r.cases) / std::max(r.seconds, 1e-9));
}

}  // namespace

std::string mutant_to_plant(const CLI::App& run) {
  const std::optional<std::string> name = text(run, "--plant");
  if (!name) return "";
  const harness::KindInfo* k = harness::find_kind(*name);
  if (k == nullptr || !k->mutant)
    throw UsageError("option --plant: '" + name->substr(0, 40) +
                     "' is not a mutant kind; `fibercheck kinds` marks them");
  return *name;
}

CLI::App* add_run(CLI::App& tool) {
  CLI::App* run =
      add_command(tool, "run",
                  "check the property suites over random trees of the kinds; prints a summary\n"
                  "table, and each failure shrunk to a case line with the command to replay it");
  add_value(*run, "--cases", "N",
            "cases a suite, 1..100000000 (default 500); with --strategy dfs:\n"
            "trees, 1..1000000 (default 20, or 1 with --topology)");
  add_value(*run, "--seed", "S", "base seed (default 1); the same seed repeats the run");
  add_value(*run, "--strategy", "K",
            "how each case is scheduled: fifo | random | pct (default random);\n"
            "dfs explores every schedule and cancellation point of small trees");
  add_value(*run, "--suite", "NAME",
            suite_names(" | ") + "\n(default: all); not with --strategy dfs");
  add_value(*run, "--plant", "KIND",
            "plant this mutant in every tree of the cancellation suite\n"
            "(with --suite mutants: measure that mutant alone)");
  add_value(*run, "--size", "N",
            "trees of up to N nodes, 1..5000 (default 30); with --strategy dfs:\n"
            "1..12 (default 3)");
  add_value(*run, "--time-budget", "T",
            "stop after T seconds (e.g. 30 or 0.5), shared fairly by the suites;\n"
            "a run cut short ends PARTIAL (exit 4)");
  add_value(*run, "--shard", "I/N",
            "run shard I of N (1..N): N runs together run every case once;\n"
            "default: GTEST_SHARD_INDEX (from 0) of GTEST_TOTAL_SHARDS");
  const std::string ci = "Output and CI";
  add_value(*run, "--junit", "FILE", "write a JUnit XML report to FILE, one testcase a suite")
      ->group(ci);
  add_value(*run, "--failures", "FILE", "write each failing suite's case line to FILE, one a line")
      ->group(ci);
  add_switch(*run, "--list-cases", "print each case (suite, index, seed) before it runs")
      ->group(ci);
  add_switch(*run, "--no-progress", "no progress line on a terminal's stderr")->group(ci);
  add_switch(*run, "--progress", "the progress line even when stderr is not a terminal")->group(ci);
  const std::string dfs = "With --strategy dfs";
  add_value(*run, "--preemptions", "P",
            "explore the schedules within P preemptions, 0..10 (default 2)")
      ->group(dfs);
  add_value(*run, "--max-runs", "R", "run at most R schedules a tree (default 20000)")->group(dfs);
  add_switch(*run, "--no-reduction",
             "explore schedules that only reorder independent steps too\n"
             "(for code under test that shares plain memory between fibers)")
      ->group(dfs);
  add_value(*run, "--topology", "TREE", "explore this tree ('fc1 ...') instead of random ones")
      ->group(dfs);
  run->footer(
      "exit status: 0 every suite held, 1 a suite failed, 2 bad input, 3 internal error,\n"
      "4 partial: no failure, but the time budget ran out before every case ran\n"
      "example: fibercheck run --suite cancellation --cases 200 --seed 7\n"
      "in CI:   fibercheck run --shard 2/3 --junit fibercheck.xml --failures failures.txt");
  return run;
}

int cmd_run(const CLI::App& run) {
  if (text(run, "--strategy") == "dfs") return cmd_run_dfs(run);
  reject_dfs_options(run);
  const RunPlan plan = read_plan(run);
  OutputFile junit(plan.junit, "--junit");
  OutputFile failures_file(plan.failures, "--failures");
  touch_shard_status_file();

  std::printf("%s\n", header(plan).c_str());
  std::fflush(stdout);
  const std::string started = junit_timestamp();
  const Stopwatch clock;
  ProgressLine line(plan.progress, plan.progress_forced);
  Progress progress;
  progress.suites = plan.suites.size();
  progress.all_asked = plan.shard.share_of(plan.cases) * plan.suites.size();
  std::vector<SuiteResult> results;
  for (const harness::Suite* s : plan.suites) {
    SuiteResult r;
    r.suite = s;
    r.asked = plan.shard.share_of(plan.cases);
    r.next = plan.shard.first();
    results.push_back(std::move(r));
  }
  // A suite's line, and the report of its first failure, once it has run all it will.
  auto finish = [&](SuiteResult& r) {
    std::printf("%s\n", suite_line(r).c_str());
    std::fflush(stdout);  // piped into a CI log, each suite's line shows as it ends
    if (!r.first) return;
    on_case_thread([&] { r.first_text = describe(*r.suite, *r.first, plan.cfg); });
    std::printf("\n%s", r.first_text.text.c_str());
    std::fflush(stdout);
  };
  auto resume = [&](SuiteResult& r, std::size_t suites_left) {
    progress.suite_number = static_cast<std::size_t>(&r - results.data()) + 1;
    run_suite(r, plan, suite_deadline(plan.budget, clock.seconds(), suites_left), clock, line,
              progress);
  };
  // Each suite in turn, with its share of what is left of the budget...
  std::vector<SuiteResult*> cut_short;
  for (std::size_t i = 0; i < results.size(); ++i) {
    resume(results[i], results.size() - i);
    if (results[i].partial())
      cut_short.push_back(&results[i]);
    else
      finish(results[i]);
  }
  // ...then the time that quick suites left goes to the suites cut short, shared again.
  for (std::size_t i = 0; i < cut_short.size(); ++i) {
    resume(*cut_short[i], cut_short.size() - i);
    finish(*cut_short[i]);
  }
  std::uint64_t done = 0, failed = 0;
  bool partial = false;
  for (const SuiteResult& r : results) {
    done += r.cases;
    failed += r.failures;
    partial = partial || r.partial();
  }
  print_table(results);
  const double seconds = clock.seconds();
  if (partial)
    std::printf("PARTIAL: the %s ran out before every case ran: %s\n",
                budget_text(plan.budget).c_str(), partial_counts(results).c_str());
  const char* verdict = failed ? "FAIL" : partial ? "PARTIAL" : "OK";
  std::printf("%llu cases in %.2f s, %llu failed: %s\n", static_cast<unsigned long long>(done),
              seconds, static_cast<unsigned long long>(failed), verdict);
  std::fflush(stdout);
  junit.write(junit_xml(junit_report(plan, results, started, seconds, verdict)));
  failures_file.write(failure_lines(results));
  return failed ? 1 : partial ? kExitPartial : 0;
}

}  // namespace fibercheck::cli
