// Unit tests for mutex.hpp: exclusion, the standard lock wrappers, FIFO hand-off,
// holders in the census, deadlocks named in the report, reclaim of blocked lockers.
#include "fibercheck/mutex.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <shared_mutex>
#include <system_error>

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::with;

// Sets its flag when destroyed: proves a blocked fiber was unwound, not abandoned.
struct Unwound {
  bool* flag;
  ~Unwound() { *flag = true; }
};

TEST(Mutex, ExcludesOtherFibersUnderEverySchedule) {
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
      int inside = 0, overlaps = 0, total = 0;
      Outcome out = run(
          [&](Done done) {
            Mutex mu("counter");
            Scope s(done);
            for (int i = 0; i < 4; ++i)
              s.spawn("worker", [&, mu] {
                for (int k = 0; k < 5; ++k) {
                  std::lock_guard lk(mu);
                  overlaps += ++inside > 1;
                  test::sched_point();
                  ++total;
                  --inside;
                }
              });
            s.join();
          },
          with(kind, seed));
      ASSERT_TRUE(out.clean()) << out.summary();
      EXPECT_EQ(overlaps, 0) << "seed " << seed;
      EXPECT_EQ(total, 20);
    }
  }
}

TEST(Mutex, WorksWithTheStandardLockWrappersAndTryLock) {
  bool try_while_held = true, try_when_free = false, scoped = false;
  Outcome out = run([&](Done done) {
    Mutex a("a"), b("b");
    Chan<int> held(0, "held"), release(0, "release");
    Scope s(done);
    s.spawn("holder", [&, a, held, release] {
      std::unique_lock lk(a);
      (void)held.send(1);
      (void)release.recv();
    });
    (void)held.recv();
    try_while_held = a.try_lock();
    (void)release.send(1);
    s.join();
    try_when_free = a.try_lock();
    a.unlock();
    std::scoped_lock both(a, b);
    scoped = true;
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_FALSE(try_while_held);
  EXPECT_TRUE(try_when_free);
  EXPECT_TRUE(scoped);
}

// The lock goes to the fiber that waited, not to one that arrives as it is released.
TEST(Mutex, HandsTheLockToTheLongestWaiter) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    bool barged = true;
    Outcome out = run(
        [&](Done done) {
          Mutex mu("fifo");
          Chan<int> release(0, "release");
          Scope s(done);
          mu.lock();
          s.spawn("waiter", [mu, release] {
            std::lock_guard lk(mu);
            (void)release.recv();
          });
          test::yield_until_blocked(1, "lock of mutex 'fifo'");
          mu.unlock();
          barged = mu.try_lock();
          if (barged) mu.unlock();
          (void)release.send(1);
          s.join();
        },
        with(StrategyKind::random, seed));
    EXPECT_TRUE(out.clean()) << out.summary();
    EXPECT_FALSE(barged) << "seed " << seed;
  }
}

