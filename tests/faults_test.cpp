// Faults in the code under test: each is written against the public API, run
// through fibercheck::run and through the harness (a user kind), and must give a
// clear report while the next case still runs clean.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "explore/runner.hpp"
#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/kind.hpp"
#include "fibercheck/harness/rapidcheck.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using harness::CaseOutcome;
using harness::CaseSpec;
using harness::CaseVerdict;
using harness::NodeRun;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Prints the report the fault produced, so the test log shows what a user sees.
void show(const std::string& report) { std::printf("---- report:\n%s\n----\n", report.c_str()); }

// A correct root that must run clean after any fault.
void correct_pipeline(Done done) {
  Chan<int> numbers(0, "numbers");
  Scope s(done, "pipeline");
  s.spawn("generate", [numbers](Done d) {
    for (int i = 0; i < 50; ++i)
      if (numbers.send(d, i) != Status::ok) return;
    numbers.close();
  });
  int sum = 0;
  while (auto v = numbers.recv(done)) sum += *v;
  s.join();
  if (sum != 49 * 50 / 2) throw std::logic_error("pipeline lost values");
}

void expect_next_run_clean() {
  Outcome next = run(correct_pipeline);
  EXPECT_TRUE(next.clean()) << next.summary();
  EXPECT_TRUE(next.unreclaimed.empty()) << next.summary();
}

// Registers a user kind whose process is `start` (once per process).
const harness::KindInfo& user_kind(const std::string& name, std::function<void(NodeRun&)> start) {
  if (const harness::KindInfo* k = harness::find_kind(name)) return *k;
  harness::KindInfo k;
  k.name = name;
  k.description = name + ": a fault planted by faults_test";
  k.start = std::move(start);
  harness::register_kind(std::move(k));
  return *harness::find_kind(name);
}

CaseOutcome run_kind(const std::string& kind, std::uint64_t max_steps = 20000) {
  CaseSpec spec;
  spec.topology.kind = kind;
  spec.max_steps = max_steps;
  return harness::run_case(spec);
}

void expect_next_case_clean() {
  CaseSpec spec;
  spec.topology.kind = "sink";
  CaseOutcome next = harness::run_case(spec);
  EXPECT_EQ(next.verdict, CaseVerdict::clean) << next.run.summary();
}

// ---- an exception in a fiber ----

TEST(Faults, ExceptionInAJoinedChildNamesTheChild) {
  Outcome out = run([](Done done) {
    Scope s(done);
    s.spawn("worker", [] { throw std::runtime_error("disk full"); });
    s.join();
  });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_TRUE(contains(out.summary(), "fiber 'root/worker' threw: disk full")) << out.summary();
  show(out.summary());
  expect_next_run_clean();
}

TEST(Faults, ExceptionInAnUnjoinedFiberStopsTheRun) {
  Outcome out = run([](Done done) {
    go("orphan", [] { throw std::out_of_range("index 7"); });
    done.wait();
  });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_EQ(out.error_path, "root/orphan");
  EXPECT_EQ(out.error, "index 7");
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
  show(out.summary());
  expect_next_run_clean();
}

TEST(Faults, ExceptionInAUserKindIsTheCaseVerdict) {
  user_kind("fault-throw", [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope s(r.done);
    s.spawn("thrower", [] { throw std::runtime_error("bad frame"); });
    s.join();
  });
  CaseOutcome out = run_kind("fault-throw");
  EXPECT_EQ(out.verdict, CaseVerdict::exception) << out.run.summary();
  EXPECT_TRUE(contains(out.run.summary(), "thrower' threw: bad frame")) << out.run.summary();
  show(out.run.summary());
  expect_next_case_clean();
}

// ---- RC_ASSERT inside a fiber ----

TEST(Faults, RcAssertInAFiberIsReportedWithItsExpression) {
  Outcome out = run([](Done done) {
    Scope s(done);
    s.spawn("checker", [] {
      const int balance = 3;
      RC_ASSERT(balance == 4);
    });
    s.join();
  });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_TRUE(contains(out.summary(), "fiber 'root/checker' threw: RapidCheck assertion"))
      << out.summary();
  EXPECT_TRUE(contains(out.summary(), "balance == 4")) << out.summary();
  show(out.summary());
  expect_next_run_clean();
}

