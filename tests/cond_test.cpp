// Unit tests for cond.hpp: notify one and all, the predicate form, cancellation by a
// done (the lock held again), misuse, a forgotten notify reported and unwound; each
// over a Mutex, a SharedMutex's write lock and its read side.
#include "fibercheck/cond.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <system_error>
#include <type_traits>
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

// Calls f when destroyed: declared after a lock object, it looks at the lock while a
// reclaimed fiber unwinds, before the lock object's own destructor could release it.
template <class F>
struct OnExit {
  F f;
  ~OnExit() { f(); }
};
template <class F>
OnExit(F) -> OnExit<F>;

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

TEST(CondVar, AWaiterOverASharedMutexWriteLockIsNotifiedAndHoldsTheWriteLockAgain) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Status st = Status::cancelled;
    bool saw_ready = false, owns = false, readers_kept_out = false, writers_kept_out = false;
    Outcome out = run(
        [&](Done done) {
          SharedMutex rw("table");
          CondVar changed("changed");
          bool ready = false;
          Scope s(done);
          s.spawn("waiter", [&, rw, changed]() mutable {
            std::unique_lock lk(rw);
            st = changed.wait(lk);  // one wait: no spurious wake-ups, so only notify ends it
            saw_ready = ready;
            owns = lk.owns_lock();
            readers_kept_out = !rw.try_lock_shared();
            if (!readers_kept_out) rw.unlock_shared();
            writers_kept_out = !rw.try_lock();
            if (!writers_kept_out) rw.unlock();
          });
          test::yield_until_blocked(1, "wait on condvar 'changed'");
          {
            std::unique_lock lk(rw);  // free: the waiter released it
            ready = true;
          }
          changed.notify_one();
          s.join();
        },
        with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(st, Status::ok) << "seed " << seed;
    EXPECT_TRUE(saw_ready) << "seed " << seed;
    EXPECT_TRUE(owns) << "seed " << seed;
    EXPECT_TRUE(readers_kept_out) << "seed " << seed;
    EXPECT_TRUE(writers_kept_out) << "seed " << seed;
  }
}

TEST(CondVar, AReaderWaitsWithoutItsReadLockSoAWriterCanChangeTheStateAndNotify) {
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
      Status st = Status::cancelled;
      int seen = 0;
      bool owns = false, writers_kept_out = false, readers_share = false;
      Outcome out = run(
          [&](Done done) {
            SharedMutex rw("table");
            CondVar changed("changed");
            int version = 0;
            Scope s(done);
            s.spawn("reader", [&, rw, changed](Done d) mutable {
              std::shared_lock lk(rw);
              st = changed.wait(lk, d, [&] { return version > 0; });
              seen = version;
              owns = lk.owns_lock();
              writers_kept_out = !rw.try_lock();
              if (!writers_kept_out) rw.unlock();
              readers_share = rw.try_lock_shared();
              if (readers_share) rw.unlock_shared();
            });
            s.spawn("writer", [&, rw, changed] {
              test::yield_until_blocked(1, "wait on condvar 'changed'");
              {
                std::unique_lock lk(rw);  // deadlocks if the waiting reader kept its read lock
                version = 1;
              }
              changed.notify_one();
            });
            s.join();
          },
          with(kind, seed));
      ASSERT_TRUE(out.clean()) << out.summary();
      EXPECT_EQ(st, Status::ok) << "seed " << seed;
      EXPECT_EQ(seen, 1) << "seed " << seed;
      EXPECT_TRUE(owns) << "seed " << seed;
      EXPECT_TRUE(writers_kept_out) << "seed " << seed;
      EXPECT_TRUE(readers_share) << "seed " << seed;
    }
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

TEST(CondVar, WaitOverASharedMutexWriteLockReturnsCancelledWhenDoneClosesWithTheLockHeldAgain) {
  Status st = Status::ok;
  bool owns = false, held = false, relockable = false;
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [&](Done done) {
        SharedMutex rw("table");
        CondVar cv("changed");
        std::unique_lock lk(rw);
        st = cv.wait(lk, done);
        owns = lk.owns_lock();
        held = !rw.try_lock_shared();
        if (!held) rw.unlock_shared();
        lk.unlock();
        relockable = rw.try_lock();
        if (relockable) rw.unlock();
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::cancelled);
  EXPECT_TRUE(owns);
  EXPECT_TRUE(held);
  EXPECT_TRUE(relockable);
}

TEST(CondVar, WaitOverAReadLockReturnsCancelledWhenDoneClosesWithTheReadLockHeldAgain) {
  Status st = Status::ok;
  bool owns = false, read_held = false, relockable = false;
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [&](Done done) {
        SharedMutex rw("table");
        CondVar cv("changed");
        std::shared_lock lk(rw);
        st = cv.wait(lk, done);
        owns = lk.owns_lock();
        read_held = !rw.try_lock();  // a reader holds it, so a writer cannot
        if (!read_held) rw.unlock();
        lk.unlock();  // unlock_shared: throws if the read lock was not taken back
        relockable = rw.try_lock();
        if (relockable) rw.unlock();
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::cancelled);
  EXPECT_TRUE(owns);
  EXPECT_TRUE(read_held);
  EXPECT_TRUE(relockable);
}

