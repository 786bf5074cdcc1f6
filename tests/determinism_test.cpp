// Determinism audit: one case, replayed many times in this process and in fresh
// processes, gives one trace hash. FIBERCHECK_DETERMINISM_RUNS sets the count
// (default 200).
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>

#include "explore/runner.hpp"
#include "generate/generate.hpp"
#include "model/text_form.hpp"
#include "support.hpp"
#include "util/numbers.hpp"

namespace fibercheck {
namespace {

constexpr const char* kPrintFlag = "--print-case-hash";
constexpr std::uint64_t kSeed = 77;

std::uint64_t runs_wanted() {
  const char* env = std::getenv("FIBERCHECK_DETERMINISM_RUNS");
  if (env == nullptr || *env == '\0') return 200;
  const numbers::Whole runs = numbers::parse_whole(env);
  if (!runs.ok()) {
    ADD_FAILURE() << "FIBERCHECK_DETERMINISM_RUNS='" << std::string(env).substr(0, 40)
                  << "' is not a whole number; running 200 instead";
    return 200;
  }
  return runs.value;
}

// A 30-node random tree with a planted leak, cancelled at step 40, under the random
// strategy: schedule choices, select choices, a cancellation and a reclaim.
harness::CaseSpec the_case() {
  sched::Rng rng(kSeed);
  harness::GenOptions g;
  g.max_nodes = 30;
  g.exact_size = true;
  harness::CaseSpec spec;
  spec.topology = harness::plant(harness::random_topology(rng, g), "leak-no-done", rng);
  spec.strategy.kind = sched::StrategyKind::random;
  spec.strategy.seed = kSeed;
  spec.cancel_step = 40;
  return spec;
}

std::string line_of(const harness::CaseOutcome& out) {
  return hex(out.run.trace_hash) + " " + std::to_string(out.run.steps) + " " +
         harness::to_string(out.verdict) + "\n";
}

TEST(Determinism, OneCaseReplayedManyTimesHasOneTraceHash) {
  const harness::CaseSpec spec = the_case();
  const std::uint64_t runs = runs_wanted();
  std::map<std::string, std::uint64_t> seen;
  for (std::uint64_t i = 0; i < runs; ++i) ++seen[line_of(harness::run_case(spec))];
  ASSERT_EQ(seen.size(), 1u) << "case: " << harness::print(spec.topology) << "\n"
                             << seen.size() << " different outcomes in " << runs << " runs";
  const harness::CaseOutcome out = harness::run_case(spec);
  EXPECT_EQ(out.verdict, harness::CaseVerdict::leak) << out.run.summary();
  EXPECT_FALSE(out.run.choices.empty());
  std::printf("%llu runs, one trace: %s", static_cast<unsigned long long>(runs),
              seen.begin()->first.c_str());
}

TEST(Determinism, ReplayingTheRecordedChoicesGivesTheSameHash) {
  harness::CaseSpec spec = the_case();
  const harness::CaseOutcome recorded = harness::run_case(spec);
  spec.strategy.kind = sched::StrategyKind::replay;
  spec.strategy.choices = recorded.run.choices;
  for (int i = 0; i < 50; ++i) {
    const harness::CaseOutcome replayed = harness::run_case(spec);
    ASSERT_EQ(line_of(replayed), line_of(recorded)) << "replay " << i;
  }
}

std::string line_from_another_process() {
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  FILE* child = popen(("'" + self + "' " + kPrintFlag).c_str(), "r");
  if (child == nullptr) return "popen failed";
  char line[128] = {};
  const bool read = std::fgets(line, sizeof line, child) != nullptr;
  const int status = pclose(child);
  if (!read || status != 0) return "child failed with status " + std::to_string(status);
  return line;
}

TEST(Determinism, FreshProcessesGiveTheSameHash) {
  const std::string here = line_of(harness::run_case(the_case()));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(line_from_another_process(), here) << "process " << i;
}

}  // namespace
}  // namespace fibercheck

// With --print-case-hash, prints "<trace hash> <steps> <verdict>" of the case and exits.
int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], fibercheck::kPrintFlag) == 0) {
    std::fputs(fibercheck::line_of(fibercheck::harness::run_case(fibercheck::the_case())).c_str(),
               stdout);
    return 0;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
