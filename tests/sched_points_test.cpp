// Every synchronization operation is a scheduling point; yield() and choose(n) give
// code under test the scheduler's turn and a recorded value; timers race with work.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>

#include "fibercheck/fibercheck.hpp"
#include "fibercheck/sched/dfs.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;
using sched::StrategyKind;

// Fiber "a" runs `op(signal)`, then writes 'a' into the log; fiber "b" waits for
// a's `signal` (a channel close), then writes 'b'. `op` calls signal() just before the
// operation under test, so nothing else stands between them. Under FIFO a scheduling
// point in that operation hands the turn to b (ready since the signal, and ready
// longest): the log reads "ba". Without one, a goes on to its write: "ab".
using Signal = std::function<void()>;
std::string order_around(const std::function<void(const Signal&)>& op) {
  auto log = std::make_shared<std::string>();
  Outcome out = run(
      [&op, log](Done) {
        Chan<int> go_b(0, "go_b");
        Scope s{Done()};
        s.spawn("b", [go_b, log] {
          (void)go_b.recv();
          *log += 'b';
        });
        s.spawn("a", [go_b, log, &op] {
          op([go_b] { (void)go_b.close(); });
          *log += 'a';
        });
      },
      test::with(StrategyKind::fifo));
  EXPECT_TRUE(out.clean()) << out.summary();
  return *log;
}

// The common shape: signal, then the operation.
std::string order_around(const std::function<void()>& op) {
  return order_around([&op](const Signal& signal) {
    signal();
    op();
  });
}

TEST(SchedPoints, PlainCodeIsNoSchedulingPoint) {
  // The control for the tests below: without a point, a runs on to its write.
  EXPECT_EQ(order_around([] {}), "ab");
}

TEST(SchedPoints, ClosingAChannelIsASchedulingPoint) {
  Chan<int> c(1, "c");
  EXPECT_EQ(order_around([c] { (void)c.close(); }), "ba");
}

TEST(SchedPoints, CancellingADoneIsASchedulingPoint) {
  auto src = std::make_shared<DoneSource>("ctx");
  EXPECT_EQ(order_around([src] { (void)src->close(); }), "ba");
}

TEST(SchedPoints, ReadingWhetherADoneClosedIsASchedulingPoint) {
  DoneSource src("ctx");
  EXPECT_EQ(order_around([d = src.done()] { (void)d.closed(); }), "ba");
}

TEST(SchedPoints, UnlockingAMutexIsASchedulingPoint) {
  Mutex mu("mu");
  EXPECT_EQ(order_around([mu](const Signal& signal) {
              mu.lock();
              signal();
              mu.unlock();
            }),
            "ba");
}

TEST(SchedPoints, UnlockingEitherSideOfAnRwMutexIsASchedulingPoint) {
  SharedMutex rw("rw");
  EXPECT_EQ(order_around([rw](const Signal& signal) {
              rw.lock();
              signal();
              rw.unlock();
            }),
            "ba");
  EXPECT_EQ(order_around([rw](const Signal& signal) {
              rw.lock_shared();
              signal();
              rw.unlock_shared();
            }),
            "ba");
}

TEST(SchedPoints, WaitGroupAddAndDoneAreSchedulingPoints) {
  WaitGroup wg("wg");
  EXPECT_EQ(order_around([wg] { wg.add(1); }), "ba");
  EXPECT_EQ(order_around([wg] { wg.done(); }), "ba");
}

TEST(SchedPoints, NotifyingACondVarIsASchedulingPoint) {
  CondVar cv("cv");
  EXPECT_EQ(order_around([cv] { cv.notify_one(); }), "ba");
  EXPECT_EQ(order_around([cv] { cv.notify_all(); }), "ba");
}

TEST(SchedPoints, CompletingAOnceIsASchedulingPoint) {
  // The signal is the function's last act: the point b gets is the completion's.
  Once once("init");
  EXPECT_EQ(order_around([once](const Signal& signal) { once.call(signal); }), "ba");
}

