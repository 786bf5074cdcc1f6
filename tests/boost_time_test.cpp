// Unit tests for Boost.Fiber's own sleeps and timed waits on fibercheck's virtual clock
// (src/detail/vclock.hpp): each times out at its virtual instant, interleaves with
// fibercheck's timers in deadline order, and replays; outside a run the clock is real.
#include <gtest/gtest.h>
#include <time.h>

#include <boost/fiber/all.hpp>
#include <boost/fiber/timed_mutex.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "detail/vclock.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;
using boost::fibers::buffered_channel;
using boost::fibers::channel_op_status;
using boost::fibers::unbuffered_channel;
using sched::StrategyKind;

std::int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// The strategy of the tests that check instants: fifo never lets a deadline come while a
// fiber is ready, so each wait returns at its own deadline. (Other strategies may: a
// fiber woken at its deadline may then run later, see the race tests below.)
RunOptions exact() { return test::with(StrategyKind::fifo); }

// Runs `wait` in a plain Boost fiber under a run and returns the virtual time at which
// it returned; `timed_out` tells whether it reported a timeout.
Duration returns_at(const std::function<bool()>& wait, bool& timed_out) {
  Duration at{-1};
  Outcome out = run(
      [&] {
        boost::fibers::fiber f([&] {
          timed_out = wait();
          at = now();
        });
        f.join();
      },
      exact());
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  EXPECT_EQ(out.virtual_time, at);
  return at;
}

TEST(BoostTime, SleepForWakesAtItsVirtualInstant) {
  bool unused = false;
  EXPECT_EQ(returns_at(
                [] {
                  boost::this_fiber::sleep_for(2h);
                  return true;
                },
                unused),
            Duration(2h));
}

TEST(BoostTime, SleepUntilWakesAtItsVirtualInstant) {
  bool unused = false;
  EXPECT_EQ(returns_at(
                [] {
                  boost::this_fiber::sleep_until(std::chrono::steady_clock::now() + 90min);
                  return true;
                },
                unused),
            Duration(90min));
}

TEST(BoostTime, BufferedPopWaitForTimesOut) {
  bool timed_out = false;
  EXPECT_EQ(returns_at(
                [] {
                  buffered_channel<int> ch{2};
                  int v = 0;
                  return ch.pop_wait_for(v, 30min) == channel_op_status::timeout;
                },
                timed_out),
            Duration(30min));
  EXPECT_TRUE(timed_out);
}

TEST(BoostTime, BufferedPushWaitUntilTimesOutOnAFullChannel) {
  bool timed_out = false;
  EXPECT_EQ(returns_at(
                [] {
                  buffered_channel<int> ch{2};  // holds one value
                  ch.push(1);
                  return ch.push_wait_until(2, std::chrono::steady_clock::now() + 7s) ==
                         channel_op_status::timeout;
                },
                timed_out),
            Duration(7s));
  EXPECT_TRUE(timed_out);
}

TEST(BoostTime, UnbufferedPopAndPushWaitForTimeOut) {
  bool timed_out = false;
  EXPECT_EQ(returns_at(
                [] {
                  unbuffered_channel<int> ch;
                  int v = 0;
                  const bool pop = ch.pop_wait_for(v, 3s) == channel_op_status::timeout;
                  const bool push = ch.push_wait_for(1, 4s) == channel_op_status::timeout;
                  return pop && push;
                },
                timed_out),
            Duration(7s));
  EXPECT_TRUE(timed_out);
}

TEST(BoostTime, ConditionVariableWaitForAndUntilTimeOut) {
  bool timed_out = false;
  EXPECT_EQ(returns_at(
                [] {
                  boost::fibers::mutex m;
                  boost::fibers::condition_variable cv;
                  std::unique_lock<boost::fibers::mutex> lk(m);
                  const bool a = cv.wait_for(lk, 45min) == boost::fibers::cv_status::timeout;
                  const bool b = cv.wait_until(lk, std::chrono::steady_clock::now() + 15min) ==
                                 boost::fibers::cv_status::timeout;
                  return a && b;
                },
                timed_out),
            Duration(1h));
  EXPECT_TRUE(timed_out);
}

TEST(BoostTime, FutureWaitForTimesOut) {
  bool timed_out = false;
  EXPECT_EQ(returns_at(
                [] {
                  boost::fibers::promise<int> p;
                  boost::fibers::future<int> f = p.get_future();
                  return f.wait_for(4h) == boost::fibers::future_status::timeout;
                },
                timed_out),
            Duration(4h));
  EXPECT_TRUE(timed_out);
}

