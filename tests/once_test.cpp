// Unit tests for once.hpp: one call, waiting callers, a throwing call, re-entry
// named as a deadlock, reclaim of a blocked caller.
#include "fibercheck/once.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::with;

struct Unwound {
  bool* flag;
  ~Unwound() { *flag = true; }
};

// Every caller returns after the one call finished, never while it runs.
TEST(Once, RunsTheFunctionOnceAndConcurrentCallersWaitForIt) {
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
      int calls = 0, early = 0;
      bool initialised = false;
      Outcome out = run(
          [&](Done done) {
            Once once("config");
            Scope s(done);
            for (int i = 0; i < 4; ++i)
              s.spawn("caller", [&, once] {
                once.call([&] {
                  ++calls;
                  test::sched_point();
                  initialised = true;
                });
                early += !initialised;
              });
            s.join();
          },
          with(kind, seed));
      ASSERT_TRUE(out.clean()) << out.summary();
      EXPECT_EQ(calls, 1) << "seed " << seed;
      EXPECT_EQ(early, 0) << "seed " << seed;
    }
  }
}

TEST(Once, AThrowingCallDoesNotCountAndTheNextCallerRunsIt) {
  int attempts = 0;
  bool threw = false, done_after = false;
  Outcome out = run([&](Done) {
    Once once("flaky");
    try {
      call_once(once, [&] {
        ++attempts;
        throw std::runtime_error("first try fails");
      });
    } catch (const std::runtime_error&) {
      threw = true;
    }
    call_once(once, [&] { ++attempts; });
    call_once(once, [&] { ++attempts; });
    done_after = once.done();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(threw);
  EXPECT_EQ(attempts, 2);
  EXPECT_TRUE(done_after);
}

TEST(Once, ABlockedCallerNamesTheRunner) {
  bool waiter_unwound = false;
  Outcome out = run([&](Done) {
    Once once("init");
    Chan<int> never(0, "never");
    go("loader", [once, never] { once.call([&] { (void)never.recv(); }); });
    test::yield_until_blocked(1, "recv on chan 'never'");
    go("user", [&, once] {
      Unwound u{&waiter_unwound};
      once.call([] {});
    });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const FiberInfo user = test::find_path(out.live, "root/user");
  EXPECT_EQ(
      user.blocked_on.rfind("call_once of once 'init' running in #2 root/loader since step ", 0),
      0u)
      << user.blocked_on;
  EXPECT_EQ(user.waits_for,
            std::vector<std::uint64_t>{test::find_path(out.live, "root/loader").id});
  EXPECT_NE(
      out.summary().find("stuck: #3 root/user waits for #2 root/loader, which is itself blocked: "
                         "recv on chan 'never'"),
      std::string::npos)
      << out.summary();
  EXPECT_TRUE(waiter_unwound);
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(Once, CallingItFromInsideItsOwnFunctionIsAReportedDeadlock) {
  Outcome out = run([](Done) {
    go("init", [] {
      Once once("registry");
      once.call([&] { once.call([] {}); });
    });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_NE(out.summary().find("deadlock: #2 root/init re-enters a once it is running"),
            std::string::npos)
      << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

}  // namespace
}  // namespace fibercheck
