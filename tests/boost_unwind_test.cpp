// Fibers left parked in Boost.Fiber's own primitives after a run are unwound: their
// destructors run, nothing is left unreclaimed and the case thread runs the next case.
// The parks that cannot be unwound say why and stay parked, without a crash.
#include <boost/context/fixedsize_stack.hpp>
#include <boost/fiber/barrier.hpp>
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/future.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "detail/boost_wait.hpp"
#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/check.hpp"
#include "support.hpp"

namespace {

namespace bf = boost::fibers;
using fibercheck::Outcome;

int g_made = 0;
int g_destroyed = 0;

struct Guard {
  Guard() { ++g_made; }
  ~Guard() { ++g_destroyed; }
  Guard(const Guard&) = delete;
  Guard& operator=(const Guard&) = delete;
};

// What the leaking fibers wait on. Owned by the test, so it outlives the run: its
// fibers are unwound (out of every wait queue) before run() returns.
struct Prims {
  bf::buffered_channel<int> empty{2};
  bf::buffered_channel<int> full{2};  // holds one value: full
  bf::unbuffered_channel<int> unbuffered;
  bf::mutex m;
  bf::condition_variable cv;
  bf::condition_variable_any cva;
  bf::promise<int> promise;
  bf::barrier barrier{2};
  Prims() { full.push(1); }
};

// Runs `start` as the root (it starts plain fibers that leak), then checks that the run
// unwound them all: every Guard made was destroyed, nothing unreclaimed.
Outcome run_leak(const std::function<void()>& start) {
  g_made = g_destroyed = 0;
  Outcome out = fibercheck::run([&] {
    start();
    for (int i = 0; i < 20; ++i) fibercheck::yield();
  });
  return out;
}

void expect_unwound(const Outcome& out, int guards) {
  EXPECT_EQ(g_made, guards) << out.summary();
  EXPECT_EQ(g_destroyed, g_made) << "every guard's destructor ran\n" << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
  EXPECT_FALSE(out.live.empty()) << "it leaked, and the census saw it";
  // The case thread was not parked: it runs another case.
  const Outcome next = fibercheck::run([] { fibercheck::yield(); });
  EXPECT_EQ(next.verdict, fibercheck::Verdict::finished) << next.summary();
}

TEST(BoostUnwind, ABufferedPopIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     int v;
                     s.empty.pop(v);
                   }).detach();
                 }),
                 1);
}

TEST(BoostUnwind, APushIntoAFullBufferedChannelIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     s.full.push(2);
                   }).detach();
                 }),
                 1);
}

TEST(BoostUnwind, AnUnbufferedPopIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     int v;
                     s.unbuffered.pop(v);
                   }).detach();
                 }),
                 1);
}

// The holder's lock_guard releases the mutex as it unwinds; the contender, unwound out
// of mutex::lock, never held it.
TEST(BoostUnwind, AContendedMutexAndItsHolderBlockedInAPopAreUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     std::lock_guard<bf::mutex> lk(s.m);
                     int v;
                     s.empty.pop(v);
                   }).detach();
                   bf::fiber([&] {
                     Guard g;
                     std::lock_guard<bf::mutex> lk(s.m);
                   }).detach();
                 }),
                 2);
}

TEST(BoostUnwind, AConditionVariableWaitIsUnwound) {
  Prims s;
  const Outcome out = run_leak([&] {
    bf::fiber([&] {
      Guard g;
      std::unique_lock<bf::mutex> lk(s.m);
      s.cv.wait(lk);
    }).detach();
  });
  expect_unwound(out, 1);
  EXPECT_TRUE(out.reclaim_notes.empty()) << "the wait gave the lock up: nothing to release";
  EXPECT_TRUE(s.m.try_lock()) << "the mutex is free";
  s.m.unlock();
}