// timed_mutex lives in libboost_fiber.so and reads steady_clock there: the process-wide
// definition reaches it too.
TEST(BoostTime, TimedMutexTryLockForAndUntilTimeOut) {
  Duration first{-1}, second{-1};
  bool first_locked = true, second_locked = true;
  Outcome out = run(
      [&] {
        boost::fibers::timed_mutex tm;
        tm.lock();
        boost::fibers::fiber f([&] {
          first_locked = tm.try_lock_for(45min);
          first = now();
          second_locked = tm.try_lock_until(std::chrono::steady_clock::now() + 5min);
          second = now();
        });
        boost::this_fiber::sleep_for(3h);
        tm.unlock();
        f.join();
      },
      exact());
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  EXPECT_FALSE(first_locked);
  EXPECT_FALSE(second_locked);
  EXPECT_EQ(first, Duration(45min));
  EXPECT_EQ(second, Duration(50min));
  EXPECT_EQ(out.virtual_time, 3h);
}

TEST(BoostTime, AValueBeforeTheDeadlineIsNoTimeout) {
  channel_op_status st = channel_op_status::timeout;
  Duration at{-1};
  Outcome out = run(
      [&] {
        buffered_channel<int> ch{2};
        boost::fibers::fiber producer([&] {
          boost::this_fiber::sleep_for(2h);
          ch.push(7);
        });
        int v = 0;
        st = ch.pop_wait_for(v, 5h);
        at = now();
        producer.join();
      },
      exact());
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  EXPECT_EQ(st, channel_op_status::success);
  EXPECT_EQ(at, Duration(2h));
}

TEST(BoostTime, SteadyClockInARunIsTheRunsClockFromAFixedEpoch) {
  std::vector<std::int64_t> seen;
  Outcome out = run([&] {
    seen.push_back(std::chrono::steady_clock::now().time_since_epoch().count());
    boost::this_fiber::sleep_for(1h);
    seen.push_back(std::chrono::steady_clock::now().time_since_epoch().count());
    seen.push_back(now().count());
  });
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], detail::kVirtualEpoch);
  EXPECT_EQ(seen[1], detail::kVirtualEpoch + std::chrono::nanoseconds(1h).count());
  EXPECT_EQ(seen[2], std::chrono::nanoseconds(1h).count());
}

TEST(BoostTime, SteadyClockOutsideARunIsTheRealMonotonicClock) {
  // Also after a run that passed a day of virtual time, on the run's own thread.
  on_case_thread([] {
    Outcome out = run([] { boost::this_fiber::sleep_for(24h); });
    EXPECT_EQ(out.virtual_time, 24h);
    for (int i = 0; i < 3; ++i) {
      const std::int64_t before = monotonic_ns();
      const std::int64_t clock = std::chrono::steady_clock::now().time_since_epoch().count();
      const std::int64_t after = monotonic_ns();
      EXPECT_LE(before, clock);
      EXPECT_LE(clock, after);
    }
  });
  const std::int64_t before = monotonic_ns();
  const std::int64_t clock = std::chrono::steady_clock::now().time_since_epoch().count();
  EXPECT_LE(before, clock);
  EXPECT_LE(clock, monotonic_ns());
}

// Outside a run a sleep, Boost's or fibercheck's, waits for real (a lower bound only:
// a busy machine may make it longer).
TEST(BoostTime, SleepsOutsideARunTakeRealTime) {
  on_case_thread([] {
    (void)run([] { boost::this_fiber::sleep_for(1h); });
    std::int64_t start = monotonic_ns();
    boost::this_fiber::sleep_for(3ms);
    EXPECT_GE(monotonic_ns() - start, 3'000'000);
    start = monotonic_ns();
    EXPECT_EQ(sleep_for(Done{}, 3ms), Status::ok);
    EXPECT_GE(monotonic_ns() - start, 3'000'000);
  });
}