TEST(Mutex, BlockedLockNamesTheHolderAndSinceWhen) {
  Outcome out = run([](Done) {
    Mutex mu("state");
    Chan<int> never(0, "never");
    go("server", [mu, never] {
      go("loop", [mu, never] {
        std::lock_guard lk(mu);
        (void)never.recv();  // blocks holding the lock
      });
    });
    test::yield_until_blocked(1, "recv on chan 'never'");
    go("client", [mu] { std::lock_guard lk(mu); });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const FiberInfo loop = test::find_path(out.live, "root/server/loop");
  const FiberInfo client = test::find_path(out.live, "root/client");
  EXPECT_EQ(client.blocked_on.rfind("lock of mutex 'state' held by #" + std::to_string(loop.id) +
                                        " root/server/loop since step ",
                                    0),
            0u)
      << client.blocked_on;
  EXPECT_EQ(client.waits_for, std::vector<std::uint64_t>{loop.id});
  EXPECT_NE(out.summary().find("; waiting since step"), std::string::npos) << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(Mutex, SameNamedSiblingsAreToldApartByTheirCensusIds) {
  // Three fibers named "lookup": the one holding the lock and the one queued as a
  // writer are named by id as well as path, as their census lines start.
  Outcome out = run(
      [](Done) {
        Mutex mu("cache");
        SharedMutex rw("table");
        Scope s(Done(), "s");
        for (int i = 0; i < 3; ++i)
          s.spawn("lookup", [mu, rw, i]() mutable {
            if (i == 0) {
              std::lock_guard<Mutex> hold(mu);
              std::shared_lock<SharedMutex> read(rw);
              (void)Chan<int>().recv();
            } else if (i == 1) {
              std::lock_guard<SharedMutex> write(rw);
            } else {
              std::lock_guard<Mutex> wait(mu);
            }
          });
        test::yield_until_blocked(2, "lock of");
        std::shared_lock<SharedMutex> behind(rw);  // queued behind the waiting writer
      },
      with(StrategyKind::fifo));
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.live.size(), 4u) << out.summary();
  const FiberInfo& root = out.live[0];
  const FiberInfo& holder = out.live[1];
  const FiberInfo& writer = out.live[2];
  const FiberInfo& waiter = out.live[3];
  ASSERT_EQ(holder.path, "root/lookup");
  ASSERT_EQ(writer.path, "root/lookup");
  ASSERT_EQ(waiter.path, "root/lookup");
  EXPECT_EQ(waiter.blocked_on.rfind("lock of mutex 'cache' held by #2 root/lookup since step ", 0),
            0u)
      << waiter.blocked_on;
  EXPECT_EQ(writer.blocked_on.rfind(
                "lock of rwmutex 'table' held by 1 reader(s): #2 root/lookup since step ", 0),
            0u)
      << writer.blocked_on;
  EXPECT_EQ(root.blocked_on.rfind("read lock of rwmutex 'table' queued behind writer #3 "
                                  "root/lookup (1 reader(s) hold it)",
                                  0),
            0u)
      << root.blocked_on;
  // The census lines start the same way.
  EXPECT_NE(format(out.live).find("  #2 root/lookup blocked at "), std::string::npos)
      << format(out.live);
}

TEST(Mutex, LockingAMutexYouHoldIsAReportedDeadlock) {
  Outcome out = run([](Done) {
    go("reentrant", [] {
      Mutex mu("state");
      std::lock_guard outer(mu);
      std::lock_guard inner(mu);
    });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_NE(out.summary().find("deadlock: #2 root/reentrant waits for a lock it already holds"),
            std::string::npos)
      << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

// a takes A then B, b takes B then A; each holds its first lock before asking for the second.
void lock_order_inversion(Done) {
  Mutex a("A"), b("B");
  Chan<int> a_holds(1, "a-holds"), b_holds(1, "b-holds");
  go("a", [a, b, a_holds, b_holds] {
    std::lock_guard first(a);
    (void)a_holds.send(1);
    (void)b_holds.recv();
    std::lock_guard second(b);
  });
  go("b", [a, b, a_holds, b_holds] {
    std::lock_guard first(b);
    (void)b_holds.send(1);
    (void)a_holds.recv();
    std::lock_guard second(a);
  });
}

TEST(Mutex, LockOrderCycleIsNamedInTheReport) {
  for (std::uint64_t seed = 0; seed < 10; ++seed) {
    Outcome out = run(lock_order_inversion, with(StrategyKind::random, seed));
    ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
    const std::string s = out.summary();
    EXPECT_NE(s.find("deadlock: lock-order cycle of 2 fibers"), std::string::npos) << s;
    EXPECT_NE(s.find("#2 root/a: lock of mutex 'B' held by #3 root/b"), std::string::npos) << s;
    EXPECT_NE(s.find("#3 root/b: lock of mutex 'A' held by #2 root/a"), std::string::npos) << s;
    EXPECT_TRUE(out.unreclaimed.empty()) << s;
  }
}

TEST(SharedMutex, ReadersShareAndWritersExclude) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    int readers = 0, writers = 0, bad = 0, max_readers = 0;
    Outcome out = run(
        [&](Done done) {
          SharedMutex mu("table");
          Scope s(done);
          for (int i = 0; i < 3; ++i) {
            s.spawn("reader", [&, mu] {
              for (int k = 0; k < 4; ++k) {
                std::shared_lock lk(mu);
                ++readers;
                max_readers = std::max(max_readers, readers);
                bad += writers != 0;
                test::sched_point();
                --readers;
              }
            });
          }
          s.spawn("writer", [&, mu] {
            for (int k = 0; k < 3; ++k) {
              std::lock_guard lk(mu);
              bad += ++writers > 1 || readers != 0;
              test::sched_point();
              --writers;
            }
          });
          s.join();
        },
        with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(bad, 0) << "seed " << seed;
  }
}

TEST(SharedMutex, ReadLockTakenTwiceBehindAWaitingWriterIsAReportedDeadlock) {
  Outcome out = run([](Done) {
    SharedMutex mu("config");
    go("reader", [mu] {
      std::shared_lock first(mu);
      go("writer", [mu] { std::lock_guard lk(mu); });
      test::yield_until_blocked(1, "lock of rwmutex 'config'");
      std::shared_lock second(mu);  // writers take precedence: this waits for the writer
    });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const std::string s = out.summary();
  EXPECT_NE(s.find("deadlock: reader/writer cycle of 2 fibers"), std::string::npos) << s;
  EXPECT_NE(s.find("read lock of rwmutex 'config' queued behind writer #3 root/reader/writer"),
            std::string::npos)
      << s;
  EXPECT_TRUE(out.unreclaimed.empty()) << s;
}

TEST(Mutex, UnlockingAnUnlockedMutexThrowsSystemError) {
  bool threw = false;
  Outcome out = run([&](Done) {
    Mutex mu("m");
    try {
      mu.unlock();
    } catch (const std::system_error&) {
      threw = true;
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(threw);
}

TEST(Mutex, FibersBlockedForeverInLockAreUnwound) {
  bool writer_unwound = false, reader_unwound = false, locker_unwound = false;
  Outcome out = run([&](Done) {
    Mutex mu("orphan");
    SharedMutex rw("orphan-rw");
    mu.lock();  // the root returns holding both: nobody ever unlocks them
    rw.lock();
    go("locker", [&, mu] {
      Unwound u{&locker_unwound};
      mu.lock();
    });
    go("rw-writer", [&, rw] {
      Unwound u{&writer_unwound};
      rw.lock();
    });
    go("rw-reader", [&, rw] {
      Unwound u{&reader_unwound};
      rw.lock_shared();
    });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_EQ(out.live.size(), 3u) << out.summary();
  EXPECT_NE(test::find_path(out.live, "root/locker")
                .blocked_on.find("held by #1 root, which has exited,"),
            std::string::npos)
      << out.summary();
  EXPECT_NE(out.summary().find("stuck: #2 root/locker waits for #1, which has exited"),
            std::string::npos)
      << out.summary();
  EXPECT_TRUE(locker_unwound && writer_unwound && reader_unwound);
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

// The user report: each fiber holds a lock_guard, unlocks by hand and re-locks (Go's
// defer mu.Unlock() around an explicit Unlock/Lock). Whoever re-locks first keeps the
// mutex and blocks for good; the other blocks in lock(). Unwinding the one blocked in
// its re-lock runs its guard's destructor over the mutex the other fiber holds: that
// release must be skipped and noted, not taken from the holder (whose own guard would
// then unlock an unlocked mutex, throw from a destructor and terminate the process).
void relock_inside_guard(Done) {
  Mutex mu("devices");
  Chan<int> never(0, "never");
  for (const char* name : {"a", "b"})
    go(name, [mu, never] {
      std::lock_guard g(mu);
      mu.unlock();
      mu.lock();
      (void)never.recv();
    });
}

TEST(Mutex, UnwindingAGuardOverAMutexAnotherFiberHoldsIsIgnoredAndNoted) {
  int noted = 0, held_by_other = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Outcome out = run(relock_inside_guard, with(StrategyKind::random, seed));
    const std::string s = out.summary();
    ASSERT_EQ(out.verdict, Verdict::quiescent) << "seed " << seed << "\n" << s;
    EXPECT_EQ(out.live.size(), 2u) << s;
    EXPECT_FALSE(test::find_path(out.live, "root/a").path.empty()) << s;
    EXPECT_FALSE(test::find_path(out.live, "root/b").path.empty()) << s;
    EXPECT_TRUE(out.unreclaimed.empty()) << s;
    EXPECT_LE(out.reclaim_notes.size(), 1u) << s;
    for (const std::string& n : out.reclaim_notes) {
      EXPECT_TRUE(n.starts_with("#2 root/a: ") || n.starts_with("#3 root/b: ")) << n;
      // Whoever holds the mutex may unwind first and release it, or not yet.
      const bool held =
          n.find("unlock of mutex 'devices' it did not hold (held by #") != std::string::npos;
      EXPECT_TRUE(held || n.find("unlock of mutex 'devices' it did not hold (not locked)") !=
                              std::string::npos)
          << n;
      held_by_other += held;
      EXPECT_NE(n.find("ignored while unwinding"), std::string::npos) << n;
      EXPECT_NE(s.find("while unwinding the leftover fibers:\n  " + n), std::string::npos) << s;
      ++noted;
    }
    ASSERT_TRUE(census().empty()) << "seed " << seed << "\n" << format(census());
  }
  EXPECT_GT(held_by_other, 0) << "no seed unwound a guard over a mutex another fiber held";
  EXPECT_GT(noted, held_by_other) << "no seed unwound such a guard after the holder's release";
  // Reclaim left the thread clean: the next run works as any other.
  Outcome next = run([](Done) {
    Mutex mu("next");
    go("locker", [mu] { std::lock_guard g(mu); });
    std::lock_guard g(mu);
  });
  EXPECT_TRUE(next.clean()) << next.summary();
  EXPECT_TRUE(next.reclaim_notes.empty()) << next.summary();
}

TEST(SharedMutex, UnwindingAReleaseOfAReadLockNotHeldIsIgnoredAndNoted) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    Outcome out = run(
        [](Done) {
          SharedMutex rw("table");
          Chan<int> never(0, "never");
          go("reader", [rw, never] {
            std::shared_lock g(rw);
            rw.unlock_shared();
            (void)never.recv();  // unwound here: the guard's unlock_shared is not its own
          });
          go("other-reader", [rw, never] {
            std::shared_lock g(rw);
            (void)never.recv();
          });
        },
        with(StrategyKind::random, seed));
    const std::string s = out.summary();
    ASSERT_EQ(out.verdict, Verdict::quiescent) << s;
    EXPECT_TRUE(out.unreclaimed.empty()) << s;
    for (const std::string& n : out.reclaim_notes)
      EXPECT_NE(n.find("root/reader: unlock_shared of rwmutex 'table' it did not read-lock"),
                std::string::npos)
          << n;
    ASSERT_TRUE(census().empty()) << format(census());
  }
}

TEST(Mutex, OutsideUnwindingAnyFiberMayUnlockAHeldMutex) {
  bool unlocked = false;
  Outcome out = run([&](Done done) {
    Mutex mu("handed");
    mu.lock();
    Scope s(done);
    s.spawn("unlocker", [&, mu] {
      mu.unlock();  // held by root: Go allows it
      unlocked = true;
    });
    s.join();
    std::lock_guard g(mu);  // free again
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(unlocked);
  EXPECT_TRUE(out.reclaim_notes.empty());
}

}  // namespace
}  // namespace fibercheck