TEST(SchedPoints, QueriesOfSharedStateAreSchedulingPoints) {
  Chan<int> c(1, "c");
  EXPECT_EQ(order_around([c] { (void)c.closed(); }), "ba");
  EXPECT_EQ(order_around([c] { (void)c.size(); }), "ba");
  WaitGroup wg("wg");
  EXPECT_EQ(order_around([wg] { (void)wg.outstanding(); }), "ba");
  Once once("init");
  EXPECT_EQ(order_around([once] { (void)once.done(); }), "ba");
}

TEST(SchedPoints, SpawningIsASchedulingPoint) {
  EXPECT_EQ(order_around([] { go("child", [] {}); }), "ba");
  EXPECT_EQ(order_around([] {
              Scope s{Done()};
              s.spawn("child", [] {});
              s.join();
            }),
            "ba");
  EXPECT_EQ(order_around([] {
              ErrGroup g{Done()};
              g.go("child", [] {});
              (void)g.wait();
            }),
            "ba");
}

TEST(SchedPoints, ArmingAndStoppingTimersAreSchedulingPoints) {
  EXPECT_EQ(order_around([] { (void)after(1ms); }), "ba");
  EXPECT_EQ(order_around([] { (void)with_timeout(Done(), 1ms, "t"); }), "ba");
  EXPECT_EQ(order_around([] {
              Ticker t(1ms);
              t.stop();
            }),
            "ba");
}

TEST(SchedPoints, YieldIsASchedulingPoint) {
  EXPECT_EQ(order_around([] { fibercheck::yield(); }), "ba");
}

TEST(SchedPoints, ZeroSleepIsASchedulingPointThatReturnsAtOnce) {
  EXPECT_EQ(order_around([] { EXPECT_EQ(sleep_for(Done(), 0ms), Status::ok); }), "ba");
  Outcome out = run([](Done) {
    EXPECT_EQ(sleep_for(Done(), 0ms), Status::ok);
    EXPECT_EQ(sleep_for(Done(), -5ms), Status::ok);
    EXPECT_EQ(now(), 0ns);  // no time passed: nobody had to block
  });
  EXPECT_TRUE(out.clean()) << out.summary();
}

// Both orders of a spawn are reachable: the child first, or the parent going on.
TEST(SchedPoints, SpawnLetsTheChildOrTheParentGoFirst) {
  std::set<std::string> seen;
  for (std::uint64_t seed = 0; seed < 64; ++seed) {
    auto log = std::make_shared<std::string>();
    Outcome out = run(
        [log](Done) {
          go("child", [log] { *log += 'c'; });
          *log += 'p';
        },
        test::with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    seen.insert(*log);
  }
  EXPECT_EQ(seen, (std::set<std::string>{"cp", "pc"}));
}

// The stopper of a real database (Go: a fifth of runs leak), with no sleeps to force
// the order: the worker finds `stop` open, the root closes it, the consumer leaves
// through `stop`, and the worker's plain send leaks.
void stopper(Done) {
  Chan<int> events(0, "events");
  DoneSource stop("stop");
  go("worker", [events, d = stop.done()] {
    if (d.closed()) return;  // select { case <-stop: return; default: }
    (void)events.send(1);    // plain send: Go leaks here
  });
  go("consumer", [events, d = stop.done()] {
    Recv<int> e;
    (void)select(d, {on_recv(events, e)});
  });
  stop.close();
}

TEST(SchedPoints, TheStopperLeakIsReachableByRandomSchedules) {
  int leaks = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    Outcome out = run(stopper, test::with(StrategyKind::random, seed));
    if (out.verdict == Verdict::quiescent) {
      ++leaks;
      ASSERT_EQ(out.live.size(), 1u) << out.summary();
      EXPECT_EQ(out.live[0].path, "root/worker");
    } else {
      ASSERT_TRUE(out.clean()) << out.summary();
    }
  }
  EXPECT_GT(leaks, 0);
  EXPECT_LT(leaks, 200);
}