// A hand-written lock whose destructor always releases: unwound out of the wait, which
// had given the mutex up, it releases a mutex it does not hold. Boost would throw
// lock_error from that destructor (std::terminate); the release is skipped and noted.
struct AlwaysUnlocks {
  bf::mutex& m;
  explicit AlwaysUnlocks(bf::mutex& mu) : m(mu) { m.lock(); }
  ~AlwaysUnlocks() { m.unlock(); }
  AlwaysUnlocks(const AlwaysUnlocks&) = delete;
  AlwaysUnlocks& operator=(const AlwaysUnlocks&) = delete;
  void lock() { m.lock(); }
  void unlock() { m.unlock(); }
};

TEST(BoostUnwind, ReleasingAMutexNotHeldWhileUnwindingIsSkippedAndNoted) {
  Prims s;
  const Outcome out = run_leak([&] {
    bf::fiber([&] {
      Guard g;
      AlwaysUnlocks lk(s.m);
      s.cva.wait(lk);
    }).detach();
  });
  expect_unwound(out, 1);
  ASSERT_EQ(out.reclaim_notes.size(), 1u) << out.summary();
  EXPECT_NE(out.reclaim_notes[0].find("did not hold"), std::string::npos) << out.summary();
  EXPECT_NE(out.summary().find("while unwinding the leftover fibers"), std::string::npos);
  EXPECT_TRUE(s.m.try_lock()) << "the mutex is free";
  s.m.unlock();
}

// Outside an unwind, releasing a mutex not held is Boost's lock_error, as in 1.81.
TEST(BoostUnwind, ReleasingAMutexNotHeldOutsideAnUnwindStillThrows) {
  bf::mutex m;
  EXPECT_THROW(m.unlock(), bf::lock_error);
}

TEST(BoostUnwind, AConditionVariableWaitWithAPredicateIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     std::unique_lock<bf::mutex> lk(s.m);
                     s.cv.wait(lk, [] { return false; });
                   }).detach();
                 }),
                 1);
}

TEST(BoostUnwind, AConditionVariableAnyWaitIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     std::unique_lock<bf::mutex> lk(s.m);
                     s.cva.wait(lk);
                   }).detach();
                 }),
                 1);
}

TEST(BoostUnwind, AFutureGetIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     (void)s.promise.get_future().get();
                   }).detach();
                 }),
                 1);
}

TEST(BoostUnwind, ABarrierWaitIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     s.barrier.wait();
                   }).detach();
                 }),
                 1);
}

// The joiner detaches as it unwinds (a joinable fiber's destructor would terminate);
// the joined fiber is unwound on its own.
TEST(BoostUnwind, AJoinAndTheFiberItJoinsAreUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     bf::fiber inner([&] {
                       Guard gi;
                       int v;
                       s.empty.pop(v);
                     });
                     inner.join();
                   }).detach();
                 }),
                 2);
}

// The root keeps running until the step budget ends the run: the wait's hour may or may
// not pass (a strategy may let a deadline come while fibers run); either way the fiber
// ends, unwound or timed out.
TEST(BoostUnwind, ATimedPopWithALongTimeoutIsUnwound) {
  Prims s;
  g_made = g_destroyed = 0;
  fibercheck::RunOptions o;
  o.max_steps = 200;
  const Outcome out = fibercheck::run(
      [&] {
        bf::fiber([&] {
          Guard g;
          int v;
          (void)s.empty.pop_wait_for(v, std::chrono::hours(1));
        }).detach();
        for (;;) fibercheck::yield();
      },
      o);
  EXPECT_EQ(out.verdict, fibercheck::Verdict::step_budget_exceeded) << out.summary();
  expect_unwound(out, 1);
}

// A catch (...) that swallows the unwind: the fiber goes on and is unwound again at
// its next wait, until it gives up and returns.
TEST(BoostUnwind, AFiberThatSwallowsTheUnwindIsUnwoundAgainAtItsNextWait) {
  Prims s;
  int swallowed = 0;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     for (int i = 0; i < 3; ++i) {
                       try {
                         Guard inner;
                         int v;
                         s.empty.pop(v);
                       } catch (...) {
                         ++swallowed;
                       }
                     }
                   }).detach();
                 }),
                 4);
  EXPECT_EQ(swallowed, 3);
}

