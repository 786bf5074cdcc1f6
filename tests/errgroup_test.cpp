// Unit tests for errgroup.hpp: the first failure cancels the siblings and is what
// wait() returns; the ways a child fails; the group's done; reclaim of a stuck group.
#include "fibercheck/errgroup.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <system_error>

#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::with;

std::string what(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  }
}

TEST(ErrGroup, FirstFailureCancelsTheSiblingsAndComesBackFromWait) {
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
      std::exception_ptr err;
      int cancelled = 0;
      Outcome out = run(
          [&](Done done) {
            ErrGroup g(done, "fetch");
            for (int i = 0; i < 3; ++i)
              g.go("waiter", [&](Done d) {
                d.wait();  // only the group's cancellation ends this
                ++cancelled;
              });
            g.go("failing", [] {
              test::sched_point();
              throw std::runtime_error("backend 3 unreachable");
            });
            err = g.wait();
          },
          with(kind, seed));
      ASSERT_TRUE(out.clean()) << out.summary();
      ASSERT_TRUE(err) << "seed " << seed;
      EXPECT_EQ(what(err), "backend 3 unreachable");
      EXPECT_EQ(cancelled, 3);
    }
  }
}

TEST(ErrGroup, WhenEveryChildSucceedsWaitReturnsNullAndThenClosesTheDone) {
  std::exception_ptr err = std::make_exception_ptr(1);
  bool closed_before = true, closed_after = false;
  int ran = 0;
  Outcome out = run([&](Done done) {
    ErrGroup g(done, "ok");
    for (int i = 0; i < 3; ++i) g.go("child", [&] { ++ran; });
    closed_before = g.done().closed();
    err = g.wait();
    closed_after = g.done().closed();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_FALSE(err);
  EXPECT_EQ(ran, 3);
  EXPECT_FALSE(closed_before);
  EXPECT_TRUE(closed_after);
}

TEST(ErrGroup, ChildrenFailByReturningAnErrorCodeOrAnExceptionPtr) {
  std::exception_ptr from_code, from_ptr, from_ok_code;
  Outcome out = run([&](Done done) {
    {
      ErrGroup g(done, "codes");
      g.go("timeout", [] { return std::make_error_code(std::errc::timed_out); });
      from_code = g.wait();
    }
    {
      ErrGroup g(done, "ptrs");
      g.go("broken", [] { return std::make_exception_ptr(std::logic_error("bad state")); });
      from_ptr = g.wait();
    }
    {
      ErrGroup g(done, "fine");
      g.go("fine", [] { return std::error_code(); });
      from_ok_code = g.wait();
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  ASSERT_TRUE(from_code);
  EXPECT_THROW(std::rethrow_exception(from_code), std::system_error);
  ASSERT_TRUE(from_ptr);
  EXPECT_EQ(what(from_ptr), "bad state");
  EXPECT_FALSE(from_ok_code);
}

TEST(ErrGroup, OnlyTheFirstFailureIsKept) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    std::exception_ptr err;
    std::string first;
    Outcome out = run(
        [&](Done done) {
          ErrGroup g(done, "race");
          for (const char* name : {"a", "b"})
            g.go(name, [&, name] {
              test::sched_point();
              if (first.empty()) first = name;
              throw std::runtime_error(name);
            });
          err = g.wait();
        },
        with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    ASSERT_TRUE(err);
    EXPECT_EQ(what(err), first) << "seed " << seed;
  }
}

TEST(ErrGroup, ClosingTheParentCancelsTheChildren) {
  std::exception_ptr err = std::make_exception_ptr(1);
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [&](Done done) {
        ErrGroup g(done, "watchers");
        for (int i = 0; i < 2; ++i) g.go("watcher", [](Done d) { d.wait(); });
        err = g.wait();
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_FALSE(err);
}

// A child that ignores the group's done keeps wait() blocked: both are reported and
// both are unwound.
TEST(ErrGroup, AChildThatIgnoresTheDoneIsReportedAndUnwound) {
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [](Done done) {
        ErrGroup g(done, "fetch");
        Chan<int> never(0, "never");
        g.go("stubborn", [never] { (void)never.recv(); });
        g.go("failing", [] { throw std::runtime_error("fail fast"); });
        (void)g.wait();
      },
      opt);
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_EQ(test::find_path(out.live, "root").blocked_on,
            "join of scope 'fetch' (1 children running)")
      << out.summary();
  EXPECT_EQ(test::find_path(out.live, "root/stubborn").blocked_on.rfind("recv on chan 'never'", 0),
            0u)
      << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

}  // namespace
}  // namespace fibercheck
