// Leak patterns documented in real Go projects (examples/real_world/), each in a buggy
// and a fixed form: fibercheck catches every buggy form on every schedule tried and
// names the stuck fiber and what it is stuck on; every fixed form is clean under
// random and PCT schedules with the root's done closed at many points.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "fibercheck/harness/check.hpp"
#include "fibercheck/sched/dfs.hpp"
#include "real_world/balancer_lock.hpp"
#include "real_world/close_loop.hpp"
#include "real_world/finish_request.hpp"
#include "real_world/heartbeat_locks.hpp"
#include "real_world/node_status.hpp"
#include "real_world/poller.hpp"
#include "real_world/stopper.hpp"
#include "real_world/worker_queues.hpp"

namespace {

using fibercheck::Outcome;
using fibercheck::RunOptions;
using fibercheck::sched::StrategyKind;
using namespace examples::real_world;

struct Example {
  std::string name;
  void (*buggy)(fibercheck::Done);
  void (*fixed)(fibercheck::Done);
  // Census path of a stuck fiber, and what it is stuck on (its wait or its last op).
  std::vector<std::pair<std::string, std::string>> stuck;
  std::string report;  // also in the report, when not empty
  // Caught, with every stuck fiber above named, on every schedule tried. False where
  // the sleeps that set the order can be overtaken (a timer may fire while work is
  // runnable) or nothing forces the order: then some seeds must show exactly the
  // stuck fibers above, and every schedule that fails must name one of them.
  bool every_schedule = true;
};

// Names the parameter in test output instead of dumping its bytes.
void PrintTo(const Example& e, std::ostream* os) { *os << e.name; }

const std::vector<Example>& examples() {
  static const std::vector<Example> all = {
      {"kubernetes_5316_finish_request",
       finish_request_buggy,
       finish_request_fixed,
       {{"root/fn", "send on chan 'result' (cap 0"}},
       "",
       false},
      {"grpc_660_close_loop",
       close_loop_buggy,
       close_loop_fixed,
       {{"root/unary-call", "send on chan 'done' (cap 0"}},
       ""},
      {"grpc_1353_lock_held_across_send",
       balancer_lock_buggy,
       balancer_lock_fixed,
       {{"root/balancer", "send on chan 'addrCh' (cap 0"},
        {"root/lbWatcher", "lock of mutex 'rr.mu' held by #2 root/balancer since step"}},
       "waits for #2 root/balancer, which is itself blocked: send on chan 'addrCh'"},
      {"cockroach_1462_stopper",
       stopper_buggy,
       stopper_fixed,
       {{"root", "wait on waitgroup 'stopper' (1 outstanding)"},
        {"root/transport", "send on chan 'events' (cap 0"}},
       "",
       false},
      {"cockroach_10214_lock_order",
       heartbeat_locks_buggy,
       heartbeat_locks_fixed,
       {{"root/sendQueuedHeartbeats", "lock of mutex 'raftMu' held by #3 root/tick"},
        {"root/tick", "lock of mutex 'coalescedMu' held by #2 root/sendQueuedHeartbeats"}},
       "deadlock: lock-order cycle of 2 fibers"},
      {"kubernetes_58107_rlock_across_wait",
       worker_queues_buggy,
       worker_queues_fixed,
       {{"root/worker-missing-usage", "wait on condvar 'missingUsageQueue'"},
        {"root/sync",
         "lock of rwmutex 'workerLock' held by 1 reader(s): #2 root/worker-missing-usage"},
        {"root/worker-primary",
         "read lock of rwmutex 'workerLock' queued behind writer #3 root/sync"}},
       "which is itself blocked: wait on condvar 'missingUsageQueue'",
       false},
      {"etcd_6857_status_after_stop",
       node_status_buggy,
       node_status_fixed,
       {{"root/status-reader", "send on chan 'n.status' (cap 0"}},
       "",
       false},  // the reader's sleep can be overtaken: it may ask before the stop
      {"kubernetes_70277_poller",
       poller_buggy,
       poller_fixed,
       {{"root/poller", "chan '"}},  // the ticker it waits on, or the poll it drops
       "last op: "},
  };
  return all;
}

class RealWorld : public ::testing::TestWithParam<Example> {};

std::string stuck_on(const fibercheck::FiberInfo& f) { return f.blocked_on + " | " + f.last_op; }

// Random schedules: two of the bugs (the AB-BA lock order, the lock held across a
// send) need a switch inside a short window, which PCT with its default depth and
// length finds on only some seeds, while random scheduling finds it on every seed.
TEST_P(RealWorld, BuggyFormIsCaughtAndTheReportNamesTheFiberAndThePrimitive) {
  const Example& ex = GetParam();
  int exactly = 0;
  const std::uint64_t seeds = ex.every_schedule ? 10 : 100;
  for (std::uint64_t seed = 0; seed < seeds; ++seed) {
    RunOptions opt;
    opt.strategy.kind = StrategyKind::random;
    opt.strategy.seed = seed;
    opt.cancel_when_idle = true;
    opt.max_steps = 20000;
    const Outcome out = fibercheck::run(ex.buggy, opt);
    const std::string report = out.summary();
    if (!ex.every_schedule && out.clean()) continue;
    ASSERT_FALSE(out.clean()) << "seed " << seed;
    EXPECT_TRUE(out.unreclaimed.empty()) << report;
    std::size_t named = 0;
    for (const auto& [path, primitive] : ex.stuck) {
      bool found = false;
      for (const fibercheck::FiberInfo& f : out.live)
        found = found || (f.path == path && stuck_on(f).find(primitive) != std::string::npos);
      named += found ? 1 : 0;
      if (ex.every_schedule) {
        EXPECT_TRUE(found) << "expected " << path << " stuck on \"" << primitive << "\" (seed "
                           << seed << ")\n"
                           << report;
      }
    }
    EXPECT_GT(named, 0u) << "seed " << seed << " names none of the expected fibers\n" << report;
    if (named == ex.stuck.size() &&
        (ex.report.empty() || report.find(ex.report) != std::string::npos))
      ++exactly;
    if (ex.every_schedule && !ex.report.empty()) {
      EXPECT_NE(report.find(ex.report), std::string::npos) << report;
    }
  }
  EXPECT_GT(exactly, 0) << "no seed of " << seeds << " showed the stuck fibers expected";
}

// Every buggy form is found by check() with its defaults, and the fixed form passes it.
TEST_P(RealWorld, CheckWithDefaultsFindsTheBuggyFormAndPassesTheFixedOne) {
  const Example& ex = GetParam();
  fibercheck::CheckOptions o;
  o.print = false;
  const fibercheck::CheckResult buggy = fibercheck::check(ex.buggy, o);
  EXPECT_FALSE(buggy.ok) << "check() missed it in " << buggy.cases_run << " cases";
  const fibercheck::CheckResult fixed = fibercheck::check(ex.fixed, o);
  EXPECT_TRUE(fixed.ok) << fixed.report;
}

// The DFS explorer finds every buggy form, and no schedule of a fixed form within its
// bounds fails.
TEST_P(RealWorld, DfsFindsTheBuggyFormAndNoScheduleOfTheFixedOneFails) {
  const Example& ex = GetParam();
  fibercheck::sched::ExploreOptions o;
  o.max_runs = 20000;
  const fibercheck::sched::ExploreReport buggy = fibercheck::sched::explore(ex.buggy, o);
  EXPECT_TRUE(buggy.failed) << buggy.summary(o);
  EXPECT_FALSE(buggy.exhausted);
  o.max_runs = 3000;  // a sample of the fixed forms' spaces (several exhaust within it)
  const fibercheck::sched::ExploreReport fixed = fibercheck::sched::explore(ex.fixed, o);
  EXPECT_FALSE(fixed.failed) << fixed.outcome.summary();
  std::printf("%s: buggy %s; fixed %s\n", ex.name.c_str(), buggy.summary(o).c_str(),
              fixed.summary(o).c_str());
}

// The stopper leak without sleeps: check() with its defaults and the DFS explorer
// both find it, and the report names the leaked worker's send.
TEST(RealWorldStopper, CheckAndDfsFindTheLeakThatNoSleepForces) {
  fibercheck::CheckOptions o;
  o.print = false;
  const fibercheck::CheckResult r = fibercheck::check(stopper_buggy, o);
  ASSERT_FALSE(r.ok) << "check() missed it in " << r.cases_run << " cases";
  EXPECT_NE(r.report.find("root/transport"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("send on chan 'events'"), std::string::npos) << r.report;

  const fibercheck::sched::ExploreReport x = fibercheck::sched::explore(stopper_buggy);
  EXPECT_TRUE(x.failed) << x.summary({});
  EXPECT_FALSE(x.exhausted);

  fibercheck::CheckOptions fixed;
  fixed.print = false;
  EXPECT_TRUE(fibercheck::check(stopper_fixed, fixed)) << "the fixed form failed";
  fibercheck::sched::ExploreOptions bounds;
  const fibercheck::sched::ExploreReport fx = fibercheck::sched::explore(stopper_fixed, bounds);
  EXPECT_FALSE(fx.failed) << fx.outcome.summary();
  EXPECT_TRUE(fx.exhausted) << fx.summary(bounds);
}

TEST_P(RealWorld, FixedFormIsCleanUnderEveryScheduleAndCancellationPoint) {
  const Example& ex = GetParam();
  const std::uint64_t cancel_points[] = {0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89};
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 12; ++seed) {
      for (std::uint64_t at : cancel_points) {
        RunOptions opt;
        opt.strategy.kind = kind;
        opt.strategy.seed = seed;
        opt.max_steps = 20000;
        if (at != 0) opt.cancel_at_step = at;
        const Outcome out = fibercheck::run(ex.fixed, opt);
        ASSERT_TRUE(out.clean()) << fibercheck::sched::to_string(kind) << " seed " << seed
                                 << " cancel at step " << at << ":\n"
                                 << out.summary();
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, RealWorld, ::testing::ValuesIn(examples()),
                         [](const ::testing::TestParamInfo<Example>& info) {
                           return info.param.name;
                         });

}  // namespace