// A fibercheck fiber (go) parked in a Boost primitive is unwound the same way: its
// start wrapper's catch (...) ends the unwind and the fiber returns from there.
TEST(BoostUnwind, AFibercheckFiberParkedInABoostPrimitiveIsUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   fibercheck::go("popper", [&] {
                     Guard g;
                     int v;
                     s.empty.pop(v);
                   });
                 }),
                 1);
}

// A stack allocator for plain fibers that counts the stacks it has handed out and not
// got back.
int g_live_stacks = 0;
struct CountingStack {
  boost::context::stack_context allocate() {
    ++g_live_stacks;
    return boost::context::fixedsize_stack(64 * 1024).allocate();
  }
  void deallocate(boost::context::stack_context& sc) noexcept {
    --g_live_stacks;
    boost::context::fixedsize_stack(64 * 1024).deallocate(sc);
  }
};

// Memory stays flat over many leaking cases: each run's leaked fiber is unwound and its
// stack given back before the run returns, on the same case thread every time.
TEST(BoostUnwind, ManyLeakingRunsLeaveNoStackBehind) {
  Prims s;
  int unwound = 0;
  for (int i = 0; i < 1000; ++i) {
    g_made = g_destroyed = 0;
    const Outcome out = fibercheck::run([&] {
      bf::fiber(std::allocator_arg, CountingStack{}, [&] {
        Guard g;
        int v;
        s.empty.pop(v);
      }).detach();
      fibercheck::yield();
    });
    ASSERT_TRUE(out.unreclaimed.empty()) << "run " << i << ": " << out.summary();
    ASSERT_EQ(g_live_stacks, 0) << "run " << i;
    unwound += g_destroyed;
  }
  EXPECT_EQ(unwound, 1000);
}

// Fibers joined in a loop over a std::vector<fiber>, two of them leaking: the joiner is
// not unwound out of a join while the vector holds other joinable fibers (they would be
// destroyed on the way, and a joinable fiber's destructor calls std::terminate). Each
// joined fiber is unwound, each join returns, and the joiner ends on its own.
TEST(BoostUnwind, AJoinerOfAVectorOfFibersWaitsForEachToBeUnwound) {
  Prims s;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     std::vector<bf::fiber> workers;
                     for (int i = 0; i < 3; ++i) {
                       workers.emplace_back([&, i] {
                         Guard gw;
                         int v;
                         if (i != 1) s.empty.pop(v);  // the middle one ends at once
                       });
                     }
                     for (bf::fiber& w : workers) w.join();
                   }).detach();
                 }),
                 4);
}

// Cases that leave a fiber parked for good in objects that must then never be
// destroyed: leaked on purpose.
template <class T, class... Args>
T& forever(Args... args) {
  return *new T(args...);
}

// unbuffered_channel::push waiting for a receiver: its value lives on the fiber's stack
// and the channel points at it.
TEST(BoostUnwind, AnUnbufferedPushIsReportedUnreclaimableWithItsReason) {
  auto& ch = forever<bf::unbuffered_channel<int>>();
  const Outcome out = run_leak([&] {
    bf::fiber([&] {
      Guard g;
      ch.push(1);
    }).detach();
  });
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  EXPECT_EQ(g_destroyed, 0);
  EXPECT_NE(fibercheck::why_not_unwound(out.unreclaimed[0]).find("unbuffered_channel::push"),
            std::string::npos)
      << out.summary();
  EXPECT_NE(out.summary().find("could not be unwound"), std::string::npos) << out.summary();
}

