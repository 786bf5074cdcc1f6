// Unit tests for with_timeout / with_deadline (done.hpp): closing on the virtual
// clock with deadline_exceeded, cancellation first, inheritance, timers left armed at
// the end of a run, and the real-clock helper outside a run.
#include <gtest/gtest.h>

#include <boost/fiber/operations.hpp>
#include <chrono>
#include <optional>
#include <set>

#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "fibercheck/yield.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;

TEST(Deadline, WithTimeoutClosesAfterTheDurationOnTheVirtualClock) {
  Duration closed_at{};
  CloseReason why = CloseReason::open;
  std::optional<std::chrono::nanoseconds> deadline;
  Outcome out = run([&](Done done) {
    (void)sleep_for(done, 2s);
    DoneSource req = with_timeout(done, 5s, "request");
    deadline = req.done().deadline();
    req.done().wait();
    closed_at = now();
    why = req.done().reason();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(closed_at, 7s);
  EXPECT_EQ(why, CloseReason::deadline_exceeded);
  EXPECT_EQ(deadline, std::optional<std::chrono::nanoseconds>(7s));
}

TEST(Deadline, CancellingFirstSaysCancelledAndTheDeadlineNeverMovesTheClock) {
  // FIFO: a random schedule may fire the hour's timer early, at the close's own
  // scheduling point, and then the deadline comes first (DeadlineRacesCancel below).
  CloseReason why = CloseReason::open;
  Outcome out = run(
      [&](Done done) {
        DoneSource req = with_timeout(done, 1h, "request");
        req.close();
        why = req.done().reason();
        (void)sleep_for(done, 1s);
        why = req.done().reason();  // still cancelled: the timer was disarmed, not fired later
      },
      test::with(sched::StrategyKind::fifo));
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(why, CloseReason::cancelled);
  EXPECT_EQ(out.virtual_time, 1s);
}

// Under random schedules the deadline may fire while the canceller is still runnable:
// both reasons are reachable, and the first close decides the reason for good.
TEST(Deadline, DeadlineRacesCancel) {
  std::set<CloseReason> seen;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    CloseReason why = CloseReason::open;
    Outcome out = run(
        [&](Done done) {
          DoneSource req = with_timeout(done, 1h, "request");
          req.close();
          why = req.done().reason();
          fibercheck::yield();
          EXPECT_EQ(req.done().reason(), why);
        },
        test::with(sched::StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    seen.insert(why);
  }
  EXPECT_EQ(seen, (std::set<CloseReason>{CloseReason::cancelled, CloseReason::deadline_exceeded}));
}

TEST(Deadline, DerivedSignalsCloseWithTheDeadlineAndReportIt) {
  CloseReason child_why = CloseReason::open;
  std::optional<std::chrono::nanoseconds> child_deadline, nearest;
  Outcome out = run([&](Done done) {
    DoneSource outer = with_deadline(done, 10s, "outer");
    DoneSource inner = with_timeout(outer.done(), 1h, "inner");
    DoneSource child = with_cancel(inner.done(), "child");
    child_deadline = child.done().deadline();
    nearest = inner.done().deadline();
    child.done().wait();
    child_why = child.done().reason();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(child_why, CloseReason::deadline_exceeded);
  EXPECT_EQ(child_deadline, std::optional<std::chrono::nanoseconds>(10s));
  EXPECT_EQ(nearest, std::optional<std::chrono::nanoseconds>(10s));
  EXPECT_EQ(out.virtual_time, 10s);
}

TEST(Deadline, ADeadlineAlreadyPassedOrAParentAlreadyClosedDecidesAtOnce) {
  CloseReason past = CloseReason::open, parent_first = CloseReason::open;
  RunOptions opt;
  opt.cancel_at_step = 0;
  Outcome out = run(
      [&](Done done) {
        past = with_deadline(Done(), now(), "past").done().reason();
        parent_first = with_timeout(done, 1s, "late").done().reason();
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(past, CloseReason::deadline_exceeded);
  EXPECT_EQ(parent_first, CloseReason::cancelled);
}

// Go: select { case r := <-results: ...; case <-ctx.Done(): return ctx.Err() }.
TEST(Deadline, ASelectOnTheDeadlineGivesUpOnASlowWorker) {
  Selected sel{0, Status::ok};
  CloseReason why = CloseReason::open;
  Outcome out = run([&](Done done) {
    Chan<int> results(1, "results");
    Scope s(done, "handler");
    s.spawn("slow", [results](Done d) {
      if (sleep_for(d, 3s) == Status::ok) (void)results.send(d, 1);
    });
    DoneSource ctx = with_timeout(done, 1s, "request");
    Recv<int> r;
    sel = select(ctx.done(), {on_recv(results, r)});
    why = ctx.done().reason();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, -1);
  EXPECT_EQ(sel.status, Status::cancelled);
  EXPECT_EQ(why, CloseReason::deadline_exceeded);
}

// The run ends on its time budget with the deadline still armed: the timer is
// discarded, and the DoneSource that outlives the run is destroyed safely later.
TEST(Deadline, ATimerStillArmedWhenTheRunEndsIsDiscarded) {
  std::optional<DoneSource> outlives;
  RunOptions opt;
  opt.max_virtual_time = 1s;
  Outcome out = run(
      [&](Done) {
        outlives.emplace(with_timeout(Done(), 1h, "slow"));
        go("waiter", [d = outlives->done()] { d.wait(); });
      },
      opt);
  EXPECT_EQ(out.verdict, Verdict::time_budget_exceeded) << out.summary();
  EXPECT_NE(
      test::find_path(out.live, "root/waiter").blocked_on.find("wait on done 'slow' (deadline t="),
      std::string::npos)
      << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
  ASSERT_TRUE(outlives);
  EXPECT_FALSE(outlives->closed());
  outlives.reset();
}

TEST(Deadline, OutsideARunAHelperFiberClosesItOnTheRealClock) {
  CloseReason expired = CloseReason::open, cancelled = CloseReason::open;
  std::size_t left = 1;
  on_case_thread([&] {
    {
      DoneSource t = with_timeout(Done(), 2ms, "real");
      t.done().wait();
      expired = t.done().reason();
    }
    {
      DoneSource t = with_timeout(Done(), 1h, "real-cancelled");
      t.close();
      cancelled = t.done().reason();
    }
    while (live_fibers() != 0) boost::this_fiber::yield();  // the helpers end
    left = live_fibers();
  });
  EXPECT_EQ(expired, CloseReason::deadline_exceeded);
  EXPECT_EQ(cancelled, CloseReason::cancelled);
  EXPECT_EQ(left, 0u);
}

}  // namespace
}  // namespace fibercheck
