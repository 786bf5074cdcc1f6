// Unit tests for cond.hpp: notify one and all, the predicate form, cancellation by a
// done (the mutex held again), misuse, a forgotten notify reported and unwound.
#include "fibercheck/cond.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <system_error>
#include <vector>

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

TEST(CondVar, ConsumerSeesEveryItemInOrder) {
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
      std::vector<int> got;
      Outcome out = run(
          [&](Done done) {
            Mutex mu("queue");
            CondVar nonempty("nonempty");
            std::deque<int> q;
            Scope s(done);
            s.spawn("consumer", [&, mu, nonempty](Done d) mutable {
              for (int i = 0; i < 5; ++i) {
                std::unique_lock lk(mu);
                if (nonempty.wait(lk, d, [&] { return !q.empty(); }) != Status::ok) return;
                got.push_back(q.front());
                q.pop_front();
              }
            });
            for (int i = 0; i < 5; ++i) {
              {
                std::lock_guard lk(mu);
                q.push_back(i);
              }
              nonempty.notify_one();
              test::sched_point();
            }
            s.join();
          },
          with(kind, seed));
      ASSERT_TRUE(out.clean()) << out.summary();
      EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4})) << "seed " << seed;
    }
  }
}

TEST(CondVar, NotifyAllWakesEveryWaiter) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    int woken = 0;
    Outcome out = run(
        [&](Done done) {
          Mutex mu("gate");
          CondVar open_cv("open");
          bool open = false;
          Scope s(done);
          for (int i = 0; i < 3; ++i)
            s.spawn("waiter", [&, mu, open_cv]() mutable {
              std::unique_lock lk(mu);
              (void)open_cv.wait(lk, Done(), [&] { return open; });
              ++woken;
            });
          test::yield_until_blocked(3, "wait on condvar 'open'");
          {
            std::lock_guard lk(mu);
            open = true;
          }
          open_cv.notify_all();
          s.join();
        },
        with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(woken, 3) << "seed " << seed;
  }
}

TEST(CondVar, WaitReturnsCancelledWhenDoneClosesWithTheMutexHeldAgain) {
  Status st = Status::ok;
  bool owns = false, relockable = false;
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [&](Done done) {
        Mutex mu("state");
        CondVar cv("changed");
        std::unique_lock lk(mu);
        st = cv.wait(lk, done);
        owns = lk.owns_lock();
        lk.unlock();
        relockable = mu.try_lock();
        mu.unlock();
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::cancelled);
  EXPECT_TRUE(owns);
  EXPECT_TRUE(relockable);
}

TEST(CondVar, WaitWithADoneAlreadyClosedKeepsTheLock) {
  Status st = Status::ok;
  RunOptions opt;
  opt.cancel_at_step = 0;
  Outcome out = run(
      [&](Done done) {
        Mutex mu("state");
        CondVar cv("changed");
        std::unique_lock lk(mu);
        st = cv.wait(lk, done);
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::cancelled);
}

TEST(CondVar, WaitWithoutOwningTheLockThrowsSystemError) {
  bool threw = false;
  Outcome out = run([&](Done) {
    Mutex mu("m");
    CondVar cv("cv");
    std::unique_lock lk(mu, std::defer_lock);
    try {
      (void)cv.wait(lk);
    } catch (const std::system_error&) {
      threw = true;
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(threw);
}

TEST(CondVar, AWaiterNobodyNotifiesIsReportedAndUnwound) {
  bool unwound = false;
  bool lock_free_after = false;
  Outcome out = run([&](Done) {
    Mutex mu("queue");
    CondVar ready("ready");
    go("consumer", [&, mu, ready]() mutable {
      Unwound u{&unwound};
      std::unique_lock lk(mu);
      (void)ready.wait(lk);  // nobody ever notifies
    });
    test::yield_until_blocked(1, "wait on condvar");
    lock_free_after = mu.try_lock();  // wait() released the mutex
    mu.unlock();
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_EQ(test::find_path(out.live, "root/consumer").blocked_on,
            "wait on condvar 'ready' (mutex 'queue')");
  EXPECT_TRUE(lock_free_after);
  EXPECT_TRUE(unwound);
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

}  // namespace
}  // namespace fibercheck