// Boost sleepers, fibercheck's sleep_for and after() fire in the order of their
// deadlines, each at its own instant; under a strategy that may let a deadline come
// early, each still returns no sooner than its deadline.
TEST(BoostTime, BoostSleepsAndFibercheckTimersFireInDeadlineOrder) {
  for (std::uint64_t seed = 0; seed < 9; ++seed) {
    const bool in_order = seed == 8;
    std::vector<std::string> order;
    std::vector<Duration> when, due;
    auto note = [&](const char* what, Duration after) {
      order.emplace_back(what);
      when.push_back(now());
      due.push_back(after);
    };
    Outcome out = run(
        [&](Done done) {
          Scope s(done);
          s.spawn("fc-sleep-2s", [&](Done d) {
            (void)sleep_for(d, 2s);
            note("fc 2s", 2s);
          });
          s.spawn("fc-after-4s", [&](Done d) {
            (void)after(4s).recv(d);
            note("after 4s", 4s);
          });
          boost::fibers::fiber b1([&] {
            boost::this_fiber::sleep_for(1s);
            note("boost 1s", 1s);
          });
          boost::fibers::fiber b3([&] {
            buffered_channel<int> ch{2};
            int v = 0;
            (void)ch.pop_wait_for(v, 3s);
            note("boost 3s", 3s);
          });
          boost::fibers::fiber b5([&] {
            boost::this_fiber::sleep_for(5s);
            note("boost 5s", 5s);
          });
          b1.join();
          b3.join();
          b5.join();
        },
        in_order ? exact() : test::with(StrategyKind::random, seed));
    EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
    ASSERT_EQ(when.size(), 5u);
    for (std::size_t i = 0; i < when.size(); ++i)
      EXPECT_GE(when[i], due[i]) << order[i] << ", seed " << seed;
    if (in_order) {
      const std::vector<std::string> want{"boost 1s", "fc 2s", "boost 3s", "after 4s", "boost 5s"};
      const std::vector<Duration> at{1s, 2s, 3s, 4s, 5s};
      EXPECT_EQ(order, want);
      EXPECT_EQ(when, at);
      EXPECT_EQ(out.virtual_time, 5s);
    }
  }
}

// Many sleepers due at one instant all wake then; the order they run in is the
// strategy's, the same on every run with one seed.
struct Sleepers {
  std::vector<int> order;
  std::vector<Duration> when;
  Outcome out;
};
Sleepers equal_deadlines(const RunOptions& opt) {
  Sleepers r;
  r.out = run(
      [&] {
        std::vector<boost::fibers::fiber> fs;
        for (int i = 0; i < 6; ++i)
          fs.emplace_back([&r, i] {
            boost::this_fiber::sleep_until(std::chrono::steady_clock::time_point(
                std::chrono::nanoseconds(detail::kVirtualEpoch) + 10ms));
            r.order.push_back(i);
            r.when.push_back(now());
            boost::this_fiber::yield();
            r.order.push_back(10 + i);
          });
        for (auto& f : fs) f.join();
      },
      opt);
  return r;
}

TEST(BoostTime, EqualDeadlinesWakeTogetherInAReproducibleOrder) {
  bool orders_differ = false;
  Sleepers first = equal_deadlines(test::with(StrategyKind::random, 0));
  for (std::uint64_t seed = 0; seed < 6; ++seed) {
    Sleepers a = equal_deadlines(test::with(StrategyKind::random, seed));
    Sleepers b = equal_deadlines(test::with(StrategyKind::random, seed));
    EXPECT_EQ(a.out.verdict, Verdict::finished) << a.out.summary();
    EXPECT_EQ(a.order, b.order) << "seed " << seed;
    EXPECT_EQ(a.out.trace_hash, b.out.trace_hash) << "seed " << seed;
    EXPECT_EQ(a.when, std::vector<Duration>(6, 10ms));
    EXPECT_EQ(a.out.virtual_time, 10ms);
    if (a.order != first.order) orders_differ = true;
    RunOptions replay;
    replay.strategy.kind = StrategyKind::replay;
    replay.strategy.choices = a.out.choices;
    Sleepers c = equal_deadlines(replay);
    EXPECT_EQ(c.order, a.order) << "seed " << seed;
    EXPECT_EQ(c.out.trace_hash, a.out.trace_hash) << "seed " << seed;
    EXPECT_EQ(c.out.virtual_time, a.out.virtual_time);
  }
  EXPECT_TRUE(orders_differ) << "every seed woke the sleepers in one order";
}

// The same program under one seed, and under its recorded choices, has the same trace
// hash and virtual time; letting time pass to a Boost deadline is in the hash.
struct Race {
  channel_op_status status = channel_op_status::closed;
  Duration at{-1};
  Outcome out;
};
Race timeout_against_value(const RunOptions& opt) {
  Race r;
  r.out = run(
      [&] {
        buffered_channel<int> ch{2};
        boost::fibers::fiber producer([&] {
          boost::this_fiber::sleep_for(5ms);
          ch.push(1);
        });
        int v = 0;
        r.status = ch.pop_wait_for(v, 10ms);
        r.at = now();
        producer.join();
      },
      opt);
  return r;
}

