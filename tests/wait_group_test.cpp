// Unit tests for wait_group.hpp: waiting for workers, the census line for a wait on
// a leaked worker, cancellation, misuse, reclaim of a blocked wait.
#include "fibercheck/wait_group.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "fibercheck/chan.hpp"
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

TEST(WaitGroup, WaitReturnsOnceEveryWorkerIsDone) {
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
      int finished = 0, seen_at_wait = -1;
      Outcome out = run(
          [&](Done) {
            WaitGroup wg("workers");
            for (int i = 0; i < 4; ++i) {
              wg.add(1);
              go("worker", [&, wg] {
                test::sched_point();
                ++finished;
                wg.done();
              });
            }
            wg.wait();
            seen_at_wait = finished;
          },
          with(kind, seed));
      ASSERT_TRUE(out.clean()) << out.summary();
      EXPECT_EQ(seen_at_wait, 4) << "seed " << seed;
    }
  }
}

TEST(WaitGroup, WaitWithNothingOutstandingReturnsAtOnce) {
  bool returned = false;
  Outcome out = run([&](Done) {
    WaitGroup wg;
    wg.wait();
    returned = wg.outstanding() == 0;
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(returned);
}

// Go: a worker blocks on a send nobody reads, so wg.Wait() never returns.
TEST(WaitGroup, WaitOnLeakedWorkersShowsHowManyAreOutstanding) {
  bool root_unwound = false;
  Outcome out = run([&](Done) {
    Unwound u{&root_unwound};
    WaitGroup wg("workers");
    Chan<int> results(0, "results");
    for (int i = 0; i < 2; ++i) {
      wg.add(1);
      go("worker-" + std::to_string(i), [wg, results, i] {
        (void)results.send(i);  // nobody receives
        wg.done();
      });
    }
    wg.wait();
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_EQ(test::find_path(out.live, "root").blocked_on,
            "wait on waitgroup 'workers' (2 outstanding)")
      << out.summary();
  EXPECT_EQ(
      test::find_path(out.live, "root/worker-0").blocked_on.rfind("send on chan 'results'", 0), 0u);
  EXPECT_TRUE(root_unwound);
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(WaitGroup, WaitWithADoneReturnsCancelledWhenItCloses) {
  Status st = Status::ok;
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [&](Done done) {
        WaitGroup wg("stuck");
        wg.add(1);
        st = wg.wait(done);
        wg.done();
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, Status::cancelled);
}

TEST(WaitGroup, DrivingTheCounterBelowZeroThrowsInvalidArgument) {
  bool threw = false;
  Outcome out = run([&](Done) {
    WaitGroup wg;
    wg.add(1);
    wg.done();
    try {
      wg.done();
    } catch (const std::invalid_argument&) {
      threw = true;
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(threw);
}

}  // namespace
}  // namespace fibercheck
