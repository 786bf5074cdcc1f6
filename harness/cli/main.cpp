// fibercheck: the command-line tool. `fibercheck run` checks the bundled programs
// over many seeded schedules and cancellation points and prints a summary table.
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "../check_scenarios.hpp"
#include "args.hpp"

namespace {

using fibercheck::cli::UsageError;

const char* kUsage =
    "usage: fibercheck <command> [options]\n"
    "commands:\n"
    "  run        check the bundled programs: correct ones end clean at any cancellation\n"
    "             point, leaking ones are caught\n"
    "             --cases N        cases per program (default 200)\n"
    "             --seed S         base seed (default 1; printed, so a run can be repeated)\n"
    "             --strategy K     fifo | random | pct (default random)\n"
    "             --suite NAME     only this program (see `fibercheck scenarios`)\n"
    "             --time-budget T  stop after T seconds\n"
    "  scenarios  list the bundled programs\n"
    "  help       this text\n";

int cmd_scenarios() {
  for (const auto& s : fibercheck::harness::scenarios())
    std::printf("%-18s %s%s\n", s.name.c_str(), s.leaks ? "[leaks] " : "", s.description.c_str());
  return 0;
}

int cmd_run(const fibercheck::cli::Args& a) {
  fibercheck::harness::CheckConfig cfg;
  cfg.cases = fibercheck::cli::number_option(a, "cases", 200, 1, 100000000);
  cfg.seed = fibercheck::cli::number_option(a, "seed", 1, 0, UINT64_MAX);
  cfg.time_budget = std::chrono::seconds(
      fibercheck::cli::number_option(a, "time-budget", 0, 0, 1000000));
  if (auto it = a.options.find("strategy"); it != a.options.end()) {
    if (!fibercheck::sched::parse_strategy_kind(it->second, cfg.strategy) ||
        cfg.strategy == fibercheck::sched::StrategyKind::replay)
      throw UsageError("option --strategy: '" + it->second.substr(0, 40) +
                       "' is not a strategy; expected fifo, random or pct");
  }
  if (auto it = a.options.find("suite"); it != a.options.end()) {
    cfg.only = it->second;
    bool known = false;
    for (const auto& s : fibercheck::harness::scenarios()) known |= s.name == cfg.only;
    if (!known)
      throw UsageError("option --suite: no program named '" + cfg.only.substr(0, 60) +
                       "'; `fibercheck scenarios` lists them");
  }
  if (!a.positional.empty()) throw UsageError("run: unexpected argument '" + a.positional[0] + "'");

  const bool tty = isatty(STDOUT_FILENO);
  std::printf("fibercheck run: seed %llu, strategy %s, %llu cases a program\n",
              static_cast<unsigned long long>(cfg.seed),
              fibercheck::sched::to_string(cfg.strategy).c_str(),
              static_cast<unsigned long long>(cfg.cases));
  const auto t0 = std::chrono::steady_clock::now();
  auto results = fibercheck::harness::check_scenarios(cfg, [&](std::uint64_t n, std::uint64_t f) {
    if (!tty || n % 50 != 0) return;
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("\r%llu cases, %.0f cases/s, %llu failures", static_cast<unsigned long long>(n),
                n / (s > 0 ? s : 1), static_cast<unsigned long long>(f));
    std::fflush(stdout);
  });
  if (tty) std::printf("\r%60s\r", "");
  std::printf("%-18s %-8s %8s %9s %10s\n", "program", "expects", "cases", "failures", "cases/s");
  std::uint64_t failures = 0, total = 0;
  for (const auto& r : results) {
    std::printf("%-18s %-8s %8llu %9llu %10.0f\n", r.name.c_str(), r.leaks ? "leak" : "clean",
                static_cast<unsigned long long>(r.cases),
                static_cast<unsigned long long>(r.failures), r.cases / (r.seconds > 0 ? r.seconds : 1));
    failures += r.failures;
    total += r.cases;
  }
  for (const auto& r : results)
    if (!r.first_failure.empty()) std::printf("\nFAIL %s: %s\n", r.name.c_str(), r.first_failure.c_str());
  std::printf("%llu cases, %llu failed: %s\n", static_cast<unsigned long long>(total),
              static_cast<unsigned long long>(failures), failures ? "FAIL" : "OK");
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    fibercheck::cli::Args a = fibercheck::cli::parse_args(
        argc, argv, {"cases", "seed", "strategy", "suite", "time-budget"}, {});
    if (a.command == "run") return cmd_run(a);
    if (a.command == "scenarios") return cmd_scenarios();
    if (a.command == "help" || a.command == "--help" || a.command == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    throw UsageError("unknown command '" + a.command.substr(0, 40) + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "fibercheck: %s\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fibercheck: internal error: %s\n", e.what());
    return 3;
  }
}