TEST(CondVar, AWaitWithADoneAlreadyClosedKeepsEitherSideOfASharedMutexWithoutReleasingIt) {
  // A writer queued on the rwmutex would be handed it the moment the wait let go.
  for (bool read_side : {false, true}) {
    Status st = Status::ok;
    bool owns = false, writer_got_in = true;
    RunOptions opt;
    opt.cancel_at_step = 0;
    Outcome out = run(
        [&](Done done) {
          SharedMutex rw("table");
          CondVar cv("changed");
          bool wrote = false;
          Scope s{Done()};
          std::unique_lock wl(rw, std::defer_lock);
          std::shared_lock rl(rw, std::defer_lock);
          if (read_side) {
            rl.lock();
          } else {
            wl.lock();
          }
          s.spawn("writer", [&, rw] {
            std::unique_lock lk(rw);
            wrote = true;
          });
          test::yield_until_blocked(1, "lock of rwmutex 'table'");
          st = read_side ? cv.wait(rl, done) : cv.wait(wl, done);
          owns = read_side ? rl.owns_lock() : wl.owns_lock();
          writer_got_in = wrote;
          if (read_side) {
            rl.unlock();
          } else {
            wl.unlock();
          }
          s.join();
        },
        opt);
    EXPECT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(st, Status::cancelled) << "read side " << read_side;
    EXPECT_TRUE(owns) << "read side " << read_side;
    EXPECT_FALSE(writer_got_in) << "read side " << read_side;
  }
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

TEST(CondVar, WaitsWithoutOwningAReadOrWriteLockThrowSystemError) {
  int threw = 0;
  Outcome out = run([&](Done) {
    SharedMutex rw("rw");
    CondVar cv("cv");
    std::unique_lock wl(rw, std::defer_lock);
    std::shared_lock rl(rw, std::defer_lock);
    try {
      (void)cv.wait(wl);
    } catch (const std::system_error&) {
      ++threw;
    }
    try {
      (void)cv.wait(rl, Done(), [] { return false; });
    } catch (const std::system_error&) {
      ++threw;
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(threw, 2);
}

enum class LockKind { mutex, write, read };

// A waiter over a Mutex 'queue', or over an rwmutex 'table' (its write lock or its
// read side), that nobody notifies: the census text, the lock free while it waits,
// and the lock and lock object as reclaim unwinds it.
struct LeakedWaiter {
  std::string blocked_on;
  bool free_while_waiting = false;
  bool unwound = false;
  bool owned_while_unwinding = true;
  bool free_while_unwinding = false;
};

template <class Lockable>
LeakedWaiter leak_a_waiter(Lockable mu, LockKind kind) {
  LeakedWaiter r;
  Outcome out = run([&](Done) {
    CondVar ready("ready");
    go("consumer", [&, mu, ready]() mutable {
      Unwound u{&r.unwound};
      auto wait_forever = [&](auto& lk) {
        OnExit probe{[&] {
          r.owned_while_unwinding = lk.owns_lock();
          r.free_while_unwinding = mu.try_lock();
          if (r.free_while_unwinding) mu.unlock();
        }};
        (void)ready.wait(lk);  // nobody ever notifies
      };
      if constexpr (std::is_same_v<Lockable, SharedMutex>) {
        if (kind == LockKind::read) {
          std::shared_lock lk(mu);
          wait_forever(lk);
          return;
        }
      }
      std::unique_lock lk(mu);
      wait_forever(lk);
    });
    test::yield_until_blocked(1, "wait on condvar");
    r.free_while_waiting = mu.try_lock();  // wait() released the lock
    if (r.free_while_waiting) mu.unlock();
  });
  EXPECT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
  r.blocked_on = test::find_path(out.live, "root/consumer").blocked_on;
  return r;
}

TEST(CondVar, AWaiterNobodyNotifiesIsReportedAndUnwound) {
  const LeakedWaiter r = leak_a_waiter(Mutex("queue"), LockKind::mutex);
  EXPECT_EQ(r.blocked_on, "wait on condvar 'ready' (mutex 'queue')");
  EXPECT_TRUE(r.free_while_waiting);
  EXPECT_TRUE(r.unwound);
  EXPECT_FALSE(r.owned_while_unwinding);
  EXPECT_TRUE(r.free_while_unwinding);
}

TEST(CondVar, AWaiterOverAWriteLockNobodyNotifiesIsReportedAndUnwoundWithTheLockReleased) {
  const LeakedWaiter r = leak_a_waiter(SharedMutex("table"), LockKind::write);
  EXPECT_EQ(r.blocked_on, "wait on condvar 'ready' (rwmutex 'table')");
  EXPECT_TRUE(r.free_while_waiting);
  EXPECT_TRUE(r.unwound);
  EXPECT_FALSE(r.owned_while_unwinding);
  EXPECT_TRUE(r.free_while_unwinding);
}

TEST(CondVar, AWaiterOverAReadLockNobodyNotifiesIsReportedAndUnwoundWithTheLockReleased) {
  const LeakedWaiter r = leak_a_waiter(SharedMutex("table"), LockKind::read);
  EXPECT_EQ(r.blocked_on, "wait on condvar 'ready' (rwmutex 'table', read side)");
  EXPECT_TRUE(r.free_while_waiting);
  EXPECT_TRUE(r.unwound);
  EXPECT_FALSE(r.owned_while_unwinding);
  EXPECT_TRUE(r.free_while_unwinding);
}

}  // namespace
}  // namespace fibercheck
