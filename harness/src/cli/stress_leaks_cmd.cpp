// fibercheck stress-leaks: many consecutive leaking cases in one process (the
// bundled mutants, each reclaimed after its verdict), printing resident memory
// after case 1,000 and at the end, so growth per case shows. --unreclaimable K
// also plants K fibers blocked on a plain Boost primitive, each of which parks
// its case thread for good (such a fiber cannot be interrupted, and the thread could
// not exit while it is blocked: docs/boost-fiber-notes.md, 'A blocked fiber cannot be
// interrupted').
#include <unistd.h>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "explore/runner.hpp"
#include "fibercheck/harness/kind.hpp"

namespace fibercheck::cli {

namespace {

// Resident set size in KiB, from /proc/self/statm.
long rss_kib() {
  std::ifstream f("/proc/self/statm");
  long size = 0, resident = 0;
  if (!(f >> size >> resident)) return -1;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

// Single-node topologies of every mutant that leaks under any schedule.
std::vector<harness::Node> leaking_nodes() {
  std::vector<harness::Node> out;
  for (const harness::KindInfo& k : harness::kinds()) {
    if (!k.mutant || k.schedule_dependent || k.min_children > 0) continue;
    harness::Node n;
    n.kind = k.name;
    for (const harness::ParamSpec& p : k.params) n.params.push_back({p.name, p.simplest});
    out.push_back(n);
  }
  return out;
}

}  // namespace

CLI::App* add_stress_leaks(CLI::App& tool) {
  CLI::App* stress_leaks =
      add_command(tool, "stress-leaks",
                  "many leaking cases in one process (the bundled mutants, each reclaimed after\n"
                  "its verdict), printing resident memory so growth per case shows");
  add_value(*stress_leaks, "--cases", "N", "cases, 1..100000000 (default 10000)");
  add_value(*stress_leaks, "--seed", "S", "seeds the cases' schedules (default 1)");
  add_value(*stress_leaks, "--unreclaimable", "K",
            "also K cases that park their thread for good, 0..1000 (default 0)");
  stress_leaks->footer(
      "exit status: 0 every case leaked and was reclaimed, 1 a case did not leak or left\n"
      "fibers that could not be unwound, 2 bad input, 3 internal error\n"
      "example: fibercheck stress-leaks --cases 2000");
  return stress_leaks;
}

int cmd_stress_leaks(const CLI::App& stress_leaks) {
  const std::uint64_t cases = whole(stress_leaks, "--cases", 10000, 1, 100000000);
  const std::uint64_t seed = whole(stress_leaks, "--seed", 1, 0, ~0ull);
  const std::uint64_t parked = whole(stress_leaks, "--unreclaimable", 0, 0, 1000);
  const std::vector<harness::Node> nodes = leaking_nodes();
  std::printf("stress-leaks: %llu leaking cases over %zu mutants, seed %llu, %llu unreclaimable\n",
              static_cast<unsigned long long>(cases), nodes.size(),
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(parked));
  std::map<std::string, std::uint64_t> verdicts;
  std::uint64_t not_reclaimed = 0;
  long rss_1000 = -1;
  const auto start = std::chrono::steady_clock::now();
  const std::uint64_t park_every = parked ? cases / parked : 0;
  for (std::uint64_t i = 1; i <= cases; ++i) {
    if (park_every && i % park_every == 0) {
      // A fiber that nothing can interrupt: its case thread parks and a new one starts.
      Outcome out = run([](Done) {
        go("stuck", [] {
          // Nobody receives: the pushed value stays on this fiber's stack, so it cannot
          // be unwound. Never freed: the fiber never wakes.
          auto* ch = new boost::fibers::unbuffered_channel<int>;
          ch->push(1);
        });
      });
      ++verdicts[std::string("parked (") + to_string(out.verdict) + ")"];
      not_reclaimed += out.unreclaimed.size();
    }
    harness::CaseSpec spec;
    spec.topology = nodes[i % nodes.size()];
    spec.strategy.kind = sched::StrategyKind::random;
    spec.strategy.seed = seed + i;
    harness::CaseOutcome out = harness::run_case(spec);
    ++verdicts[harness::to_string(out.verdict)];
    if (out.verdict == harness::CaseVerdict::clean) {
      std::printf("FAILED: case %llu (%s) did not leak\n", static_cast<unsigned long long>(i),
                  spec.topology.kind.c_str());
      return 1;
    }
    if (!out.run.unreclaimed.empty()) {
      std::printf("FAILED: case %llu (%s) left fibers that could not be unwound:\n%s\n",
                  static_cast<unsigned long long>(i), spec.topology.kind.c_str(),
                  out.run.summary().c_str());
      return 1;
    }
    if (i == 1000 || i == cases || i % 10000 == 0) {
      const long rss = rss_kib();
      if (i == 1000) rss_1000 = rss;
      std::printf("  after case %llu: RSS %ld KiB", static_cast<unsigned long long>(i), rss);
      if (rss_1000 > 0 && i > 1000)
        std::printf(" (%+.1f%% since case 1000)", 100.0 * (rss - rss_1000) / rss_1000);
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("verdicts:");
  for (const auto& [v, n] : verdicts)
    std::printf(" %s %llu;", v.c_str(), static_cast<unsigned long long>(n));
  std::printf(" %llu fibers parked with their threads; %.1f s\n",
              static_cast<unsigned long long>(not_reclaimed), secs);
  return 0;
}

}  // namespace fibercheck::cli
