// Unit tests for sched/replay.hpp: a recorded run replays to the same trace,
// in this process and in a fresh one.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "fibercheck/sched/replay.hpp"
#include "fibercheck/select.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;

constexpr std::uint64_t kSeed = 20240611;
constexpr const char* kPrintFlag = "--print-trace-hash";

// Producers on one channel and a consumer that selects between it and a
// pre-filled buffer: both schedule and select choices.
Outcome fixed_program(const RunOptions& opt) {
  return run(
      [](Done done) {
        Chan<int> numbers(0, "numbers"), extra(8, "extra");
        for (int i = 0; i < 8; ++i) (void)extra.try_send(100);
        Scope s(done);
        for (int p = 0; p < 3; ++p)
          s.spawn("producer", [numbers, p](Done d) {
            for (int i = p; i < 30; i += 3)
              if (numbers.send(d, i) != Status::ok) return;
          });
        int sum = 0;
        for (int got = 0; got < 38; ++got) {
          Recv<int> a, b;
          if (select(done, {on_recv(numbers, a), on_recv(extra, b)}).index < 0) break;
          sum += a ? *a : *b;
        }
        s.join();
        if (sum != 435 + 800) throw std::logic_error("lost a value");
      },
      opt);
}

RunOptions random_run() { return test::with(StrategyKind::random, kSeed); }

RunOptions replay_of(const Outcome& recorded) {
  RunOptions o;
  o.strategy.kind = StrategyKind::replay;
  o.strategy.choices = recorded.choices;
  return o;
}

TEST(ReplayStrategy, RecordedRandomRunReplaysToTheSameTrace) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    RunOptions opt = random_run();
    opt.strategy.seed = seed;
    Outcome recorded = fixed_program(opt);
    ASSERT_TRUE(recorded.clean()) << recorded.summary();
    ASSERT_FALSE(recorded.choices.empty());
    Outcome replayed = fixed_program(replay_of(recorded));
    EXPECT_TRUE(replayed.clean()) << replayed.summary();
    EXPECT_EQ(replayed.trace_hash, recorded.trace_hash) << "seed " << seed;
    EXPECT_EQ(replayed.steps, recorded.steps);
    EXPECT_EQ(replayed.choices, recorded.choices);
  }
}

// "<hash> <steps>\n" as printed by a fresh process running this binary with kPrintFlag.
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

std::string line_of(const Outcome& out) {
  return hex(out.trace_hash) + " " + std::to_string(out.steps) + "\n";
}

TEST(ReplayStrategy, SameSeedGivesTheSameTraceInAnotherProcess) {
  const Outcome here = fixed_program(random_run());
  ASSERT_TRUE(here.clean()) << here.summary();
  EXPECT_EQ(line_from_another_process(), line_of(here));
}

TEST(ReplayStrategy, ReplaysARunRecordedInAnotherProcess) {
  const Outcome recorded = fixed_program(random_run());
  const Outcome replayed = fixed_program(replay_of(recorded));
  EXPECT_EQ(line_from_another_process(), line_of(replayed));
}

TEST(ReplayStrategy, TakesTheDefaultOnceTheChoicesRunOut) {
  sched::ReplayStrategy r({2, 1});
  r.begin(0);
  sched::Decision d;
  d.count = 3;
  d.default_index = 0;
  EXPECT_EQ(r.choose(d), 2u);
  EXPECT_EQ(r.choose(d), 1u);
  EXPECT_EQ(r.choose(d), 0u);
  EXPECT_FALSE(r.diverged());
  EXPECT_EQ(r.name(), "replay");
}

TEST(ReplayStrategy, MarksAnOutOfRangeChoiceAsDivergedAndStaysDefined) {
  sched::ReplayStrategy r({5});
  r.begin(0);
  sched::Decision d;
  d.count = 2;
  d.default_index = 1;
  EXPECT_EQ(r.choose(d), 1u);
  EXPECT_TRUE(r.diverged());
  r.begin(0);
  EXPECT_FALSE(r.diverged());
}

}  // namespace
}  // namespace fibercheck

// With --print-trace-hash, prints "<trace hash> <steps>" of the fixed program under
// the fixed seed and exits: the cross-process tests compare it with their own run.
int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], fibercheck::kPrintFlag) == 0) {
    const fibercheck::Outcome out = fibercheck::fixed_program(fibercheck::random_run());
    std::printf("%s %llu\n", fibercheck::hex(out.trace_hash).c_str(),
                static_cast<unsigned long long>(out.steps));
    return out.clean() ? 0 : 1;
  }
  ::testing::InitGoogleTest(&argc, argv);
  return RUN_ALL_TESTS();
}
