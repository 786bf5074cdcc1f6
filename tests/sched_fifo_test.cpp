// Unit tests for sched/fifo.hpp: deterministic round robin, no seed needed.
#include <gtest/gtest.h>

#include <vector>

#include "fibercheck/sched/fifo.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::three_yielders;
using test::with;

TEST(FifoStrategy, IsDeterministicWithoutASeed) {
  std::vector<int> first, second;
  Outcome a = three_yielders(with(StrategyKind::fifo, 1), first);
  Outcome b = three_yielders(with(StrategyKind::fifo, 987654321), second);
  ASSERT_TRUE(a.clean()) << a.summary();
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.steps, b.steps);
  EXPECT_EQ(a.choices, b.choices);
  EXPECT_EQ(first, second);
}

TEST(FifoStrategy, YieldingFibersTakeTurnsRoundRobin) {
  std::vector<int> order;
  Outcome out = three_yielders(with(StrategyKind::fifo), order, 4);
  ASSERT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}));
}

TEST(FifoStrategy, PlainBoostYieldAlsoTakesTurns) {
  std::vector<int> order;
  Outcome out = three_yielders(with(StrategyKind::fifo), order, 4, /*boost_yield=*/true);
  ASSERT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2}));
}

TEST(FifoStrategy, PicksTheOldestReadyOptionAndTheFirstSelectCase) {
  sched::FifoStrategy f;
  f.begin(0);
  sched::Decision d;
  d.count = 4;
  d.fifo_index = 2;
  d.default_index = 1;
  EXPECT_EQ(f.choose(d), 2u);
  d.kind = sched::ChoiceKind::select;
  EXPECT_EQ(f.choose(d), 0u);
  EXPECT_EQ(f.name(), "fifo");
}

}  // namespace
}  // namespace fibercheck
