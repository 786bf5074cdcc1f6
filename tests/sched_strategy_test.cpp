// Unit tests for sched/strategy.hpp: names, parsing and the factory.
#include <gtest/gtest.h>

#include "fibercheck/sched/strategy.hpp"

namespace fibercheck::sched {
namespace {

constexpr StrategyKind kAll[] = {StrategyKind::fifo, StrategyKind::random, StrategyKind::pct,
                                 StrategyKind::replay};

TEST(Strategy, ParseStrategyKindRoundTrips) {
  for (StrategyKind k : kAll) {
    StrategyKind parsed = k == StrategyKind::fifo ? StrategyKind::random : StrategyKind::fifo;
    EXPECT_TRUE(parse_strategy_kind(to_string(k), parsed)) << to_string(k);
    EXPECT_EQ(parsed, k);
  }
}

TEST(Strategy, ParseRejectsAnythingElse) {
  for (const char* bad : {"", "FIFO", "rand", "pct ", "round-robin"}) {
    StrategyKind out = StrategyKind::pct;
    EXPECT_FALSE(parse_strategy_kind(bad, out)) << '"' << bad << '"';
    EXPECT_EQ(out, StrategyKind::pct);
  }
}

TEST(Strategy, MakeStrategyBuildsTheNamedKind) {
  for (StrategyKind k : kAll) {
    StrategySpec spec;
    spec.kind = k;
    auto s = make_strategy(spec);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->name(), to_string(k));
  }
}

TEST(Strategy, DefaultSpecIsRandomWithSeedZero) {
  StrategySpec spec;
  EXPECT_EQ(spec.kind, StrategyKind::random);
  EXPECT_EQ(spec.seed, 0u);
  EXPECT_EQ(spec.pct_depth, 3);
}

}  // namespace
}  // namespace fibercheck::sched
