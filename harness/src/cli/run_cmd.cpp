// fibercheck run: checks the property suites over random trees of the bundled
// kinds, prints progress and a summary table, and for each failure the shrunk
// case line and the command that replays it.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.hpp"
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

struct Row {
  std::string suite;
  std::uint64_t cases = 0;
  std::uint64_t failures = 0;
  double seconds = 0;
};

// Prints the failure, shrunk when the suite's failures are failing runs. Every shrink
// keeps the failure found (the suite's signature of it): a leak must not come back as,
// say, a step-budget overrun of the tree around it. If the shrunk case does not fail
// that way (a run that depends on something the case line does not fix), the report
// says so and shows the case found first, not a different failure.
void report(const harness::Suite& s, const harness::Failure& f, const harness::SuiteConfig& cfg) {
  std::printf("\nFAIL %s: %s\n", s.name.c_str(), s.guarantee.c_str());
  if (!f.spec) {
    std::printf("expected: %s\n", f.expected.c_str());
    return;
  }
  const harness::CaseOutcome first = harness::run_case(*f.spec);
  // Not a failing run (a round-trip or determinism failure, a mutant not caught):
  // there is no failure to keep while shrinking, so the case is shown as found.
  if (s.signature == nullptr || (first.clean() && s.fails == nullptr)) {
    std::printf("%s", harness::report_failure(s.name, f.expected, *f.spec).text.c_str());
    return;
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
    std::printf(
        "not shrunk: the shrunk case does not fail as the case found first, so the "
        "case found first is shown\n  found:  %s\n  shrunk: %s\n",
        found.text().c_str(), got.text().c_str());
    std::printf("%s", harness::report_failure(s.name, f.expected, *f.spec).text.c_str());
    return;
  }
  std::printf("shrunk from %zu to %zu nodes in %zu shrinks (%zu tried); ", f.spec->topology.size(),
              shrunk.topology.size(), stats.accepted, stats.tried);
  if (replayed) {
    std::printf("schedule from %llu to %llu preemptions in %zu more\n",
                static_cast<unsigned long long>(before), static_cast<unsigned long long>(after),
                sched_stats.accepted);
  } else {
    std::printf(
        "schedule not shrunk: replaying its recorded choices did not give the same "
        "failing run, so the schedule found is kept\n");
  }
  std::printf("same failure as found: %s\n", found.text().c_str());
  std::printf("%s", harness::report_failure(s.name, f.expected, shrunk).text.c_str());
}

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
  add_value(*run, "--time-budget", "T", "stop after T seconds and report the cases reached");
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
      "exit status: 0 every suite held, 1 a suite failed, 2 bad input, 3 internal error\n"
      "example: fibercheck run --suite cancellation --cases 200 --seed 7");
  return run;
}

int cmd_run(const CLI::App& run) {
  if (text(run, "--strategy") == "dfs") return cmd_run_dfs(run);
  reject_dfs_options(run);
  harness::SuiteConfig cfg;
  const std::uint64_t cases = whole(run, "--cases", 500, 1, 100000000);
  const std::uint64_t seed = whole(run, "--seed", 1, 0, UINT64_MAX);
  const double budget = static_cast<double>(whole(run, "--time-budget", 0, 0, 10000000));
  cfg.max_nodes = whole(run, "--size", 30, 1, 5000);
  cfg.strategy = sampling_strategy(run);
  const std::vector<const harness::Suite*> chosen = chosen_suites(run, cfg);

  const bool tty = isatty(STDOUT_FILENO);
  std::printf(
      "fibercheck run: seed %llu, strategy %s, trees of up to %zu nodes, %llu cases a suite%s\n",
      static_cast<unsigned long long>(seed), sched::to_string(cfg.strategy).c_str(), cfg.max_nodes,
      static_cast<unsigned long long>(cases),
      cfg.plant.empty() ? "" : (", " + cfg.plant + " planted").c_str());
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::vector<Row> rows;
  std::uint64_t done = 0, failures = 0;
  bool out_of_time = false;
  for (const harness::Suite* s : chosen) {
    Row row{s->name};
    const double start = elapsed();
    std::optional<harness::Failure> first;
    on_case_thread([&] {
      for (std::uint64_t i = 0; i < cases; ++i) {
        if (budget > 0 && elapsed() > budget) {
          out_of_time = true;
          break;
        }
        auto f = s->check(sched::mix(seed, sched::mix(name_hash(s->name), i)), cfg);
        ++row.cases;
        ++done;
        if (f) {
          ++row.failures;
          ++failures;
          if (!first) first = std::move(f);
        }
        if (tty && done % 100 == 0) {
          std::printf("\r%llu cases, %.0f cases/s, %llu failures ",
                      static_cast<unsigned long long>(done), done / std::max(elapsed(), 1e-9),
                      static_cast<unsigned long long>(failures));
          std::fflush(stdout);
        }
      }
    });
    row.seconds = elapsed() - start;
    if (tty) std::printf("\r%70s\r", "");
    if (!tty)
      std::printf("%s: %llu cases, %llu failed\n", s->name.c_str(),
                  static_cast<unsigned long long>(row.cases),
                  static_cast<unsigned long long>(row.failures));
    std::fflush(stdout);  // piped into a CI log, each suite's line shows as it ends
    rows.push_back(row);
    if (first) on_case_thread([&] { report(*s, *first, cfg); });
  }
  std::printf("\n%-14s %9s %9s %10s\n", "suite", "cases", "failures", "cases/s");
  for (const Row& r : rows)
    std::printf("%-14s %9llu %9llu %10.0f\n", r.suite.c_str(),
                static_cast<unsigned long long>(r.cases),
                static_cast<unsigned long long>(r.failures), r.cases / std::max(r.seconds, 1e-9));
  if (out_of_time) std::printf("stopped by --time-budget after %.1f s\n", elapsed());
  std::printf("%llu cases in %.2f s, %llu failed: %s\n", static_cast<unsigned long long>(done),
              elapsed(), static_cast<unsigned long long>(failures), failures ? "FAIL" : "OK");
  return failures ? 1 : 0;
}

}  // namespace fibercheck::cli