// A joiner of a fiber that cannot be unwound, holding another joinable fiber object,
// stays in its join, and the report says which fiber it waits for.
TEST(BoostUnwind, AJoinerOfAFiberThatCannotBeUnwoundSaysWhichItWaitsFor) {
  auto& ch = forever<bf::unbuffered_channel<int>>();
  const Outcome out = run_leak([&] {
    bf::fiber([&] {
      bf::fiber quick([] {});  // joined after the pusher: joinable meanwhile
      bf::fiber pusher([&] { ch.push(1); });
      pusher.join();
      quick.join();
    }).detach();
  });
  const fibercheck::FiberInfo* joiner = nullptr;
  const fibercheck::FiberInfo* pusher = nullptr;
  for (const fibercheck::FiberInfo& f : out.unreclaimed) {
    if (f.path == "root/fiber-2") joiner = &f;
    if (f.path == "root/fiber-2/fiber-4") pusher = &f;
  }
  ASSERT_NE(joiner, nullptr) << out.summary();
  ASSERT_NE(pusher, nullptr) << out.summary();
  EXPECT_NE(fibercheck::why_not_unwound(*joiner).find("waits in boost::fibers::fiber::join for #" +
                                                      std::to_string(pusher->id)),
            std::string::npos)
      << out.summary();
  EXPECT_NE(fibercheck::why_not_unwound(*pusher).find("unbuffered_channel::push"),
            std::string::npos)
      << out.summary();
}

// A joiner whose only joinable fiber object is the one it joins is unwound out of the
// join (the object is detached on the way), and the rest of its function does not run.
TEST(BoostUnwind, AJoinerWithNoOtherJoinableFiberIsUnwoundOutOfItsJoin) {
  Prims s;
  bool went_on = false;
  expect_unwound(run_leak([&] {
                   bf::fiber([&] {
                     Guard g;
                     bf::fiber inner([&] {
                       Guard gi;
                       int v;
                       s.empty.pop(v);
                     });
                     inner.join();
                     went_on = true;
                   }).detach();
                 }),
                 2);
  EXPECT_FALSE(went_on);
}

// A noexcept function between the wait and the fiber's start: unwinding through it
// would call std::terminate. The fiber stays parked, reported, and nothing crashes.
__attribute__((noinline)) void pop_noexcept(bf::buffered_channel<int>& ch) noexcept {
  int v;
  (void)ch.pop(v);
}

TEST(BoostUnwind, ANoexceptFunctionOnTheWayIsReportedUnreclaimable) {
  auto& ch = forever<bf::buffered_channel<int>>(2);
  const Outcome out = run_leak([&] {
    bf::fiber([&] {
      Guard g;
      pop_noexcept(ch);
    }).detach();
  });
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  EXPECT_EQ(g_destroyed, 0);
  const std::string why = fibercheck::why_not_unwound(out.unreclaimed[0]);
  EXPECT_NE(why.find("a noexcept frame ("), std::string::npos) << why;
}

// `for (int v : channel)`: the channel's iterator constructor is noexcept and holds a
// catch, so its landing pad ends in std::terminate, which the tables do not show: found
// as the unwind reaches it, and the fiber stays parked there.
TEST(BoostUnwind, ARangeForOverAChannelIsReportedUnreclaimableAsANoexceptFrame) {
  auto& ch = forever<bf::buffered_channel<int>>(2);
  const Outcome out = run_leak([&] {
    bf::fiber([&] {
      Guard g;
      for (int v : ch) (void)v;
    }).detach();
  });
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  EXPECT_EQ(g_destroyed, 0);
  const std::string why = fibercheck::why_not_unwound(out.unreclaimed[0]);
  EXPECT_NE(why.find("a noexcept frame ("), std::string::npos) << why;
  EXPECT_NE(why.find("between the wait and the fiber's start"), std::string::npos) << why;
}

// A check over a plain-Boost program that leaks: a failure like any other, shrunk, and
// its report says what leaked.
TEST(BoostUnwind, ACheckOverALeakingBoostProgramShrinksTheFailure) {
  static auto& s = *new Prims;
  fibercheck::CheckOptions o;
  o.cases = 20;
  const fibercheck::CheckResult r = fibercheck::check(
      [](fibercheck::Done) {
        bf::fiber([] {
          Guard g;
          int v;
          s.empty.pop(v);
        }).detach();
        fibercheck::yield();
      },
      o);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.outcome.unreclaimed.empty()) << r.report;
  EXPECT_NE(r.report.find("shrunk in"), std::string::npos) << r.report;
  EXPECT_EQ(r.report.find("their thread is parked"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("fiber"), std::string::npos) << r.report;
}

}  // namespace
