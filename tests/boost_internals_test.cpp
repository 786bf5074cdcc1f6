// What fibercheck relies on inside Boost.Fiber 1.81, checked so that an upgrade (or a
// link that loses fibercheck's copies of Boost's functions) fails here loudly instead of
// silently losing what fibercheck sees: the version and the layouts its copies assume
// (at compile time), every replaced function exported by libboost_fiber.so and bound to
// fibercheck's copy (at load time), and Boost's own calls from inside the library
// reaching those copies (behaviour). docs/boost-fiber-notes.md, "Plain Boost.Fiber
// waits", says what each check protects and what to re-read when one fails.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <boost/fiber/barrier.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/operations.hpp>
#include <boost/fiber/waker.hpp>
#include <boost/version.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "detail/runtime.hpp"
#include "fibercheck/census.hpp"
#include "fibercheck/run.hpp"
#include "package/common/boost_symbols.hpp"

static_assert(BOOST_VERSION == 108100,
              "fibercheck replaces functions of Boost.Fiber 1.81: re-read Boost's src/waker.cpp, "
              "src/context.cpp, src/mutex.cpp and src/fiber.cpp for this version and "
              "docs/boost-fiber-notes.md (\"Plain Boost.Fiber waits\"), then bump this");
// Layouts fibercheck's copies reach by name (a renamed member fails to compile; these
// catch a changed type or an added member).
static_assert(sizeof(boost::fibers::wait_queue) == sizeof(boost::fibers::detail::waker_slist_t));
static_assert(sizeof(boost::fibers::waker) == 2 * sizeof(void*));
static_assert(sizeof(boost::fibers::mutex) == 32);

