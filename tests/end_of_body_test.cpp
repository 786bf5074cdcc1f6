// The end of the test body (run.hpp's leak window) and roots without a done: once
// root has returned and its done is closed (or never will be), fibers still running
// after a fair wind-down have leaked, and the verdict says so within a few thousand
// steps instead of at the step budget, naming the done each one watches.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/harness/check.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/sched/dfs.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "fibercheck/wait_group.hpp"
#include "fibercheck/yield.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;
using sched::StrategyKind;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Go: go func() { for { select { case <-ctx.Done(): return; case <-time.After(d): reconnect() } }
// }() with a ctx nobody cancels.
void reconnect_loop(Done watched) {
  for (;;) {
    Recv<Duration> t;
    if (select(watched, {on_recv(after(10ms), t)}).status != Status::ok) return;
  }
}

RunOptions fifo() {
  RunOptions o;
  o.strategy.kind = StrategyKind::fifo;
  return o;
}

TEST(EndOfBody, ALoopWatchingANeverClosingDoneIsStillRunningWithinTheWindow) {
  Outcome out = run([](Done) { go("reconnect", [] { reconnect_loop(Done()); }); }, fifo());
  ASSERT_EQ(out.verdict, Verdict::still_running) << out.summary();
  ASSERT_TRUE(out.root_returned_at_step.has_value());
  // The window is leak_window_steps past root's return, far below max_steps.
  EXPECT_LE(out.steps, *out.root_returned_at_step + 5000 + 2) << out.summary();
  const std::string s = out.summary();
  EXPECT_TRUE(contains(s, "still running after")) << s;
  EXPECT_TRUE(contains(s, "root returned at step " + std::to_string(*out.root_returned_at_step)))
      << s;
  EXPECT_TRUE(contains(s, "root/reconnect keeps doing")) << s;
  EXPECT_TRUE(contains(s, "a Done that never closes")) << s;
  EXPECT_FALSE(out.clean());
  EXPECT_TRUE(out.unreclaimed.empty()) << s;
}

TEST(EndOfBody, ALoopWatchingADoneNobodyClosesNamesThatDone) {
  Outcome out = run(
      [](Done) {
        go("reconnect", [] {
          DoneSource ctx("ctx");  // Go: ctx, cancel := context.WithCancel(...); cancel never called
          reconnect_loop(ctx.done());
        });
      },
      fifo());
  ASSERT_EQ(out.verdict, Verdict::still_running) << out.summary();
  const FiberInfo f = test::find_path(out.live, "root/reconnect");
  EXPECT_FALSE(f.watched_done_closed);
  const std::string s = out.summary();
  EXPECT_TRUE(contains(s, "it watches done 'ctx', which nobody closed")) << s;
}

TEST(EndOfBody, ALoopWatchingNothingSaysItWatchesNoDone) {
  Outcome out = run(
      [](Done) {
        go("spin", [] {
          for (;;) fibercheck::yield();
        });
      },
      fifo());
  ASSERT_EQ(out.verdict, Verdict::still_running) << out.summary();
  EXPECT_TRUE(contains(out.summary(), "watches no done signal")) << out.summary();
  // yield() is where the spinning fiber is unwound: its thread is not parked.
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

// The same for a loop that only asks a channel whether it is closed, or how full.
TEST(EndOfBody, ALoopOnChannelQueriesIsReclaimed) {
  Outcome out = run(
      [](Done) {
        Chan<int> c(1, "c");
        go("spin", [c] {
          while (!c.closed() && c.size() < 2) {
          }
        });
      },
      fifo());
  ASSERT_EQ(out.verdict, Verdict::still_running) << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(EndOfBody, EveryStrategyReportsTheLoopWithinTheWindow) {
  for (StrategyKind k :
       {StrategyKind::random, StrategyKind::pct, StrategyKind::fifo, StrategyKind::replay}) {
    for (std::uint64_t seed = 1; seed <= 5; ++seed) {
      RunOptions o;
      o.strategy.kind = k;
      o.strategy.seed = seed;
      Outcome out = run([](Done) { go("reconnect", [] { reconnect_loop(Done()); }); }, o);
      EXPECT_EQ(out.verdict, Verdict::still_running)
          << sched::to_string(k) << " seed " << seed << ": " << out.summary();
      ASSERT_TRUE(out.root_returned_at_step.has_value());
      EXPECT_LE(out.steps, *out.root_returned_at_step + 5000 + 2)
          << sched::to_string(k) << " seed " << seed;
    }
  }
}

// Fibers that wind down after root returns are not blamed: the window is for loops.
TEST(EndOfBody, FibersThatEndAfterRootReturnsFinish) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    RunOptions o;
    o.strategy.kind = StrategyKind::random;
    o.strategy.seed = seed;
    Outcome out = run(
        [](Done) {
          Chan<int> c(0, "c");
          go("sender", [c] {
            for (int i = 0; i < 50; ++i) (void)c.send(Done(), i);
            c.close();
          });
          go("receiver", [c] {
            while (c.recv(Done())) {
            }
          });
        },
        o);
    EXPECT_EQ(out.verdict, Verdict::finished) << "seed " << seed << ": " << out.summary();
  }
}

// A cancellation still to come holds the window shut: the loop watches root's done,
// which closes at step 30000, after the window would have ended.
TEST(EndOfBody, APendingCancellationOpensTheWindowOnlyWhenItComes) {
  RunOptions o = fifo();
  o.cancel_at_step = 30000;
  Outcome out = run([](Done d) { go("reconnect", [d] { reconnect_loop(d); }); }, o);
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  ASSERT_TRUE(out.cancelled_at_step.has_value()) << out.summary();
  EXPECT_GE(*out.cancelled_at_step, 30000u) << out.summary();
}

TEST(EndOfBody, CancelWhenIdleClosesDoneAsRootReturns) {
  RunOptions o = fifo();
  o.cancel_when_idle = true;
  Outcome out = run([](Done d) { go("reconnect", [d] { reconnect_loop(d); }); }, o);
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  ASSERT_TRUE(out.cancelled_at_step.has_value()) << out.summary();
  ASSERT_TRUE(out.root_returned_at_step.has_value());
  EXPECT_EQ(*out.cancelled_at_step, *out.root_returned_at_step) << out.summary();
}

TEST(EndOfBody, AZeroWindowLeavesTheLoopToTheStepBudget) {
  RunOptions o = fifo();
  o.leak_window_steps = 0;
  o.max_steps = 30000;
  Outcome out = run([](Done) { go("reconnect", [] { reconnect_loop(Done()); }); }, o);
  EXPECT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
  EXPECT_GE(out.steps, 30000u);
}

// A loop running while root still runs is the step budget's, not the window's.
TEST(EndOfBody, ALoopBeforeRootReturnsIsStillTheStepBudgets) {
  RunOptions o = fifo();
  o.max_steps = 30000;
  Outcome out = run(
      [](Done) {
        for (;;) fibercheck::yield();
      },
      o);
  EXPECT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
}

TEST(EndOfBody, CheckReportsTheLiveLoopLeakAsStillRunning) {
  CheckOptions o;
  o.cases = 50;
  o.print = false;
  CheckResult r = check(
      [](Done) {
        go("reconnect", [] {
          DoneSource ctx("ctx");
          reconnect_loop(ctx.done());
        });
      },
      o);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.cases_run, 1u) << r.report;
  EXPECT_EQ(r.outcome.verdict, Verdict::still_running) << r.report;
  EXPECT_TRUE(contains(r.report, "still running")) << r.report;
  EXPECT_TRUE(contains(r.report, "which nobody closed")) << r.report;
  // Root returned and the loop watches its own ctx: not a server loop on root's done.
  EXPECT_FALSE(contains(r.report, "server loop")) << r.report;
}