TEST(Faults, RcAssertInAFiberFailsThePropertyInsteadOfTerminating) {
  // The property rethrows what escaped the run: RapidCheck sees a failure with the
  // fiber's path and the assertion, and the process carries on.
  const bool passed = rc::check("rc-assert-in-fiber", [](const std::vector<int>& v) {
    Outcome out = run([&v](Done done) {
      Scope s(done);
      s.spawn("checker", [&v] { RC_ASSERT(v.size() > 100000u); });
      s.join();
    });
    if (out.exception) std::rethrow_exception(out.exception);
  });
  EXPECT_FALSE(passed);
  expect_next_run_clean();
}

TEST(Faults, RcAssertInAUserKindIsTheCaseVerdict) {
  user_kind("fault-rc-assert", [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    go("asserter", [] { RC_ASSERT(1 + 1 == 3); });
    r.drain(r.in);
  });
  CaseOutcome out = run_kind("fault-rc-assert");
  EXPECT_EQ(out.verdict, CaseVerdict::exception) << out.run.summary();
  EXPECT_TRUE(contains(out.run.error, "RapidCheck assertion")) << out.run.summary();
  show(out.run.summary());
  expect_next_case_clean();
}

// ---- a loop that never blocks ----

TEST(Faults, YieldingLoopTripsTheStepBudgetAndIsParked) {
  RunOptions opt;
  opt.max_steps = 5000;
  Outcome out = run(
      [](Done) {
        go("spinner", [] {
          for (;;) boost::this_fiber::yield();
        });
      },
      opt);
  EXPECT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
  EXPECT_TRUE(contains(out.summary(), "root/spinner")) << out.summary();
  // A bare boost yield never enters fibercheck, so the unwind cannot reach it.
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  EXPECT_TRUE(contains(out.summary(), "kept running after it was told to unwind")) << out.summary();
  show(out.summary());
  expect_next_run_clean();
}

TEST(Faults, PollingLoopInAUserKindIsABudgetVerdictAndIsReclaimed) {
  user_kind("fault-spin", [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Chan<int> never(0, "never");
    for (;;) (void)never.try_recv();  // ignores done and never blocks
  });
  CaseOutcome out = run_kind("fault-spin", 3000);
  EXPECT_EQ(out.verdict, CaseVerdict::budget_exceeded) << out.run.summary();
  EXPECT_TRUE(contains(out.run.summary(), "try_recv on chan 'never'")) << out.run.summary();
  EXPECT_TRUE(out.run.unreclaimed.empty()) << out.run.summary();
  show(out.run.summary());
  expect_next_case_clean();
}

// ---- a catch (...) that swallows the unwind ----

void stubborn(Done done) {
  go("stubborn", [] {
    Chan<int> never(0, "never");
    for (;;) {
      try {
        (void)never.recv(Done());
      } catch (...) {
        // swallows everything, fibercheck's unwind included
      }
    }
  });
  done.wait();
}

TEST(Faults, SwallowedUnwindIsReportedAndTheThreadParked) {
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(stubborn, opt);
  EXPECT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  EXPECT_EQ(out.unreclaimed[0].path, "root/stubborn");
  EXPECT_TRUE(contains(out.summary(), "a catch (...) that swallows fibercheck's unwind"))
      << out.summary();
  show(out.summary());
  expect_next_run_clean();
}

TEST(Faults, SwallowedUnwindInAUserKindIsReportedAndTheNextCaseRuns) {
  user_kind("fault-swallow", [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    for (;;) {
      try {
        r.drain(r.in);
        r.done.wait();
        (void)Chan<int>(0, "never").recv(Done());
      } catch (...) {
      }
    }
  });
  CaseOutcome out = run_kind("fault-swallow");
  ASSERT_FALSE(out.run.unreclaimed.empty()) << out.run.summary();
  EXPECT_TRUE(contains(out.run.summary(), "swallows fibercheck's unwind")) << out.run.summary();
  show(out.run.summary());
  expect_next_case_clean();
}

// ---- a fiber blocked on a plain Boost primitive ----

TEST(Faults, FiberPushingIntoABoostUnbufferedChannelIsUnreclaimable) {
  Outcome out = run([](Done) {
    // Leaked on purpose: a fiber blocked on it never wakes and it must outlive the test.
    auto* ch = new boost::fibers::unbuffered_channel<int>;
    go("locker", [ch] { ch->push(1); });  // nobody receives
  });
  EXPECT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  EXPECT_EQ(out.unreclaimed[0].path, "root/locker");
  EXPECT_TRUE(contains(out.summary(), "parked in boost::fibers::unbuffered_channel::push"))
      << out.summary();
  show(out.summary());
  expect_next_run_clean();
}

