// Unit tests for census.hpp: what the census sees and how leaks are described.
#include "fibercheck/census.hpp"

#include <gtest/gtest.h>

#include <boost/fiber/fiber.hpp>
#include <string>
#include <vector>

#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using test::find_path;

TEST(Census, SeesScopedFibersWithNamePathSiteAndWhatTheyWaitOn) {
  std::vector<FiberInfo> seen;
  unsigned spawn_line = 0;
  Outcome out = run([&](Done done) {
    Chan<int> results(0, "results");
    Scope s(done, "collectors");
    auto collect = [results](Done d) { (void)results.recv(d); };
    spawn_line = __LINE__ + 1;
    s.spawn("collector", collect);
    test::yield_until_blocked(1, "results");
    seen = census();
    s.cancel();
    s.join();
  });
  ASSERT_TRUE(out.clean()) << out.summary();
  const FiberInfo f = find_path(seen, "root/collector");
  ASSERT_EQ(f.path, "root/collector") << format(seen);
  EXPECT_EQ(f.name, "collector");
  EXPECT_EQ(f.file, __FILE__);
  EXPECT_EQ(f.line, spawn_line);
  EXPECT_EQ(f.site(), std::string(__FILE__) + ":" + std::to_string(spawn_line));
  EXPECT_EQ(f.state, FiberState::blocked);
  EXPECT_TRUE(f.in_fibercheck_wait);
  EXPECT_NE(f.blocked_on.find("recv on chan 'results' (cap 0"), std::string::npos) << f.blocked_on;
  EXPECT_NE(f.blocked_on.find("wait on done 'collectors'"), std::string::npos) << f.blocked_on;
  EXPECT_EQ(f.done, "collectors");
  EXPECT_FALSE(f.plain);
  const FiberInfo root = find_path(seen, "root");
  EXPECT_EQ(root.state, FiberState::running);
  EXPECT_EQ(f.parent_id, root.id);
}

TEST(Census, DescribesARecvWithoutDoneAsTheChannelAlone) {
  Outcome out = run([](Done) {
    Chan<int> results(0, "results");
    (void)results.recv();
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.live.size(), 1u);
  EXPECT_EQ(out.live[0].blocked_on.rfind("recv on chan 'results' (cap 0", 0), 0u)
      << out.live[0].blocked_on;
}

TEST(Census, SeesPlainBoostFibersStartedInARun) {
  std::vector<FiberInfo> seen;
  Outcome out = run([&](Done) {
    boost::fibers::fiber plain([] { boost::this_fiber::yield(); });
    seen = census();
    plain.join();
  });
  ASSERT_TRUE(out.clean()) << out.summary();
  const FiberInfo f = find_path(seen, "root/fiber-2");
  ASSERT_EQ(f.path, "root/fiber-2") << format(seen);
  EXPECT_TRUE(f.plain);
  EXPECT_EQ(f.id, 2u);
  EXPECT_EQ(f.name, "fiber-2");
  EXPECT_TRUE(f.file.empty());
}

TEST(Census, ShowsAFinishedPlainFiberUntilItIsJoined) {
  std::vector<FiberInfo> seen;
  Outcome out = run([&](Done) {
    bool ran = false;
    boost::fibers::fiber plain([&ran] { ran = true; });
    while (!ran) boost::this_fiber::yield();
    boost::this_fiber::yield();
    seen = census();
    plain.join();
  });
  ASSERT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(find_path(seen, "root/fiber-2").state, FiberState::terminated_not_joined)
      << format(seen);
}

TEST(Census, IdsCountFromOneInCreationOrderInEveryRun) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::vector<std::uint64_t> ids;
    Outcome out = run([&](Done done) {
      Scope s(done);
      for (int i = 0; i < 3; ++i) s.spawn("c", [](Done d) { d.wait(); });
      for (const FiberInfo& f : census()) ids.push_back(f.id);
      s.cancel();
    });
    EXPECT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(ids, (std::vector<std::uint64_t>{1, 2, 3, 4}));
  }
}

TEST(Census, IsEmptyAfterACleanRun) {
  Outcome out;
  std::vector<FiberInfo> after;
  std::size_t live = 99;
  on_case_thread([&] {
    out = run([](Done done) {
      Scope s(done);
      s.spawn("worker", [] { boost::this_fiber::yield(); });
    });
    after = census();
    live = live_fibers();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(out.live.empty()) << format(out.live);
  EXPECT_TRUE(after.empty()) << format(after);
  EXPECT_EQ(live, 0u);
}

TEST(Census, DescribeLeaksIsEmptyForNoFibers) { EXPECT_EQ(describe_leaks({}), ""); }

TEST(Census, DescribeLeaksNamesEveryFiber) {
  FiberInfo a;
  a.id = 2;
  a.path = "root/pipeline/stage-1";
  a.state = FiberState::blocked;
  a.blocked_on = "recv on chan 'in' (cap 0, 0 buffered)";
  a.file = "app.cpp";
  a.line = 12;
  FiberInfo b = a;
  b.id = 3;
  b.path = "root/pipeline/stage-2";
  const std::string text = describe_leaks({a, b});
  EXPECT_NE(text.find("found 2"), std::string::npos) << text;
  EXPECT_NE(text.find("#2 root/pipeline/stage-1 blocked: recv on chan 'in'"), std::string::npos)
      << text;
  EXPECT_NE(text.find("#3 root/pipeline/stage-2"), std::string::npos) << text;
  EXPECT_NE(text.find("[spawned at app.cpp:12]"), std::string::npos) << text;
}

TEST(Census, DescribeLeaksNamesTheFibersOfARealLeak) {
  const unsigned line = __LINE__ + 2;
  Outcome out = run([](Done) {
    for (int i = 0; i < 2; ++i) go("leaker", [] { (void)Chan<int>(0, "never").recv(); });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const std::string text = describe_leaks(out.live);
  EXPECT_NE(text.find("#2 root/leaker blocked at " + std::string(__FILE__) + ":" +
                      std::to_string(line) + ": recv on chan 'never'"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("#3 root/leaker blocked"), std::string::npos) << text;
}

}  // namespace
}  // namespace fibercheck
