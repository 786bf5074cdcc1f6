// Unit tests for sched/random.hpp: seeded, reproducible interleavings.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fibercheck/sched/random.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::three_yielders;
using test::with;

TEST(RandomStrategy, DifferentSeedsGiveDifferentInterleavings) {
  std::set<std::uint64_t> hashes;
  std::set<std::vector<int>> orders;
  std::vector<int> order;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Outcome out = three_yielders(with(StrategyKind::random, seed), order);
    ASSERT_TRUE(out.clean()) << out.summary();
    hashes.insert(out.trace_hash);
    orders.insert(order);
  }
  EXPECT_GE(hashes.size(), 19u);
  EXPECT_EQ(orders.size(), hashes.size());
}

TEST(RandomStrategy, SameSeedGivesTheSameInterleaving) {
  std::vector<int> first, second;
  for (std::uint64_t seed : {1ull, 42ull, 0xdeadbeefull}) {
    Outcome a = three_yielders(with(StrategyKind::random, seed), first);
    Outcome b = three_yielders(with(StrategyKind::random, seed), second);
    EXPECT_EQ(a.trace_hash, b.trace_hash);
    EXPECT_EQ(a.steps, b.steps);
    EXPECT_EQ(a.choices, b.choices);
    EXPECT_EQ(first, second);
  }
}

TEST(RandomStrategy, RecordsAChoiceForEveryDecisionWithSeveralOptions) {
  std::vector<int> order;
  Outcome out = three_yielders(with(StrategyKind::random, 3), order);
  ASSERT_TRUE(out.clean()) << out.summary();
  EXPECT_FALSE(out.choices.empty());
  EXPECT_LE(out.choices.size(), out.steps);
  EXPECT_GT(out.preemptions, 0u);
}

TEST(RandomStrategy, ChoosesEveryOptionWithinRange) {
  sched::RandomStrategy r;
  r.begin(7);
  sched::Decision d;
  d.count = 3;
  std::set<std::size_t> seen;
  for (int i = 0; i < 300; ++i) {
    std::size_t k = r.choose(d);
    ASSERT_LT(k, 3u);
    seen.insert(k);
  }
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(r.name(), "random");
}

}  // namespace
}  // namespace fibercheck
