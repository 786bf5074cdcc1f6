#include "do_work.hpp"

#include <gtest/gtest.h>

namespace {

TEST(DoWorkExample, NilChannelLeakIsReportedWithNamePathSiteAndWait) {
  fibercheck::Outcome out = fibercheck::run(examples::leaky_do_work);
  ASSERT_EQ(out.verdict, fibercheck::Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.live.size(), 1u) << out.summary();
  const fibercheck::FiberInfo& f = out.live[0];
  EXPECT_EQ(f.name, "doWork");
  EXPECT_EQ(f.path, "root/doWork");
  EXPECT_NE(f.file.find("do_work.hpp"), std::string::npos) << f.file;
  EXPECT_GT(f.line, 0u);
  EXPECT_EQ(f.state, fibercheck::FiberState::blocked);
  EXPECT_EQ(f.blocked_on, "recv on nil chan");
  EXPECT_TRUE(out.unreclaimed.empty()) << "a fiber blocked in a fibercheck primitive unwinds";
}

TEST(DoWorkExample, FixWithDoneIsCleanUnderEverySeedAndStrategy) {
  for (auto kind : {fibercheck::sched::StrategyKind::fifo, fibercheck::sched::StrategyKind::random,
                    fibercheck::sched::StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 50; ++seed) {
      fibercheck::RunOptions o;
      o.strategy.kind = kind;
      o.strategy.seed = seed;
      fibercheck::Outcome out = fibercheck::run(examples::fixed_do_work, o);
      ASSERT_TRUE(out.clean()) << "seed " << seed << ": " << out.summary();
      EXPECT_GE(out.virtual_time, std::chrono::seconds(1));
    }
  }
}

}  // namespace
