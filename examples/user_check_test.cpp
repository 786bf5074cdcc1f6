// The user-code examples (examples/user_check/), checked the way a user checks
// their own code: fibercheck::check in plain TESTs. Each fixed form passes; each
// buggy form fails with the report naming the fiber that leaks and what it is
// stuck on, and its replay line runs that case again.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "do_work.hpp"
#include "fibercheck/harness/check.hpp"
#include "fibercheck/harness/gtest.hpp"
#include "user_check/crawler.hpp"
#include "user_check/pipeline.hpp"
#include "user_check/replicated.hpp"

namespace {

using fibercheck::CheckOptions;
using fibercheck::CheckResult;
using fibercheck::Done;
using namespace examples::user_check;

const std::vector<std::string> kUrls = {"https://a.example/", "https://b.example/x",
                                        "https://c.example/yy", "https://d.example/"};

// Whether some fiber left in the failing case has a path starting with `path` and
// is blocked on something containing `on`.
bool names(const CheckResult& r, const std::string& path, const std::string& on) {
  for (const fibercheck::FiberInfo& f : r.outcome.live)
    if (f.path.rfind(path, 0) == 0 && f.blocked_on.find(on) != std::string::npos) return true;
  return false;
}

TEST(Crawler, EveryFetcherEndsWhenDoneCloses) {
  FIBERCHECK_EXPECT_NO_LEAK([](Done d) { (void)crawl(d, kUrls, 3, false); });
}

TEST(Crawler, APlainSendAfterTheFetchLeaksAtSomeCancellationPoints) {
  const CheckResult r = fibercheck::check([](Done d) { (void)crawl(d, kUrls, 3, true); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(names(r, "root/fetcher-", "send on chan 'pages'")) << r.report;
  EXPECT_NE(r.report.find("expected: every fiber ends once root's done closes"), std::string::npos)
      << r.report;
  // Not every case fails: the completion run and early cancellations are clean.
  EXPECT_GT(r.cases_run, 1u) << r.report;
}

// Where done closes decides: early (fetchers still waiting for URLs) or late
// (every page collected) is clean; while a fetcher holds a page, it leaks.
TEST(Crawler, TheLeakDependsOnWhereTheCancellationLands) {
  int clean = 0, leaked = 0;
  for (std::uint64_t step = 0; step < 80; ++step) {
    fibercheck::RunOptions o;
    o.strategy.kind = fibercheck::sched::StrategyKind::random;
    o.strategy.seed = 3;
    o.cancel_at_step = step;
    o.cancel_when_idle = true;
    const fibercheck::Outcome out =
        fibercheck::run([](Done d) { (void)crawl(d, kUrls, 3, true); }, o);
    if (out.clean()) {
      ++clean;
      continue;
    }
    ++leaked;
    bool fetcher = false;
    for (const auto& f : out.live)
      fetcher = fetcher || (f.path.rfind("root/fetcher-", 0) == 0 &&
                            f.blocked_on.find("'pages'") != std::string::npos);
    EXPECT_TRUE(fetcher) << "cancel at step " << step << ": " << out.summary();
  }
  EXPECT_GT(clean, 0);
  EXPECT_GT(leaked, 0);
}

TEST(Pipeline, EveryStageEndsWhenTheCallerStopsTaking) {
  FIBERCHECK_EXPECT_NO_LEAK([](Done d) { (void)first_squares(d, 3, 10, false); });
}

TEST(Pipeline, AGeneratorThatIgnoresDoneLeaks) {
  const CheckResult r = fibercheck::check([](Done d) { (void)first_squares(d, 3, 10, true); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(names(r, "root/generate", "send on chan 'nums'")) << r.report;
}

TEST(Replicated, TheSlowerReplicasGiveUpWhenTheFirstAnswerWins) {
  FIBERCHECK_EXPECT_NO_LEAK([](Done d) { (void)first_answer(d, 3, false); });
}

TEST(Replicated, ReplicasThatSendWithoutDoneLeak) {
  const CheckResult r = fibercheck::check([](Done d) { (void)first_answer(d, 3, true); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(names(r, "root/replica-", "send on chan 'answers'")) << r.report;
}

// The seed's example (do_work.hpp), through the same check.
TEST(DoWork, TheFixWithDoneEndsDoWork) {
  FIBERCHECK_EXPECT_NO_LEAK([](Done d) { examples::fixed_do_work(d); });
}

TEST(DoWork, RangingOverANilChannelLeaksDoWork) {
  const CheckResult r = fibercheck::check([](Done d) { examples::leaky_do_work(d); });
  ASSERT_FALSE(r);
  EXPECT_TRUE(names(r, "root/doWork", "recv on nil chan")) << r.report;
}

}  // namespace
