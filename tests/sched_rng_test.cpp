// Unit tests for sched/rng.hpp: a fully specified, portable random source.
#include <gtest/gtest.h>

#include <vector>

#include "fibercheck/sched/rng.hpp"

namespace fibercheck::sched {
namespace {

std::vector<std::uint64_t> first(std::uint64_t seed, int n) {
  Rng r(seed);
  std::vector<std::uint64_t> v;
  for (int i = 0; i < n; ++i) v.push_back(r.next());
  return v;
}

TEST(Rng, MatchesTheSplitMix64ReferenceOutput) {
  // SplitMix64 from seed 0 (Steele, Lea and Flood; Vigna's reference splitmix64.c).
  EXPECT_EQ(first(0, 3), (std::vector<std::uint64_t>{0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull,
                                                     0x06c45d188009454full}));
}

TEST(Rng, SameSeedGivesTheSameSequence) {
  EXPECT_EQ(first(42, 100), first(42, 100));
  EXPECT_NE(first(42, 100), first(43, 100));
}

TEST(Rng, BelowStaysInRangeAndCoversIt) {
  Rng r(9);
  std::vector<int> hits(7, 0);
  for (int i = 0; i < 7000; ++i) {
    const std::size_t k = r.below(7);
    ASSERT_LT(k, 7u);
    ++hits[k];
  }
  for (int h : hits) EXPECT_GT(h, 700);
  EXPECT_EQ(Rng(1).below(1), 0u);
}

TEST(Rng, MixIsOrderSensitive) {
  EXPECT_NE(mix(mix(0, 1), 2), mix(mix(0, 2), 1));
  EXPECT_EQ(mix(mix(0, 1), 2), mix(mix(0, 1), 2));
}

}  // namespace
}  // namespace fibercheck::sched