TEST(SchedPoints, DfsFindsTheStopperLeakAndDoesNotCallTheSpaceExhausted) {
  sched::ExploreReport r = sched::explore(stopper);
  EXPECT_TRUE(r.failed) << r.summary({});
  EXPECT_FALSE(r.exhausted);
  ASSERT_TRUE(r.failure.has_value());
  EXPECT_EQ(r.outcome.verdict, Verdict::quiescent) << r.outcome.summary();
}

// choose(n): recorded, replayed, enumerated.
TEST(Choose, IsRecordedAndReplayedExactly) {
  auto values = std::make_shared<std::vector<std::size_t>>();
  auto root = [values](Done) {
    for (int i = 0; i < 8; ++i) values->push_back(choose(5));
  };
  Outcome first = run(root, test::with(StrategyKind::random, 7));
  ASSERT_TRUE(first.clean());
  const std::vector<std::size_t> recorded = *values;
  for (std::size_t v : recorded) EXPECT_LT(v, 5u);
  EXPECT_EQ(first.choices.size(), 8u);  // one recorded choice per call
  values->clear();
  RunOptions replay;
  replay.strategy.kind = StrategyKind::replay;
  replay.strategy.choices = first.choices;
  Outcome again = run(root, replay);
  EXPECT_EQ(*values, recorded);
  EXPECT_EQ(again.trace_hash, first.trace_hash);
}

TEST(Choose, DfsEnumeratesEveryValueWhateverThePreemptionBound) {
  auto seen = std::make_shared<std::set<std::pair<std::size_t, std::size_t>>>();
  sched::ExploreOptions o;
  o.max_preemptions = 0;
  o.cancellation_points = false;
  sched::ExploreReport r = sched::explore(
      [seen](Done) {
        const std::size_t a = choose(3);
        const std::size_t b = choose(2);
        seen->insert({a, b});
      },
      o);
  EXPECT_TRUE(r.exhausted) << r.summary(o);
  EXPECT_EQ(r.schedules, 6u);
  EXPECT_EQ(seen->size(), 6u);
}