TEST(BoostTime, AProgramReplaysWithItsTraceHashAndVirtualTime) {
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    Race a = timeout_against_value(test::with(StrategyKind::random, seed));
    Race b = timeout_against_value(test::with(StrategyKind::random, seed));
    EXPECT_EQ(a.out.verdict, Verdict::finished) << a.out.summary();
    EXPECT_EQ(a.out.trace_hash, b.out.trace_hash) << "seed " << seed;
    EXPECT_EQ(a.out.virtual_time, b.out.virtual_time) << "seed " << seed;
    EXPECT_EQ(a.status, b.status) << "seed " << seed;
    RunOptions replay;
    replay.strategy.kind = StrategyKind::replay;
    replay.strategy.choices = a.out.choices;
    Race c = timeout_against_value(replay);
    EXPECT_EQ(c.out.trace_hash, a.out.trace_hash) << "seed " << seed;
    EXPECT_EQ(c.out.virtual_time, a.out.virtual_time) << "seed " << seed;
    EXPECT_EQ(c.status, a.status) << "seed " << seed;
    EXPECT_EQ(c.at, a.at) << "seed " << seed;
  }
}

// A timeout that races work needs both orders: the strategy may let the consumer's
// deadline come while the producer, awake, has not pushed yet (time jumps early, as
// for fibercheck's own timers); the replay strategy never does.
TEST(BoostTime, ATimeoutRacingAValueIsFoundBothWaysAcrossSeeds) {
  bool value = false, timeout = false;
  for (std::uint64_t seed = 0; seed < 64 && !(value && timeout); ++seed) {
    Race r = timeout_against_value(test::with(StrategyKind::random, seed));
    EXPECT_EQ(r.out.verdict, Verdict::finished) << r.out.summary();
    if (r.status == channel_op_status::success) {
      value = true;
      EXPECT_GE(r.at, Duration(5ms));
    } else {
      timeout = true;
      EXPECT_EQ(r.status, channel_op_status::timeout);
      EXPECT_GE(r.at, Duration(10ms));
    }
  }
  EXPECT_TRUE(value);
  EXPECT_TRUE(timeout);
  Race fifo = timeout_against_value(exact());
  EXPECT_EQ(fifo.status, channel_op_status::success) << "fifo lets time pass only when idle";
  EXPECT_EQ(fifo.at, Duration(5ms));
}

TEST(BoostTime, ABoostDeadlinePastTheTimeBudgetEndsTheRun) {
  RunOptions opt;
  opt.max_virtual_time = 1min;
  bool woke = false;
  Outcome out = run(
      [&] {
        boost::fibers::fiber([&] {
          boost::this_fiber::sleep_for(1h);
          woke = true;
        }).detach();
      },
      opt);
  EXPECT_EQ(out.verdict, Verdict::time_budget_exceeded) << out.summary();
  EXPECT_EQ(out.virtual_time, Duration(0));
  // Reclaim lets the sleeper's hour pass: it wakes and ends.
  EXPECT_TRUE(woke);
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(BoostTime, ATimeBasedCancellationComesBeforeALaterBoostDeadline) {
  RunOptions opt;
  opt.cancel_at_time = 30s;
  Duration cancelled{-1}, slept{-1};
  Outcome out = run(
      [&](Done done) {
        boost::fibers::fiber f([&] {
          boost::this_fiber::sleep_for(1min);
          slept = now();
        });
        (void)done.wait();
        cancelled = now();
        f.join();
      },
      opt);
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  EXPECT_EQ(cancelled, Duration(30s));
  EXPECT_EQ(slept, Duration(1min));
}

TEST(BoostTime, ADeadlineInThePastReturnsAtOnce) {
  Duration at{-1};
  channel_op_status st = channel_op_status::success;
  Outcome out = run([&] {
    boost::this_fiber::sleep_for(1s);
    boost::this_fiber::sleep_until(std::chrono::steady_clock::now() - 1h);
    buffered_channel<int> ch{2};
    int v = 0;
    st = ch.pop_wait_until(v, std::chrono::steady_clock::time_point{});
    at = now();
  });
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  EXPECT_EQ(st, channel_op_status::timeout);
  EXPECT_EQ(at, Duration(1s));
}

// A fiber that sleeps for ever cannot hold reclaim for ever: time passes for it, its
// steps are counted, and it is left over once reclaim's budget is spent.
TEST(BoostTime, ASleeperThatNeverEndsCannotHoldReclaimForEver) {
  RunOptions opt;
  opt.max_steps = 200;
  Outcome out = run(
      [] {
        boost::fibers::fiber([] {
          for (;;) boost::this_fiber::sleep_for(1s);
        }).detach();
      },
      opt);
  EXPECT_NE(out.verdict, Verdict::finished) << out.summary();
  EXPECT_EQ(out.unreclaimed.size(), 1u) << out.summary();
}

}  // namespace
}  // namespace fibercheck