// A loop on root's done, with root returned, is a server loop in a completion case:
// the report says how to declare it.
TEST(EndOfBody, CheckSuggestsCompletionOffForALoopOnRootsDone) {
  CheckOptions o;
  o.cases = 50;
  o.print = false;
  CheckResult r = check([](Done d) { go("serve", [d] { reconnect_loop(d); }); }, o);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.outcome.verdict, Verdict::still_running) << r.report;
  EXPECT_TRUE(contains(r.report, "it watches done 'root', which nobody closed")) << r.report;
  EXPECT_TRUE(contains(r.report, "CheckOptions::completion = false")) << r.report;
  o.completion = false;
  CheckResult served = check([](Done d) { go("serve", [d] { reconnect_loop(d); }); }, o);
  EXPECT_TRUE(served.ok) << served.report;
}

// Roots without a done: code ported from a Go test that uses context.Background().
TEST(VoidRoot, RunRejectsACancellationItCouldNeverDeliver) {
  RunOptions o;
  o.cancel_at_step = 3;
  EXPECT_THROW((void)run([] {}, o), std::invalid_argument);
  RunOptions idle;
  idle.cancel_when_idle = true;
  EXPECT_THROW((void)run([] {}, idle), std::invalid_argument);
}

TEST(VoidRoot, RunOfACorrectBodyFinishes) {
  int got = 0;
  Outcome out = run([&] {
    Chan<int> c(0, "c");
    go("sender", [c] { (void)c.send(Done(), 7); });
    if (auto v = c.recv(Done())) got = *v;
  });
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  EXPECT_FALSE(out.root_takes_done);
  EXPECT_EQ(got, 7);
}