TEST(Choose, OneOptionRecordsNothingAndZeroIsRejected) {
  Outcome out = run([](Done) {
    EXPECT_EQ(choose(1), 0u);
    EXPECT_THROW((void)choose(0), std::invalid_argument);
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(out.choices.empty());
}

TEST(Choose, OutsideARunDrawsInRange) {
  std::set<std::size_t> seen;
  for (int i = 0; i < 200; ++i) seen.insert(choose(4));
  EXPECT_EQ(seen, (std::set<std::size_t>{0, 1, 2, 3}));
}

// Work that takes "2 ms" against a 1 ms timeout: the timeout may fire while the work
// is still runnable, so both results are reachable.
Status timed_work(Done done, int steps) {
  DoneSource ctx = with_timeout(done, 1ms, "request");
  Chan<int> result(1, "result");
  go("work", [result, steps] {
    for (int i = 0; i < steps; ++i) fibercheck::yield();
    (void)result.try_send(1);
  });
  Recv<int> v;
  const Selected r = select(ctx.done(), {on_recv(result, v)});
  return r.index == 0 ? Status::ok : Status::cancelled;
}

TEST(Timers, ATimerMayFireWhileWorkIsStillRunnable) {
  std::set<Status> seen;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    auto got = std::make_shared<Status>(Status::would_block);
    Outcome out =
        run([got](Done d) { *got = timed_work(d, 3); }, test::with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
    seen.insert(*got);
    if (*got == Status::cancelled) {
      EXPECT_EQ(out.virtual_time, 1ms);
    }
  }
  EXPECT_EQ(seen, (std::set<Status>{Status::ok, Status::cancelled}));
}

TEST(Timers, FifoAndTheNonPreemptiveDefaultNeverFireATimerEarly) {
  for (StrategyKind k : {StrategyKind::fifo, StrategyKind::replay}) {
    auto got = std::make_shared<Status>(Status::would_block);
    Outcome out = run([got](Done d) { *got = timed_work(d, 3); }, test::with(k));
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(*got, Status::ok);
    EXPECT_EQ(out.virtual_time, 0ns);
  }
}

TEST(Timers, DfsReachesTheTimeoutAndReplayReproducesIt) {
  auto got = std::make_shared<std::set<Status>>();
  sched::ExploreOptions o;
  o.cancellation_points = false;
  o.max_preemptions = 1;
  sched::ExploreReport r = sched::explore([got](Done d) { got->insert(timed_work(d, 2)); }, o);
  EXPECT_TRUE(r.exhausted) << r.summary(o);
  EXPECT_EQ(*got, (std::set<Status>{Status::ok, Status::cancelled}));

  // A run that timed out, replayed from its choices, times out again.
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    auto status = std::make_shared<Status>();
    auto root = [status](Done d) { *status = timed_work(d, 3); };
    Outcome out = run(root, test::with(StrategyKind::random, seed));
    if (*status != Status::cancelled) continue;
    RunOptions replay;
    replay.strategy.kind = StrategyKind::replay;
    replay.strategy.choices = out.choices;
    *status = Status::ok;
    Outcome again = run(root, replay);
    EXPECT_EQ(*status, Status::cancelled);
    EXPECT_EQ(again.trace_hash, out.trace_hash);
    EXPECT_EQ(again.virtual_time, out.virtual_time);
    return;
  }
  FAIL() << "no random seed fired the timeout early";
}

TEST(Timers, EarlyTimersFireInDeadlineOrderAndTheClockNeverGoesBack) {
  int both = 0;
  for (std::uint64_t seed = 0; seed < 100; ++seed) {
    Outcome out = run(
        [&both](Done) {
          // Each timer's value is the time it fired: its deadline, never earlier or later.
          // Arming is a scheduling point (a timer may fire there), after which the clock
          // stands still until after() returns: now() then is the arming time.
          Chan<Duration> late = after(2ms);
          const Duration late_due = now() + 2ms;
          Chan<Duration> early = after(1ms);
          const Duration early_due = now() + 1ms;
          int got_early = -1;
          int got_late = -1;
          for (int i = 0; i < 40 && (got_early < 0 || got_late < 0); ++i) {
            if (got_early < 0) {
              Recv<Duration> t = early.try_recv();
              if (t) {
                EXPECT_EQ(*t, early_due);
                got_early = i;
              }
            }
            if (got_late < 0) {
              Recv<Duration> t = late.try_recv();
              if (t) {
                EXPECT_EQ(*t, late_due);
                got_late = i;
              }
            }
            const Duration before = now();
            fibercheck::yield();
            EXPECT_GE(now(), before);
          }
          if (got_early >= 0 && got_late >= 0) {
            ++both;
            if (early_due < late_due) {
              EXPECT_LE(got_early, got_late);
            } else if (late_due < early_due) {
              EXPECT_LE(got_late, got_early);
            }
          }
        },
        test::with(StrategyKind::random, seed));
    ASSERT_TRUE(out.clean()) << out.summary();
  }
  EXPECT_GT(both, 0);
}

TEST(Timers, NoTimerFiresEarlyPastTheTimeBudget) {
  for (std::uint64_t seed = 0; seed < 50; ++seed) {
    RunOptions o = test::with(StrategyKind::random, seed);
    o.max_virtual_time = 1ms;
    Outcome out = run(
        [](Done) {
          Chan<Duration> t = after(5ms);
          for (int i = 0; i < 20; ++i) fibercheck::yield();
          EXPECT_EQ(now(), 0ns);
          (void)t;
        },
        o);
    EXPECT_TRUE(out.clean()) << out.summary();
  }
}

}  // namespace
}  // namespace fibercheck
