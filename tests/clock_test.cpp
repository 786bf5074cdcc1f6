// Unit tests for clock.hpp: the virtual clock, sleep_for, after, Ticker.
#include "fibercheck/clock.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <vector>

#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;

TEST(Clock, VirtualClockRunsAnHourOfOneSecondTicks) {
  int ticks = 0;
  Duration last{0};
  Outcome out = run([&](Done done) {
    Ticker t(1s);
    for (int i = 0; i < 3600; ++i) {
      auto r = t.chan().recv(done);
      if (!r) return;
      last = *r;
      ++ticks;
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(ticks, 3600);
  EXPECT_EQ(last, Duration(1h));
  EXPECT_GE(out.virtual_time, 1h);
}

TEST(Clock, NowStartsAtZeroInEveryRun) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    Duration start{-1}, after_sleep{-1};
    Outcome out = run([&](Done done) {
      start = now();
      (void)sleep_for(done, 5s);
      after_sleep = now();
    });
    EXPECT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(start, Duration(0));
    EXPECT_EQ(after_sleep, Duration(5s));
    EXPECT_EQ(out.virtual_time, 5s);
  }
}

TEST(Clock, SleepForReturnsOkOnceTheTimeHasPassed) {
  Status st = Status::would_block;
  Outcome out = run([&](Done done) { st = sleep_for(done, 250ms); });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::ok);
}

TEST(Clock, SleepForReturnsCancelledWhenDoneClosesFirst) {
  Status st = Status::would_block;
  Duration woke_at{0};
  Outcome out = run([&](Done done) {
    Scope s(done);
    s.spawn("sleeper", [&](Done d) {
      st = sleep_for(d, 1h);
      woke_at = now();
    });
    (void)sleep_for(done, 1s);
    s.cancel();
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::cancelled);
  EXPECT_EQ(woke_at, Duration(1s));
  EXPECT_LT(out.virtual_time, 1h);
}

TEST(Clock, SleepForOnAClosedDoneReturnsCancelledAtOnce) {
  Status st = Status::ok;
  Outcome out = run([&](Done) {
    DoneSource src("closed");
    src.close();
    st = sleep_for(src.done(), 1h);
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::cancelled);
  EXPECT_EQ(out.virtual_time, Duration(0));
}

TEST(Clock, AfterFiresOnce) {
  std::vector<Duration> got;
  Status second = Status::ok;
  Outcome out = run([&](Done done) {
    Chan<Duration> timer = after(10s);
    if (auto r = timer.recv(done)) got.push_back(*r);
    (void)sleep_for(done, 1h);
    second = timer.try_recv().status;
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(got, std::vector<Duration>{Duration(10s)});
  EXPECT_EQ(second, Status::would_block);
}

TEST(Clock, AfterNotReceivedIsDiscardedWithTheRun) {
  Outcome out = run([](Done) { (void)after(1h); });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(out.virtual_time, Duration(0));
}

TEST(Clock, TickerDropsTicksWhileThePreviousIsUnread) {
  // FIFO: time moves only when every fiber blocks (random may fire a tick early, at
  // the sleep's own scheduling point, and shift the sleep by a second).
  std::vector<Duration> got;
  Outcome out = run(
      [&](Done done) {
        Ticker t(1s);
        (void)sleep_for(done, 10s + 500ms);
        for (int i = 0; i < 2; ++i)
          if (auto r = t.chan().recv(done)) got.push_back(*r);
      },
      test::with(sched::StrategyKind::fifo));
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(got, (std::vector<Duration>{Duration(1s), Duration(11s)}));
}

TEST(Clock, StoppedTickerSendsNoMore) {
  Status st = Status::ok;
  Outcome out = run([&](Done done) {
    Ticker t(1s);
    (void)t.chan().recv(done);
    t.stop();
    (void)sleep_for(done, 1h);
    st = t.chan().try_recv().status;
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::would_block);
}

TEST(Clock, TickerRejectsANonPositivePeriod) {
  EXPECT_THROW(Ticker(Duration(0)), std::invalid_argument);
}

}  // namespace
}  // namespace fibercheck