void leaky_body() {
  Chan<int> results(0, "results");
  go("worker", [results] { (void)results.send(Done(), 1); });  // nobody receives
}

TEST(VoidRoot, CheckFindsALeakAndItsReportNeverMentionsRootsDone) {
  CheckOptions o;
  o.cases = 50;
  o.print = false;
  CheckResult r = check(std::function<void()>(leaky_body), o);
  ASSERT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.report, "root/worker")) << r.report;
  // The prose, above the machine-readable case line, says nothing of a cancellation.
  const std::string prose = r.report.substr(0, r.report.find("\ncase: "));
  EXPECT_FALSE(contains(prose, "root's done")) << r.report;
  EXPECT_FALSE(contains(prose, "done closed")) << r.report;
  EXPECT_FALSE(contains(prose, "cancel")) << r.report;
}

TEST(VoidRoot, CheckPassesACorrectBody) {
  CheckOptions o;
  o.cases = 100;
  o.print = false;
  CheckResult r = check(
      [] {
        Chan<int> c(1, "c");
        WaitGroup wg;
        wg.add(2);
        go("a", [c, &wg] {
          (void)c.send(Done(), 1);
          wg.done();
        });
        go("b", [c, &wg] {
          (void)c.recv(Done());
          wg.done();
        });
        wg.wait();
      },
      o);
  EXPECT_TRUE(r.ok) << r.report;
  EXPECT_EQ(r.cases_run, 100u);
}

TEST(VoidRoot, DfsTriesNoCancellationPoints) {
  auto body = [] {
    Chan<int> c(0, "c");
    go("a", [c] { (void)c.send(Done(), 1); });
    (void)c.recv(Done());
  };
  sched::ExploreReport plain = sched::explore(std::function<void()>(body));
  EXPECT_FALSE(plain.failed) << plain.outcome.summary();
  EXPECT_TRUE(plain.exhausted);
  EXPECT_EQ(plain.cancel_points, 1u);
  sched::ExploreReport with_done = sched::explore([&](Done) { body(); });
  EXPECT_FALSE(with_done.failed);
  EXPECT_LT(plain.schedules, with_done.schedules);
}

TEST(VoidRoot, DfsFindsTheLeak) {
  sched::ExploreReport r = sched::explore(std::function<void()>(leaky_body));
  EXPECT_TRUE(r.failed);
  EXPECT_TRUE(contains(r.outcome.summary(), "root/worker")) << r.outcome.summary();
}

}  // namespace
}  // namespace fibercheck
