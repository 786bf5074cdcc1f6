// Fairness before blame: whatever the strategy, a run turns fair after
// RunOptions::fair_after_steps, so correct code that polls is never starved into a
// step-budget verdict, and time still passes for a fiber that sleeps meanwhile.
#include <gtest/gtest.h>

#include <chrono>

#include "fibercheck/fibercheck.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;
using sched::StrategyKind;

// Correct Go: a poller spins on select-with-default until `closed` closes; the closer
// first receives a message from a third fiber. A schedule that keeps running the
// poller (replay's non-preemptive default, PCT with the poller on top) never lets the
// others run until the run turns fair.
void poll_until_closed(Done) {
  Chan<int> closed(0, "closed");
  Chan<int> msg(0, "msg");
  go("poller", [closed] {
    for (;;) {
      Recv<int> r;
      if (select_or_default(Done(), {on_recv(closed, r)}).index == 0) return;
    }
  });
  go("closer", [closed, msg] {
    (void)msg.recv();
    (void)closed.close();
  });
  go("sender", [msg] { (void)msg.send(1); });
}

TEST(Fair, ThePollerThatStarvesUnderTheNonPreemptiveDefaultEndsOnceTheRunTurnsFair) {
  RunOptions o = test::with(StrategyKind::replay);
  o.fair_after_steps = 500;
  Outcome out = run(poll_until_closed, o);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_GT(out.steps, 500u) << "the default starved the closer until the fair step";
  // The fair turn comes at half the step budget at the latest: a verdict of "step
  // budget exceeded" always had a fair half behind it.
  RunOptions late = test::with(StrategyKind::replay);
  late.fair_after_steps = UINT64_MAX;
  late.leak_window_steps = 0;
  late.max_steps = 20000;
  Outcome slow = run(poll_until_closed, late);
  EXPECT_TRUE(slow.clean()) << slow.summary();
  EXPECT_GT(slow.steps, 10000u);
  // Once root has returned it comes earlier: half the leak window later.
  late.leak_window_steps = 5000;
  Outcome windowed = run(poll_until_closed, late);
  EXPECT_TRUE(windowed.clean()) << windowed.summary();
  ASSERT_TRUE(windowed.root_returned_at_step.has_value());
  EXPECT_GT(windowed.steps, *windowed.root_returned_at_step + 2500);
  EXPECT_LT(windowed.steps, *windowed.root_returned_at_step + 5000);
}

TEST(Fair, CorrectPollingNeverFailsUnderAnyStrategy) {
  for (StrategyKind k :
       {StrategyKind::random, StrategyKind::pct, StrategyKind::fifo, StrategyKind::replay}) {
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
      RunOptions o = test::with(k, seed);
      o.max_steps = 40000;
      Outcome out = run(poll_until_closed, o);
      ASSERT_TRUE(out.clean()) << sched::to_string(k) << " seed " << seed << "\n" << out.summary();
    }
  }
}

// A fiber sleeps "to let the others run", while another polls for what the sleeper
// does after waking: time must pass even though a fiber is always runnable.
TEST(Fair, TimePassesForASleeperWhileAnotherPolls) {
  for (StrategyKind k : {StrategyKind::fifo, StrategyKind::replay, StrategyKind::pct}) {
    RunOptions o = test::with(k, 3);
    o.fair_after_steps = 1000;
    Outcome out = run(
        [](Done) {
          Chan<int> woke(0, "woke");
          go("sleeper", [woke] {
            (void)sleep_for(Done(), 5ms);
            (void)woke.close();
          });
          for (;;) {
            Recv<int> r;
            if (select_or_default(Done(), {on_recv(woke, r)}).index == 0) return;
          }
        },
        o);
    EXPECT_TRUE(out.clean()) << sched::to_string(k) << "\n" << out.summary();
    EXPECT_EQ(out.virtual_time, 5ms);
  }
}

TEST(Fair, TheFairPartIsReplayedExactly) {
  RunOptions o = test::with(StrategyKind::pct, 11);
  o.fair_after_steps = 300;
  Outcome first = run(poll_until_closed, o);
  ASSERT_TRUE(first.clean()) << first.summary();
  RunOptions replay = test::with(StrategyKind::replay);
  replay.strategy.choices = first.choices;
  replay.fair_after_steps = 300;
  Outcome again = run(poll_until_closed, replay);
  EXPECT_EQ(again.trace_hash, first.trace_hash);
  EXPECT_EQ(again.steps, first.steps);
}

}  // namespace
}  // namespace fibercheck
