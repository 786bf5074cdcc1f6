// Go's `default:` and timers as select cases (select.hpp with clock.hpp), and the
// leaks that never block: fibers polling with a default case or re-arming a timer
// after the root returned, caught by the step or time budget, with the report saying
// what each kept doing.
#include <gtest/gtest.h>

#include <chrono>

#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;
using sched::StrategyKind;
using test::with;

TEST(SelectDefault, TakesTheDefaultOnlyWhenNoCaseIsReady) {
  Selected empty{0, Status::ok}, ready{-1, Status::ok};
  int value = 0;
  Outcome out = run([&](Done done) {
    Chan<int> updates(1, "updates");
    Recv<int> r;
    empty = select_or_default(done, {on_recv(updates, r)});
    (void)updates.try_send(7);
    ready = select_or_default(done, {on_recv(updates, r)});
    if (r) value = *r;
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(empty.index, -1);
  EXPECT_EQ(empty.status, Status::would_block);
  EXPECT_EQ(ready.index, 0);
  EXPECT_EQ(value, 7);
}

// A poller that sleeps between polls sees the value whatever the schedule.
TEST(SelectDefault, APollLoopWithASleepSeesTheValueOnceItArrives) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    int polls = 0, value = 0;
    Outcome out = run(
        [&](Done done) {
          Chan<int> updates(0, "updates");
          Scope s(done);
          s.spawn("producer", [updates](Done d) {
            if (sleep_for(d, 35ms) == Status::ok) (void)updates.send(d, 42);
          });
          for (;;) {
            Recv<int> r;
            ++polls;
            if (select_or_default(done, {on_recv(updates, r)}).index == 0) {
              value = *r;
              break;
            }
            if (sleep_for(done, 10ms) != Status::ok) break;
          }
          s.join();
        },
        with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(value, 42) << "seed " << seed;
    // At least one poll before the value: a timer may fire early, while the poller
    // is still runnable, so a slow poller polls fewer times than 35 ms / 10 ms.
    EXPECT_GE(polls, 2);
  }
}

TEST(TimerCase, AfterIsASelectCaseThatFiresOnTheVirtualClock) {
  Selected sel{-2, Status::ok};
  Duration at{};
  Outcome out = run([&](Done done) {
    Chan<int> results(0, "results");  // nobody ever answers
    Recv<int> r;
    Recv<Duration> t;
    sel = select(done, {on_recv(results, r), on_recv(after(250ms), t)});
    at = now();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, 1);
  EXPECT_EQ(at, 250ms);
}

TEST(TimerCase, AValueArrivingBeforeTheTimeoutWins) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    Selected sel{-2, Status::ok};
    Outcome out = run(
        [&](Done done) {
          Chan<int> results(1, "results");
          Scope s(done);
          s.spawn("fast", [results](Done d) {
            if (sleep_for(d, 10ms) == Status::ok) (void)results.send(d, 1);
          });
          Recv<int> r;
          Recv<Duration> t;
          sel = select(done, {on_recv(results, r), on_recv(after(1s), t)});
          s.join();
        },
        // FIFO's clock moves only when every fiber blocks; random may fire the 1 s
        // timer before "fast" has even started its sleep (a real race).
        with(StrategyKind::fifo, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(sel.index, 0) << "seed " << seed;
  }
}

TEST(TimerCase, ATickerTicksAsASelectCaseUntilDoneCloses) {
  int ticks = 0;
  RunOptions opt;
  opt.cancel_at_time = 3500ms;
  Outcome out = run(
      [&](Done done) {
        Ticker ticker(1s);
        Recv<Duration> t;
        while (select(done, {on_recv(ticker.chan(), t)}).index == 0) ++ticks;
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(ticks, 3);
}

// Go: for { select { case u := <-updates: apply(u); default: } } with no done case.
TEST(NeverBlockingLeak, APollerWithADefaultCaseIsCaughtByTheStepBudgetAndNamesItsLastOp) {
  RunOptions opt;
  opt.max_steps = 5000;
  Outcome out = run(
      [](Done) {
        Chan<int> updates(0, "updates");
        go("poll", [updates] {
          for (;;) {
            Recv<int> u;
            (void)select_or_default(Done(), {on_recv(updates, u)});
          }
        });
      },
      opt);
  ASSERT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
  const FiberInfo poll = test::find_path(out.live, "root/poll");
  EXPECT_EQ(poll.last_op, "try_recv on chan 'updates'");
  EXPECT_GT(poll.op_count, 1000u);
  EXPECT_NE(out.summary().find("last op: try_recv on chan 'updates' ("), std::string::npos)
      << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

// A loop over two operations still shows how often it entered the one it did last.
TEST(NeverBlockingLeak, APollerAlternatingTwoChannelsShowsHowOftenItTouchedEach) {
  RunOptions opt;
  opt.max_steps = 4000;
  Outcome out = run(
      [](Done) {
        Chan<int> in(0, "in"), out_ch(0, "out");
        go("relay", [in, out_ch] {
          for (;;) {
            (void)in.try_recv();
            (void)out_ch.try_send(1);
          }
        });
      },
      opt);
  ASSERT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
  const FiberInfo relay = test::find_path(out.live, "root/relay");
  EXPECT_TRUE(relay.last_op == "try_recv on chan 'in'" || relay.last_op == "try_send on chan 'out'")
      << relay.last_op;
  EXPECT_GT(relay.op_count, 1000u);
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

// Go: for { <-time.After(interval); flush() } with no done case.
TEST(NeverBlockingLeak, ATimerLoopIsCaughtByTheTimeBudgetAndNamesItsLastOp) {
  RunOptions opt;
  opt.max_virtual_time = 1h;
  opt.leak_window_steps = 0;  // the end-of-body check would name it first (end_of_body_test)
  Outcome out = run(
      [](Done) {
        go("flush", [] {
          for (;;) (void)after(1s).recv();
        });
      },
      opt);
  ASSERT_EQ(out.verdict, Verdict::time_budget_exceeded) << out.summary();
  const FiberInfo flush = test::find_path(out.live, "root/flush");
  EXPECT_EQ(flush.last_op, "recv on chan 'after'");
  EXPECT_EQ(flush.op_count, 3601u);  // 3600 timers fired; the next one is due past the budget
  EXPECT_NE(out.summary().find("#2 root/flush last op: recv on chan 'after' (3601 times)"),
            std::string::npos)
      << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(NeverBlockingLeak, ASleepLoopIsCaughtByTheStepBudgetAndNamesItsLastOp) {
  RunOptions opt;
  opt.max_steps = 2000;
  Outcome out = run(
      [](Done) {
        go("heartbeat", [] {
          for (;;) (void)sleep_for(Done(), 1ms);
        });
      },
      opt);
  ASSERT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
  EXPECT_EQ(test::find_path(out.live, "root/heartbeat").last_op, "sleep_for (no done)");
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

}  // namespace
}  // namespace fibercheck
