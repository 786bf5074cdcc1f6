// Unit tests for sched/pct.hpp: seeded priorities with d-1 change points.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fibercheck/sched/pct.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::switches;
using test::three_yielders;

RunOptions pct(std::uint64_t seed, int depth, std::uint64_t length = 1000) {
  RunOptions o = test::with(StrategyKind::pct, seed);
  o.strategy.pct_depth = depth;
  o.strategy.pct_length = length;
  return o;
}

TEST(PctStrategy, DifferentSeedsGiveDifferentInterleavings) {
  std::set<std::uint64_t> hashes;
  std::vector<int> order;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Outcome out = three_yielders(pct(seed, 3, 60), order);
    ASSERT_TRUE(out.clean()) << out.summary();
    hashes.insert(out.trace_hash);
  }
  EXPECT_GE(hashes.size(), 10u);
}

TEST(PctStrategy, SameSeedGivesTheSameInterleaving) {
  std::vector<int> first, second;
  for (std::uint64_t seed : {1ull, 5ull, 99ull}) {
    Outcome a = three_yielders(pct(seed, 3, 60), first);
    Outcome b = three_yielders(pct(seed, 3, 60), second);
    EXPECT_EQ(a.trace_hash, b.trace_hash);
    EXPECT_EQ(a.choices, b.choices);
    EXPECT_EQ(first, second);
  }
}

// Strict priorities: an always-ready fiber is switched away from only when it
// ends or at one of the d-1 change points.
TEST(PctStrategy, RunsTheHighestPriorityFiberUntilAChangePoint) {
  std::vector<int> order;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Outcome out = three_yielders(pct(seed, 1), order);
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(switches(order), 2) << "seed " << seed;
    out = three_yielders(pct(seed, 3, 60), order);
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_LE(switches(order), 2 + 2) << "seed " << seed;
  }
}

TEST(PctStrategy, SwitchesFarLessThanRandom) {
  std::vector<int> order;
  int pct_switches = 0, random_switches = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    (void)three_yielders(pct(seed, 3, 60), order);
    pct_switches += switches(order);
    (void)three_yielders(test::with(StrategyKind::random, seed), order);
    random_switches += switches(order);
  }
  EXPECT_LE(pct_switches, 20 * 4);
  EXPECT_GT(random_switches, 20 * 20);
}

TEST(PctStrategy, ChangePointDemotesTheRunningFiberBelowTheOthers) {
  // Depth 2 and length 1: the single change point is at step 1.
  sched::PctStrategy p(2, 1);
  p.begin(11);
  const std::uint64_t ids[] = {1, 2, 3};
  sched::Decision d;
  d.count = 3;
  d.ids = ids;
  d.step = 0;
  const std::size_t first = p.choose(d);
  d.step = 1;
  const std::size_t second = p.choose(d);
  EXPECT_NE(first, second);
  d.step = 2;
  EXPECT_EQ(p.choose(d), second);
  EXPECT_EQ(p.name(), "pct");
}

}  // namespace
}  // namespace fibercheck
