// fibercheck run: checks the property suites over random trees of the bundled
// kinds, prints progress and a summary table, and for each failure the shrunk
// case line and the command that replays it.
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "report/failure.hpp"
#include "cli/commands.hpp"
#include "fibercheck/harness/kind.hpp"
#include "explore/shrink.hpp"
#include "fibercheck/sched/rng.hpp"
#include "explore/suites.hpp"

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
    std::printf("not shrunk: the shrunk case does not fail as the case found first, so the "
                "case found first is shown\n  found:  %s\n  shrunk: %s\n",
                found.text().c_str(), got.text().c_str());
    std::printf("%s", harness::report_failure(s.name, f.expected, *f.spec).text.c_str());
    return;
  }
  std::printf("shrunk from %zu to %zu nodes in %zu shrinks (%zu tried); ",
              f.spec->topology.size(), shrunk.topology.size(), stats.accepted, stats.tried);
  if (replayed) {
    std::printf("schedule from %llu to %llu preemptions in %zu more\n",
                static_cast<unsigned long long>(before), static_cast<unsigned long long>(after),
                sched_stats.accepted);
  } else {
    std::printf("schedule not shrunk: replaying its recorded choices did not give the same "
                "failing run, so the schedule found is kept\n");
  }
  std::printf("same failure as found: %s\n", found.text().c_str());
  std::printf("%s", harness::report_failure(s.name, f.expected, shrunk).text.c_str());
}

}  // namespace

int cmd_run(const Args& a) {
  harness::SuiteConfig cfg;
  const std::uint64_t cases = number_option(a, "cases", 500, 1, 100000000);
  const std::uint64_t seed = number_option(a, "seed", 1, 0, UINT64_MAX);
  const double budget = static_cast<double>(number_option(a, "time-budget", 0, 0, 10000000));
  cfg.max_nodes = number_option(a, "size", 30, 1, 5000);
  if (auto it = a.options.find("strategy"); it != a.options.end() && it->second == "dfs")
    return cmd_run_dfs(a);
  if (auto it = a.options.find("strategy"); it != a.options.end()) {
    if (!sched::parse_strategy_kind(it->second, cfg.strategy) ||
        cfg.strategy == sched::StrategyKind::replay)
      throw UsageError("option --strategy: '" + it->second.substr(0, 40) +
                       "' is not a strategy; expected fifo, random, pct or dfs");
  }
  std::vector<const harness::Suite*> chosen;
  if (auto it = a.options.find("plant"); it != a.options.end()) {
    const harness::KindInfo* k = harness::find_kind(it->second);
    if (k == nullptr || !k->mutant)
      throw UsageError("option --plant: '" + it->second.substr(0, 40) +
                       "' is not a mutant kind; `fibercheck kinds` marks them");
    cfg.plant = it->second;
    // With --suite mutants it measures that one mutant: caught, and shrunk small.
    const auto suite = a.options.find("suite");
    const bool mutants = suite != a.options.end() && suite->second == "mutants";
    chosen.push_back(harness::find_suite(mutants ? "mutants" : "cancellation"));
  } else if (auto it2 = a.options.find("suite"); it2 != a.options.end()) {
    const harness::Suite* s = harness::find_suite(it2->second);
    if (s == nullptr) {
      std::string names;
      for (const auto& x : harness::suites()) names += (names.empty() ? "" : ", ") + x.name;
      throw UsageError("option --suite: no suite named '" + it2->second.substr(0, 40) +
                       "'; expected one of " + names);
    }
    chosen.push_back(s);
  } else {
    for (const auto& s : harness::suites()) chosen.push_back(&s);
  }
  if (!a.positional.empty()) throw UsageError("run: unexpected argument '" + a.positional[0].substr(0, 40) + "'");

  const bool tty = isatty(STDOUT_FILENO);
  std::printf("fibercheck run: seed %llu, strategy %s, trees of up to %zu nodes, %llu cases a suite%s\n",
              static_cast<unsigned long long>(seed), sched::to_string(cfg.strategy).c_str(),
              cfg.max_nodes, static_cast<unsigned long long>(cases),
              cfg.plant.empty() ? "" : (", " + cfg.plant + " planted").c_str());
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
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
          std::printf("\r%llu cases, %.0f cases/s, %llu failures ", static_cast<unsigned long long>(done),
                      done / std::max(elapsed(), 1e-9), static_cast<unsigned long long>(failures));
          std::fflush(stdout);
        }
      }
    });
    row.seconds = elapsed() - start;
    if (tty) std::printf("\r%70s\r", "");
    if (!tty) std::printf("%s: %llu cases, %llu failed\n", s->name.c_str(),
                          static_cast<unsigned long long>(row.cases),
                          static_cast<unsigned long long>(row.failures));
    rows.push_back(row);
    if (first) on_case_thread([&] { report(*s, *first, cfg); });
  }
  std::printf("\n%-14s %9s %9s %10s\n", "suite", "cases", "failures", "cases/s");
  for (const Row& r : rows)
    std::printf("%-14s %9llu %9llu %10.0f\n", r.suite.c_str(), static_cast<unsigned long long>(r.cases),
                static_cast<unsigned long long>(r.failures), r.cases / std::max(r.seconds, 1e-9));
  if (out_of_time) std::printf("stopped by --time-budget after %.1f s\n", elapsed());
  std::printf("%llu cases in %.2f s, %llu failed: %s\n", static_cast<unsigned long long>(done), elapsed(),
              static_cast<unsigned long long>(failures), failures ? "FAIL" : "OK");
  return failures ? 1 : 0;
}

}  // namespace fibercheck::cli
