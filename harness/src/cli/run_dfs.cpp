// fibercheck run --strategy dfs: explores every schedule and cancellation point of
// small random trees (fibercheck/sched/dfs.hpp) instead of sampling them, prints
// per tree the schedules explored and whether the space was exhausted, and for a
// failure the case line (strategy=replay with the failing choices) that replays it.
#include <chrono>
#include <cstdio>
#include <optional>

#include "cli/commands.hpp"
#include "cli/junit.hpp"
#include "cli/output_file.hpp"
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

constexpr const char* kGuarantee =
    "every fiber ends after the root's done closes, under every schedule within the bound";

// The options of sampling runs that dfs has no use for: it prints every tree it
// explores as it goes, and draws no progress line.
void reject_sampling_options(const CLI::App& run) {
  for (const char* flag : {"--list-cases", "--no-progress", "--progress"}) {
    if (given(run, flag))
      throw UsageError(cat("option ", flag,
                           " does not apply to --strategy dfs, which prints each tree it "
                           "explores as it goes; drop ",
                           flag, " or use a sampling strategy (fifo, random, pct)"));
  }
}

// What a dfs run found, for its JUnit file.
struct DfsTotals {
  std::uint64_t asked = 0, done = 0, failures = 0, exhausted = 0, schedules = 0, pruned = 0;
  double seconds = 0;
  std::string first_failure;  // the first failure's report
  std::string first_line;     // and its case line
  std::string failure_lines;  // every failure's case line, one a line
};

// One <testcase name="dfs">: the trees explored, and the first failure.
JUnitSuite dfs_junit(const DfsTotals& t, const Properties& run_properties,
                     const std::string& started, const char* verdict) {
  JUnitSuite j;
  j.name = "fibercheck";
  j.seconds = t.seconds;
  j.timestamp = started;
  j.properties = run_properties;
  j.properties.emplace_back("result", verdict);
  JUnitCase c;
  c.classname = "fibercheck.run";
  c.name = "dfs";
  c.seconds = t.seconds;
  c.properties = {{"guarantee", kGuarantee},
                  {"cases", num(t.done)},
                  {"cases_asked", num(t.asked)},
                  {"failed_cases", num(t.failures)},
                  {"partial", t.done < t.asked ? "true" : "false"},
                  {"schedules", num(t.schedules)},
                  {"exhausted", num(t.exhausted)}};
  if (t.failures > 0) {
    c.failure = JUnitFailure{cat(num(t.failures), " of ", num(t.done),
                                 " trees failed: ", kGuarantee, "; case: ", t.first_line),
                             "fibercheck.property", t.first_failure};
  } else if (t.done < t.asked) {
    c.skipped = cat("PARTIAL: ", num(t.done), " of ", num(t.asked),
                    " trees were explored before the --time-budget ran out");
  }
  c.system_out =
      cat("dfs: ", num(t.done), " of ", num(t.asked), " trees, ", num(t.failures), " failed\n");
  j.cases.push_back(std::move(c));
  return j;
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

  OutputFile junit(text(run, "--junit"), "--junit");
  OutputFile failures_file(text(run, "--failures"), "--failures");
  touch_shard_status_file();
  std::printf(
      "fibercheck run: strategy dfs, seed %llu, %llu trees of up to %zu nodes, at most %d "
      "preemptions, reduction %s%s%s%s\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(trees), gen.max_nodes,
      opt.max_preemptions, opt.reduction ? "on" : "off",
      plant.empty() ? "" : cat(", ", plant, " planted").c_str(),
      budget > 0 ? formatted(", time budget %g s", budget).c_str() : "",
      shard.sharded() ? cat(", ", shard.described()).c_str() : "");
  std::fflush(stdout);
  const std::string started = junit_timestamp();
  const auto t0 = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  };
  DfsTotals t;
  t.asked = shard.share_of(trees);
  on_case_thread([&] {
    for (std::uint64_t i = shard.first(); i < trees; i += shard.step()) {
      if (t.done > 0 && budget > 0 && elapsed() > budget) break;
      sched::Rng rng(sched::mix(seed, i));
      harness::CaseSpec base;
      base.topology = given_tree ? *given_tree : harness::random_topology(rng, gen);
      if (!plant.empty()) base.topology = harness::plant(base.topology, plant, rng);
      const double start = elapsed();
      harness::CaseExploration x = harness::explore_case(base, opt);
      ++t.done;
      t.schedules += x.report.schedules;
      t.pruned += x.report.pruned;
      if (x.report.exhausted) ++t.exhausted;
      std::printf("tree %llu: %s: %s, %.2f s\n", static_cast<unsigned long long>(i),
                  harness::print(base.topology).c_str(), x.report.summary(opt).c_str(),
                  elapsed() - start);
      std::fflush(stdout);
      if (x.failure) {
        ++t.failures;
        const harness::FailureReport r = harness::report_failure("dfs", kGuarantee, *x.failure);
        const std::string text = cat(formatted("FAIL dfs: found after %llu schedules; %s\n",
                                               static_cast<unsigned long long>(x.report.schedules),
                                               harness::to_string(x.outcome.verdict)),
                                     r.text);
        std::printf("\n%s", text.c_str());
        if (t.failures == 1) {
          t.first_failure = text;
          t.first_line = r.line;
        }
        t.failure_lines += cat(r.line, "\n");
      }
    }
  });
  t.seconds = elapsed();
  const bool partial = t.done < t.asked;
  std::printf("\n");
  if (partial)
    std::printf(
        "PARTIAL: the --time-budget %g s ran out before every tree was explored: dfs %llu of "
        "%llu trees\n",
        budget, static_cast<unsigned long long>(t.done), static_cast<unsigned long long>(t.asked));
  const char* verdict = t.failures ? "FAIL" : partial ? "PARTIAL" : "OK";
  std::printf(
      "%llu trees, %llu schedules, %llu exhausted within the bound, %llu branches "
      "pruned, %llu failed, %.2f s: %s\n",
      static_cast<unsigned long long>(t.done), static_cast<unsigned long long>(t.schedules),
      static_cast<unsigned long long>(t.exhausted), static_cast<unsigned long long>(t.pruned),
      static_cast<unsigned long long>(t.failures), t.seconds, verdict);
  std::fflush(stdout);
  Properties props = {{"seed", num(seed)},
                      {"strategy", "dfs"},
                      {"size", num(gen.max_nodes)},
                      {"cases_a_suite", num(trees)},
                      {"shard", cat(num(shard.index + 1), " of ", num(shard.total))},
                      {"time_budget", budget > 0 ? formatted("%g", budget) : "none"},
                      {"preemptions", num(static_cast<std::uint64_t>(opt.max_preemptions))},
                      {"max_runs", num(opt.max_runs)},
                      {"reduction", opt.reduction ? "on" : "off"}};
  if (!plant.empty()) props.emplace_back("plant", plant);
  junit.write(junit_xml(dfs_junit(t, props, started, verdict)));
  failures_file.write(t.failure_lines);
  return t.failures ? 1 : partial ? kExitPartial : 0;
}

}  // namespace fibercheck::cli