namespace fibercheck {
namespace {

std::string lines(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& l : v) {
    s += l;
    s += '\n';
  }
  return s;
}

TEST(BoostInternals, EveryReplacedFunctionIsBoostsExportAndBoundToFibercheck) {
  const std::vector<std::string> problems = fibercheck_boost_symbols::boost_symbol_problems();
  EXPECT_TRUE(problems.empty()) << lines(problems)
                                << "see docs/boost-fiber-notes.md, \"Plain Boost.Fiber waits\"";
}

bool in_boost_library(const void* pc) {
  Dl_info info{};
  return pc != nullptr && dladdr(pc, &info) != 0 && info.dli_fname != nullptr &&
         std::strstr(info.dli_fname, "libboost_fiber.so") != nullptr;
}

// A fiber's record, noted by the fiber itself when it starts.
struct Seen {
  const detail::FiberProps* props = nullptr;
};

// Each block happens inside libboost_fiber.so (mutex::lock, barrier::wait, and
// context::join under fiber::join) or in an inline sleep: if the library called its own
// functions directly (a -Bsymbolic link, LTO, hidden visibility), these parks would
// bypass fibercheck's copies and the fibers would not be seen parked.
TEST(BoostInternals, BlocksInsideBoostsLibraryReachFibercheck) {
  std::vector<std::string> failures;
  const Outcome out = run([&] {
    boost::fibers::mutex m;
    boost::fibers::barrier bar(2);
    Seen locker, arriver, sleeper, joiner;
    bool released = false;
    m.lock();
    boost::fibers::fiber f1([&] {
      locker.props = detail::current_fiber();
      m.lock();
      m.unlock();
    });
    boost::fibers::fiber f2([&] {
      arriver.props = detail::current_fiber();
      bar.wait();
    });
    boost::fibers::fiber f3([&] {
      sleeper.props = detail::current_fiber();
      // Asleep nearly all the time, whatever the clock, until root has looked.
      while (!released) boost::this_fiber::sleep_for(std::chrono::milliseconds(10));
    });
    boost::fibers::fiber f4([&] {
      joiner.props = detail::current_fiber();
      f3.join();
    });
    const Seen* all[] = {&locker, &arriver, &sleeper, &joiner};
    auto parked = [&] {
      for (const Seen* s : all)
        if (s->props == nullptr || s->props->boost.how == detail::BoostPark::none) return false;
      return true;
    };
    for (int i = 0; i < 100000 && !parked(); ++i) boost::this_fiber::yield();
    if (!parked()) failures.emplace_back("not every fiber was seen parked in a Boost wait");
    const struct {
      const char* what;
      const Seen& seen;
      detail::BoostPark how;
      bool inside_library;
    } expected[] = {
        {"mutex::lock", locker, detail::BoostPark::wait, true},
        {"barrier::wait", arriver, detail::BoostPark::wait, true},
        {"this_fiber::sleep_for", sleeper, detail::BoostPark::sleep, false},
        {"fiber::join", joiner, detail::BoostPark::wait, true},
    };
    for (const auto& e : expected) {
      if (e.seen.props == nullptr) continue;
      if (e.seen.props->boost.how != e.how)
        failures.push_back(std::string(e.what) + ": not parked the way expected");
      if (e.inside_library && !in_boost_library(e.seen.props->boost.ret))
        failures.push_back(std::string(e.what) + ": its park was not called from inside " +
                           "libboost_fiber.so");
    }
    released = true;
    m.unlock();
    bar.wait();
    f1.join();
    f2.join();
    f4.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(failures.empty()) << lines(failures);
}

// Boost's operations that need not block are scheduling points: a fiber's last
// operation names them. barrier::wait takes Boost's own mutex and notifies inside the
// library: that is one operation, whose point was taken at the barrier.
TEST(BoostInternals, BoostOperationsAreSchedulingPointsOnceEach) {
  std::string notifier_op, locker_op, arriver_op;
  auto own_last_op = [] {
    for (const FiberInfo& f : census())
      if (f.state == FiberState::running) return f.last_op;
    return std::string();
  };
  const Outcome out = run([&] {
    boost::fibers::mutex m;
    boost::fibers::barrier bar(2);
    boost::fibers::condition_variable_any cv;
    boost::fibers::fiber notifier([&] {
      cv.notify_one();
      notifier_op = own_last_op();
    });
    boost::fibers::fiber locker([&] {
      m.lock();
      m.unlock();
      bar.wait();
    });
    notifier.join();
    for (int i = 0; i < 100000 && locker_op.empty(); ++i) {
      for (const FiberInfo& f : census())
        if (f.state == FiberState::blocked) locker_op = f.last_op;
      boost::this_fiber::yield();
    }
    bar.wait();
    arriver_op = own_last_op();
    locker.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(notifier_op, "notify_one of boost::fibers::condition_variable");
  EXPECT_EQ(locker_op, "wait of boost::fibers::barrier");
  EXPECT_EQ(arriver_op, "wait of boost::fibers::barrier");
}

// Two fibers that only lock and unlock a Boost mutex, never blocking: the strategy is
// offered a switch at the lock, while the running fiber could go on.
TEST(BoostInternals, ALockThatDoesNotBlockOffersAPreemption) {
  RunOptions o;
  o.record_choice_detail = true;
  const Outcome out = run(
      [] {
        boost::fibers::mutex m;
        auto body = [&m] {
          m.lock();
          m.unlock();
        };
        boost::fibers::fiber a(body), b(body);
        a.join();
        b.join();
      },
      o);
  ASSERT_TRUE(out.clean()) << out.summary();
  bool preemptible = false;
  for (const auto& d : out.choice_detail) preemptible = preemptible || d.running_can_continue;
  EXPECT_TRUE(preemptible);
}

// condition_variable's wait releases the waiter's mutex while holding its own spinlock:
// a scheduling point there (in mutex::unlock) would switch to a notifier that does not
// hold the mutex, which would then spin on that spinlock for ever on the one thread.
// With a point in unlock this program hangs within the first 25 seeds.
TEST(BoostInternals, ANotifierWithoutTheMutexNeverMeetsAWaiterInsideItsUnlock) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    RunOptions o;
    o.strategy.seed = seed;
    const Outcome out = run(
        [] {
          boost::fibers::mutex m;
          boost::fibers::condition_variable cv;
          bool ready = false;
          boost::fibers::fiber waiter([&] {
            std::unique_lock<boost::fibers::mutex> lk(m);
            cv.wait(lk, [&] { return ready; });
          });
          boost::fibers::fiber notifier([&] {
            boost::this_fiber::yield();
            ready = true;
            cv.notify_one();
          });
          waiter.join();
          notifier.join();
        },
        o);
    EXPECT_TRUE(out.clean()) << "seed " << seed << ": " << out.summary();
  }
}

}  // namespace
}  // namespace fibercheck
