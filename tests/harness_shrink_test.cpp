// Shrinking: a failing tree shrinks to its minimum, and a failing schedule to the
// fewest preemptions with the earliest cancellation that still fails.
#include <gtest/gtest.h>

#include "fibercheck/sched/rng.hpp"
#include "generate.hpp"
#include "runner.hpp"
#include "shrink.hpp"
#include "text_form.hpp"

namespace fibercheck::harness {
namespace {

bool leaks(CaseSpec& c) { return !run_case(c).clean(); }

TEST(Shrinks, EveryCandidateIsAValidSmallerTree) {
  sched::Rng rng(7);
  for (int i = 0; i < 50; ++i) {
    GenOptions g;
    g.max_nodes = 20;
    const Topology t = plant(random_topology(rng, g), "leak-recv-nil", rng);
    for (const Topology& s : shrinks(t)) {
      EXPECT_LE(s.size(), t.size()) << print(t) << " -> " << print(s);
      EXPECT_EQ(parse(print(s)), s);
    }
  }
}

TEST(ShrinkCase, APlantedLeakShrinksToTheMutantAlone) {
  sched::Rng rng(11);
  GenOptions g;
  g.max_nodes = 25;
  g.exact_size = true;
  CaseSpec c;
  c.topology = plant(random_topology(rng, g), "leak-range-unclosed", rng);
  c.strategy.seed = 3;
  c.cancel_step = 40;
  ASSERT_TRUE(leaks(c)) << print(c.topology);
  ShrinkStats stats;
  const CaseSpec small = shrink_case(c, leaks, &stats);
  EXPECT_LE(small.topology.size(), 2u) << print(small.topology);
  EXPECT_TRUE(small.topology.has_mutant());
  EXPECT_GT(stats.accepted, 0u);
  CaseSpec again = small;
  EXPECT_TRUE(leaks(again));
}

TEST(ShrinkCase, ACorrectTreeStaysAsItIsWhenNothingFails) {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=0}(gen{n=3},stage,sink)");
  const CaseSpec same = shrink_case(c, leaks);
  EXPECT_EQ(same.topology, c.topology);
}

TEST(ShrinkSchedule, RemovesPreemptionsAndMovesTheCancellationEarlier) {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=0}(gen{n=4},stage,leak-recv-nil)");
  c.strategy.kind = sched::StrategyKind::random;
  c.strategy.seed = 99;
  c.cancel_step = 30;
  ASSERT_TRUE(leaks(c));
  std::uint64_t before = 0, after = 0;
  const CaseSpec small = shrink_schedule(c, nullptr, &before, &after);
  EXPECT_LE(after, before);
  EXPECT_EQ(small.strategy.kind, sched::StrategyKind::replay);
  ASSERT_TRUE(small.cancel_step.has_value());
  EXPECT_LE(*small.cancel_step, 30u);
  CaseSpec again = small;
  EXPECT_TRUE(leaks(again)) << "the shrunk schedule still fails";
}

}  // namespace
}  // namespace fibercheck::harness