TEST(Faults, FiberBlockedOnABoostChannelInAUserKindIsReported) {
  user_kind("fault-boost-channel", [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    auto* ch = new boost::fibers::unbuffered_channel<int>;  // never freed: see above
    (void)ch->push(1);
  });
  CaseOutcome out = run_kind("fault-boost-channel");
  EXPECT_NE(out.verdict, CaseVerdict::clean) << out.run.summary();
  ASSERT_EQ(out.run.unreclaimed.size(), 1u) << out.run.summary();
  EXPECT_TRUE(contains(out.run.summary(), "unbuffered_channel::push")) << out.run.summary();
  show(out.run.summary());
  expect_next_case_clean();
}

TEST(FaultsDeathTest, ProcessWithParkedCaseThreadsExitsNormally) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        for (int i = 0; i < 3; ++i) {
          Outcome out = run([](Done) {
            go("stuck", [] {
              // Nobody receives: the pushed value stays on this fiber's stack, so it cannot
              // be unwound. Never freed: the fiber never wakes.
              auto* ch = new boost::fibers::unbuffered_channel<int>;
              ch->push(1);
            });
          });
          if (out.unreclaimed.size() != 1) std::exit(3);
        }
        std::fprintf(stderr, "three case threads parked\n");
        std::exit(0);
      },
      ::testing::ExitedWithCode(0), "three case threads parked");
}

// ---- stack overflow on a guard-page stack ----

// Recursion the optimiser cannot turn into a loop, far deeper than any stack.
volatile int g_depth_limit = 1 << 30;
int deep(volatile char* up, int n) {
  if (n > g_depth_limit) return 0;
  volatile char frame[512];
  frame[0] = static_cast<char>(n);
  frame[511] = up ? up[0] : 0;
  return deep(frame, n + 1) + frame[511];
}

TEST(FaultsDeathTest, StackOverflowOnAGuardPageNamesTheFiber) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  RunOptions opt;
  opt.guard_pages = true;
  EXPECT_DEATH(
      {
        Outcome out = run(
            [](Done done) {
              Scope s(done);
              s.spawn("deep", [] { (void)deep(nullptr, 0); });
              s.join();
            },
            opt);
        std::fprintf(stderr, "survived: %s\n", out.summary().c_str());
      },
      "fiber 'root/deep' overflowed its stack of 64 KiB \\(hit the guard page");
}

TEST(Faults, GuardPageStacksRunCorrectCode) {
  RunOptions opt;
  opt.guard_pages = true;
  Outcome out = run(correct_pipeline, opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  expect_next_run_clean();
}

// ---- a scope destroyed from inside one of its children ----

TEST(Faults, ScopeDestroyedInsideItsChildIsReportedNotADeadlock) {
  Outcome out = run([](Done done) {
    auto holder = std::make_shared<std::unique_ptr<Scope>>(std::make_unique<Scope>(done, "doomed"));
    Scope& s = **holder;
    s.spawn("sibling", [](Done d) { d.wait(); });
    s.spawn("destroyer", [holder] { holder->reset(); });
  });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_EQ(out.error_path, "root/destroyer");
  EXPECT_TRUE(
      contains(out.error, "scope 'doomed' was destroyed inside its own child 'root/destroyer'"))
      << out.summary();
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
  show(out.summary());
  expect_next_run_clean();
}

TEST(Faults, ScopeDestroyedInsideAGrandchildIsReported) {
  user_kind("fault-scope-in-child", [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    auto holder = std::make_shared<std::unique_ptr<Scope>>(std::make_unique<Scope>(r.done, "own"));
    (*holder)->spawn("child", [holder](Done d) {
      Scope inner(d, "inner");
      inner.spawn("grandchild", [holder] { holder->reset(); });
      inner.join();
    });
    r.drain(r.in);
    r.done.wait();
  });
  CaseOutcome out = run_kind("fault-scope-in-child");
  EXPECT_EQ(out.verdict, CaseVerdict::exception) << out.run.summary();
  EXPECT_TRUE(contains(out.run.error, "scope 'own' was destroyed inside its own child"))
      << out.run.summary();
  EXPECT_TRUE(out.run.unreclaimed.empty()) << out.run.summary();
  show(out.run.summary());
  expect_next_case_clean();
}

}  // namespace
}  // namespace fibercheck
