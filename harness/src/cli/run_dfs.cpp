// fibercheck run --strategy dfs: explores every schedule and cancellation point of
// small random trees (fibercheck/sched/dfs.hpp) instead of sampling them, prints
// per tree the schedules explored and whether the space was exhausted, and for a
// failure the case line (strategy=replay with the failing choices) that replays it.
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "cli/shard.hpp"
#include "cli/text.hpp"
#include "explore/explore.hpp"
#include "fibercheck/harness/kind.hpp"
#include "fibercheck/sched/rng.hpp"
#include "generate/generate.hpp"
#include "model/text_form.hpp"
#include "report/failure.hpp"

namespace fibercheck::cli {

namespace {

std::optional<harness::Topology> given_topology(const CLI::App& run) {
  const std::optional<std::string> tree = text(run, "--topology");
  if (!tree) return std::nullopt;
  try {
    return harness::parse(*tree);
  } catch (const std::exception& e) {
    throw UsageError(std::string("option --topology: ") + e.what());
  }
}

// The options of sampling runs: dfs prints every tree it explores as it goes, and
// writes no reports.
void reject_sampling_options(const CLI::App& run) {
  for (const char* flag : {"--junit", "--failures", "--list-cases", "--no-progress"}) {
    if (given(run, flag))
      throw UsageError(cat("option ", flag,
                           " does not apply to --strategy dfs, which prints each tree it "
                           "explores as it goes; drop ",
                           flag, " or use a sampling strategy (fifo, random, pct)"));
  }
}

}  // namespace

int cmd_run_dfs(const CLI::App& run) {
  const std::uint64_t trees = whole(run, "--cases", given(run, "--topology") ? 1 : 20, 1, 1000000);
  const std::uint64_t seed = whole(run, "--seed", 1, 0, UINT64_MAX);
  const double budget = seconds(run, "--time-budget");
  const Shard shard = chosen_shard(run);
  reject_sampling_options(run);
  harness::GenOptions gen;
  gen.max_nodes = whole(run, "--size", 3, 1, 12);
  sched::ExploreOptions opt;
  opt.max_preemptions = static_cast<int>(whole(run, "--preemptions", 2, 0, 10));
  opt.max_runs = whole(run, "--max-runs", 20000, 1, 100000000);
  opt.reduction = !given(run, "--no-reduction");
  const std::string plant = mutant_to_plant(run);
  const std::optional<harness::Topology> given_tree = given_topology(run);
  if (given(run, "--suite"))
    throw UsageError(
        "option --suite does not apply to --strategy dfs, which checks the "
        "cancellation property of each tree; drop it");

  touch_shard_status_file();
  std::printf(
      "fibercheck run: strategy dfs, seed %llu, %llu trees of up to %zu nodes, at most %d "
      "preemptions, reduction %s%s%s\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(trees), gen.max_nodes,
      opt.max_preemptions, opt.reduction ? "on" : "off",
      plant.empty() ? "" : cat(", ", plant, " planted").c_str(),
      shard.sharded() ? cat(", ", shard.label()).c_str() : "");
  std::fflush(stdout);
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  std::uint64_t done = 0, failures = 0, exhausted = 0, schedules = 0, pruned = 0;
  int status = 0;
  on_case_thread([&] {
    for (std::uint64_t i = shard.first(); i < trees; i += shard.step()) {
      if (done > 0 && budget > 0 && elapsed() > budget) break;
      sched::Rng rng(sched::mix(seed, i));
      harness::CaseSpec base;
      base.topology = given_tree ? *given_tree : harness::random_topology(rng, gen);
      if (!plant.empty()) base.topology = harness::plant(base.topology, plant, rng);
      const double start = elapsed();
      harness::CaseExploration x = harness::explore_case(base, opt);
      ++done;
      schedules += x.report.schedules;
      pruned += x.report.pruned;
      if (x.report.exhausted) ++exhausted;
      std::printf("tree %llu: %s: %s, %.2f s\n", static_cast<unsigned long long>(i),
                  harness::print(base.topology).c_str(), x.report.summary(opt).c_str(),
                  elapsed() - start);
      std::fflush(stdout);
      if (x.failure) {
        ++failures;
        status = 1;
        std::printf("\nFAIL dfs: found after %llu schedules; %s\n",
                    static_cast<unsigned long long>(x.report.schedules),
                    harness::to_string(x.outcome.verdict));
        std::printf("%s", harness::report_failure("dfs",
                                                  "every fiber ends after the root's done closes, "
                                                  "under every schedule within the bound",
                                                  *x.failure)
                              .text.c_str());
      }
    }
  });
  const std::uint64_t asked = shard.share_of(trees);
  const bool partial = done < asked;
  std::printf("\n");
  if (partial)
    std::printf(
        "PARTIAL: the --time-budget %g s ran out before every tree was explored: dfs "
        "%llu of %llu trees\n",
        budget, static_cast<unsigned long long>(done), static_cast<unsigned long long>(asked));
  std::printf(
      "%llu trees, %llu schedules, %llu exhausted within the bound, %llu branches "
      "pruned, %llu failed, %.2f s: %s\n",
      static_cast<unsigned long long>(done), static_cast<unsigned long long>(schedules),
      static_cast<unsigned long long>(exhausted), static_cast<unsigned long long>(pruned),
      static_cast<unsigned long long>(failures), elapsed(),
      failures  ? "FAIL"
      : partial ? "PARTIAL"
                : "OK");
  return status != 0 ? status : partial ? kExitPartial : 0;
}

}  // namespace fibercheck::cli
