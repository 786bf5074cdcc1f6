// Unit tests for run.hpp: verdicts, reclaim, budgets, errors, cancellation.
#include "fibercheck/run.hpp"

#include <gtest/gtest.h>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/exceptions.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using test::find_path;

// Counts its own destruction: shows that reclaim unwound a fiber's stack.
struct Witness {
  std::size_t* count;
  ~Witness() { ++*count; }
};

TEST(Run, AnEmptyRootFinishes) {
  Outcome out = run([](Done) {});
  EXPECT_EQ(out.verdict, Verdict::finished);
  EXPECT_TRUE(out.clean());
  EXPECT_TRUE(out.live.empty());
  EXPECT_TRUE(out.unreclaimed.empty());
}

TEST(Run, ReclaimsTenThousandLeakedFibers) {
  if (test::kThreadSanitizer)
    GTEST_SKIP() << "ThreadSanitizer allows at most 8128 live fibers (each is one of its threads)";
  constexpr std::size_t kLeaks = 10000;
  std::size_t unwound = 0;
  Outcome out = run([&unwound](Done) {
    for (std::size_t i = 0; i < kLeaks; ++i)
      go("leak", [&unwound, ch = Chan<int>(0, "nobody-writes")] {
        Witness w{&unwound};
        (void)ch.recv();
      });
  });
  EXPECT_EQ(out.verdict, Verdict::quiescent);
  EXPECT_EQ(out.live.size(), kLeaks);
  EXPECT_EQ(out.live.front().path, "root/leak");
  EXPECT_EQ(out.live.back().blocked_on.rfind("recv on chan 'nobody-writes'", 0), 0u);
  EXPECT_TRUE(out.unreclaimed.empty());
  EXPECT_EQ(unwound, kLeaks);

  Outcome next = run([](Done done) {
    Scope s(done);
    s.spawn("worker", [] {});
  });
  EXPECT_TRUE(next.clean()) << next.summary();
  EXPECT_TRUE(next.live.empty());
}

// A child that polls a channel forever and never checks its done.
void busy_child(Done done) {
  Scope s(done);
  s.spawn("spinner", [ch = Chan<int>(0, "empty")] {
    for (;;) (void)ch.try_recv();
  });
  s.join();
}

TEST(Run, BusyFiberTripsTheStepBudget) {
  RunOptions opt;
  opt.max_steps = 10000;
  Outcome out = run(busy_child, opt);
  EXPECT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
  EXPECT_EQ(out.steps, opt.max_steps);
  EXPECT_EQ(find_path(out.live, "root/spinner").state, FiberState::ready) << out.summary();
  EXPECT_NE(out.summary().find("root/spinner"), std::string::npos) << out.summary();
}

// The spinner is in fibercheck's try_recv at every step, so reclaim can unwind it.
TEST(Run, BusyFiberIsReclaimedAfterTheStepBudget) {
  RunOptions opt;
  opt.max_steps = 10000;
  for (std::uint64_t seed = 0; seed < 4; ++seed) {
    opt.strategy.seed = seed;
    Outcome out = run(busy_child, opt);
    EXPECT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
    EXPECT_TRUE(out.unreclaimed.empty()) << "seed " << seed << ": " << out.summary();
  }
}

TEST(Run, ExceptionEscapingTheRootIsTheVerdict) {
  Outcome out = run([](Done) { throw std::runtime_error("boom"); });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_EQ(out.error_path, "root");
  EXPECT_EQ(out.error, "boom");
  ASSERT_TRUE(out.exception);
  EXPECT_THROW(std::rethrow_exception(out.exception), std::runtime_error);
}

TEST(Run, ExceptionNotDerivedFromStdExceptionIsReported) {
  Outcome out = run([](Done) { throw 42; });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_EQ(out.error_path, "root");
  EXPECT_EQ(out.error, "an exception not derived from std::exception");
}

// Not a std::exception, like the assertion types of some test frameworks.
struct Refusal {
  std::string why;
};

// Knows Refusal; other types leave it (it rethrows them), which means "not mine".
std::optional<std::string> describe_refusal(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const Refusal& r) {
    return "refusal: " + r.why;
  }
  return std::nullopt;
}

TEST(Run, ARegisteredDescriberWordsExceptionsOfItsType) {
  static const bool registered = (describe_exceptions_with(describe_refusal), true);
  ASSERT_TRUE(registered);
  Outcome out = run([](Done done) {
    Scope s(done);
    s.spawn("teller", [] { throw Refusal{"no"}; });
    s.join();
  });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_EQ(out.error, "fiber 'root/teller' threw: refusal: no");
  EXPECT_EQ(run([](Done) { throw 42; }).error, "an exception not derived from std::exception");
  EXPECT_EQ(run([](Done) { throw std::runtime_error("boom"); }).error, "boom");
  EXPECT_EQ(describe_exception(nullptr), "no exception");
  EXPECT_THROW(describe_exceptions_with(nullptr), std::invalid_argument);
}

TEST(Run, FiberBlockedOutsideFibercheckIsUnreclaimedAndTheNextRunWorks) {
  Outcome out = run([](Done) {
    go("stuck", [] {
      // Leaked on purpose: the fiber never wakes, so they must outlive the test.
      // Nobody receives: the pushed value stays on this fiber's stack, so it cannot
      // be unwound. Never freed: the fiber never wakes.
      auto* ch = new boost::fibers::unbuffered_channel<int>;
      ch->push(1);
    });
  });
  EXPECT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  EXPECT_EQ(out.unreclaimed[0].path, "root/stuck");
  EXPECT_FALSE(out.unreclaimed[0].in_fibercheck_wait);
  EXPECT_NE(out.summary().find("could not be unwound"), std::string::npos) << out.summary();

  Outcome next = run([](Done done) {
    Scope s(done);
    s.spawn("worker", [] {});
  });
  EXPECT_TRUE(next.clean()) << next.summary();
  EXPECT_TRUE(next.unreclaimed.empty());
}

// A pipeline that stops correctly when the root's done closes.
void pipeline(Done done, int& received) {
  Chan<int> numbers(0, "numbers"), squares(1, "squares");
  Scope s(done, "pipeline");
  s.spawn("generate", [numbers](Done d) {
    for (int i = 0;; ++i)
      if (numbers.send(d, i) != Status::ok) return;
  });
  s.spawn("square", [numbers, squares](Done d) {
    while (auto r = numbers.recv(d))
      if (squares.send(d, *r * *r) != Status::ok) return;
  });
  while (squares.recv(done)) ++received;
  s.join();
}

TEST(Run, CancelAtStepClosesTheRootDoneAndACorrectPipelineFinishes) {
  int received = 0;
  RunOptions opt;
  opt.cancel_at_step = 50;
  Outcome out = run([&](Done done) { pipeline(done, received); }, opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  ASSERT_TRUE(out.cancelled_at_step.has_value());
  EXPECT_EQ(*out.cancelled_at_step, 50u);
  EXPECT_GT(out.steps, 50u);
  EXPECT_GT(received, 0);
}

TEST(Run, CancelAtStepZeroClosesTheRootDoneBeforeItRuns) {
  bool closed_at_start = false;
  RunOptions opt;
  opt.cancel_at_step = 0;
  Outcome out = run([&](Done done) { closed_at_start = done.closed(); }, opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(out.cancelled_at_step, std::optional<std::uint64_t>(0));
  EXPECT_TRUE(closed_at_start);
}

TEST(Run, CancelWhenIdleClosesTheRootDoneOnceEverythingBlocks) {
  int received = 0;
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [&](Done done) {
        Scope s(done);
        s.spawn("waiter", [](Done d) { d.wait(); });
        (void)Chan<int>(0, "idle").recv(done);
        received = 1;
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(out.cancelled_at_step.has_value());
  EXPECT_EQ(received, 1);
}

TEST(Run, CancelAtTimeClosesTheRootDoneAtThatVirtualTime) {
  Status slept = Status::ok;
  RunOptions opt;
  opt.cancel_at_time = std::chrono::seconds(5);
  Outcome out = run([&](Done done) { slept = sleep_for(done, std::chrono::hours(1)); }, opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(slept, Status::cancelled);
  EXPECT_EQ(out.virtual_time, std::chrono::seconds(5));
}

TEST(Run, TimersPastTheVirtualTimeBudgetStopTheRun) {
  RunOptions opt;
  opt.max_virtual_time = std::chrono::hours(1);
  Outcome out = run([](Done done) { (void)sleep_for(done, std::chrono::hours(2)); }, opt);
  EXPECT_EQ(out.verdict, Verdict::time_budget_exceeded) << out.summary();
}

TEST(Run, RejectsStacksBelowSixteenKiB) {
  RunOptions opt;
  opt.stack_size = 8 * 1024;
  EXPECT_THROW((void)run([](Done) {}, opt), std::invalid_argument);
}

TEST(Run, RunsCannotNest) {
  bool threw = false;
  Outcome out = run([&](Done) {
    try {
      (void)run([](Done) {});
    } catch (const std::logic_error&) {
      threw = true;
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(threw);
}

TEST(Run, SummaryNamesTheVerdictAndTheTrace) {
  const unsigned line = __LINE__ + 1;
  Outcome out = run([](Done) { (void)Chan<int>(0, "never").recv(); });
  const std::string s = out.summary();
  EXPECT_EQ(s.rfind("quiescent after ", 0), 0u) << s;
  EXPECT_NE(s.find(hex(out.trace_hash)), std::string::npos) << s;
  EXPECT_NE(s.find("#1 root blocked at " + std::string(__FILE__) + ":" + std::to_string(line) +
                   ": recv on chan 'never'"),
            std::string::npos)
      << s;
}

// ---- what the trace hash identifies ----

// A root that starts one fiber named `name`, which receives on the channel `chan` of two
// that nobody sends on.
Outcome one_stuck_worker(const std::string& name, const std::string& chan) {
  return run([&](Done done) {
    Chan<int> a(0, "a"), b(0, "b");
    const Chan<int> on = chan == "a" ? a : b;
    Scope s(done, "workers");
    s.spawn(name, [on](Done d) { (void)on.recv(d); });
    s.join();
  });
}

TEST(TraceHash, TheSameProgramTwiceGivesTheSameHash) {
  const Outcome first = one_stuck_worker("worker", "a");
  const Outcome second = one_stuck_worker("worker", "a");
  EXPECT_EQ(first.trace_hash, second.trace_hash);
  EXPECT_EQ(first.steps, second.steps);
}

TEST(TraceHash, AFibersNameIsPartOfIt) {
  const Outcome worker = one_stuck_worker("worker", "a");
  const Outcome fetcher = one_stuck_worker("fetcher", "a");
  ASSERT_EQ(worker.steps, fetcher.steps);
  ASSERT_EQ(worker.choices, fetcher.choices);
  EXPECT_NE(worker.trace_hash, fetcher.trace_hash);
}

TEST(TraceHash, TheChannelAFiberBlocksOnIsPartOfIt) {
  const Outcome on_a = one_stuck_worker("worker", "a");
  const Outcome on_b = one_stuck_worker("worker", "b");
  ASSERT_EQ(on_a.steps, on_b.steps);
  ASSERT_EQ(on_a.choices, on_b.choices);
  EXPECT_NE(on_a.trace_hash, on_b.trace_hash);
}

TEST(TraceHash, ARecvOnTheNilChannelDiffersFromOneNobodySendsOn) {
  // One worker receiving on a nil channel, and a pool of one worker receiving from a
  // channel nobody sends on: the same shape of schedule, different programs.
  const Outcome nil = run([](Done done) {
    Scope s(done, "root");
    s.spawn("recv-nil", [](Done d) { (void)Chan<int>().recv(d); });
  });
  const Outcome pool = run([](Done done) {
    Chan<int> jobs(0, "jobs");
    Scope s(done, "root");
    s.spawn("worker", [jobs](Done d) { (void)jobs.recv(d); });
  });
  ASSERT_EQ(nil.steps, pool.steps) << nil.summary() << pool.summary();
  ASSERT_EQ(nil.choices, pool.choices);
  EXPECT_NE(nil.trace_hash, pool.trace_hash);
}

TEST(TraceHash, ASelectsLaterCasesArePartOfIt) {
  auto selecting = [](const char* second) {
    return run([second](Done done) {
      Chan<int> a(0, "a"), b(0, "b"), c(0, "c");
      Recv<int> x, y;
      (void)select(done, {on_recv(a, x), on_recv(std::string(second) == "b" ? b : c, y)});
    });
  };
  EXPECT_NE(selecting("b").trace_hash, selecting("c").trace_hash);
  EXPECT_EQ(selecting("b").trace_hash, selecting("b").trace_hash);
}

TEST(TraceHash, SourceLinesAreNotPartOfIt) {
  // The same program written twice, at different lines: a replay line stays valid after
  // an edit that only moves code.
  const Outcome here = run([](Done done) {
    Chan<int> jobs(0, "jobs");
    Scope s(done, "root");
    s.spawn("worker", [jobs](Done d) { (void)jobs.recv(d); });
  });

  const Outcome moved = run([](Done done) {
    Chan<int> jobs(0, "jobs");

    Scope s(done, "root");

    s.spawn("worker", [jobs](Done d) { (void)jobs.recv(d); });
  });
  EXPECT_EQ(here.trace_hash, moved.trace_hash);
}

// ---- Outcome::headline() ----

TEST(Headline, QuiescentSaysTheVerdictAndNamesTheDeadlockWithoutListingFibers) {
  Outcome out = run(
      [](Done done) {
        Mutex m1("m1"), m2("m2");
        Scope s(done, "s");
        s.spawn("a", [m1, m2]() mutable {
          std::lock_guard<Mutex> l1(m1);
          (void)Chan<int>().try_recv();
          std::lock_guard<Mutex> l2(m2);
        });
        s.spawn("b", [m1, m2]() mutable {
          std::lock_guard<Mutex> l2(m2);
          (void)Chan<int>().try_recv();
          std::lock_guard<Mutex> l1(m1);
        });
      },
      test::with(sched::StrategyKind::fifo));
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const std::string h = out.headline();
  EXPECT_EQ(h.rfind("quiescent after " + std::to_string(out.steps) + " steps (trace " +
                        hex(out.trace_hash) + ")",
                    0),
            0u)
      << h;
  EXPECT_EQ(h.find("fiber(s) live"), std::string::npos) << h;
  EXPECT_EQ(h.find("blocked"), std::string::npos) << h;
  EXPECT_EQ(h.find("held by"), std::string::npos) << h;
  EXPECT_NE(h.find("deadlock: lock-order cycle of 2 fibers, each waiting for the next: #2 "
                   "root/a, #3 root/b"),
            std::string::npos)
      << h;
  // The summary has all of it.
  EXPECT_NE(out.summary().find("fiber(s) live"), std::string::npos);
  EXPECT_NE(out.summary().find("#2 root/a: lock of mutex"), std::string::npos) << out.summary();
}

TEST(Headline, StillRunningSaysHowManyWithoutTheirLoops) {
  RunOptions opt;
  opt.leak_window_steps = 200;
  Outcome out = run(
      [](Done) {
        go("poller", [] {
          for (;;) (void)Chan<int>(0, "updates").try_recv();
        });
      },
      opt);
  ASSERT_EQ(out.verdict, Verdict::still_running) << out.summary();
  const std::string h = out.headline();
  EXPECT_NE(h.find("root has returned, yet 1 fiber(s) kept running through a fair wind-down: "
                   "they leaked (nothing will ever stop them)"),
            std::string::npos)
      << h;
  EXPECT_EQ(h.find("poller"), std::string::npos) << h;
  EXPECT_EQ(h.find("keeps doing"), std::string::npos) << h;
  EXPECT_NE(out.summary().find("#2 root/poller keeps doing try_recv on chan 'updates'"),
            std::string::npos)
      << out.summary();
}

TEST(Headline, BudgetExceededLeavesOutWhatTheBlockedOnesKeptDoing) {
  RunOptions opt;
  opt.max_steps = 500;
  Outcome out = run(
      [](Done) {
        for (;;) (void)sleep_for(Done(), std::chrono::milliseconds(1));
      },
      opt);
  ASSERT_EQ(out.verdict, Verdict::step_budget_exceeded) << out.summary();
  EXPECT_NE(out.summary().find("what the blocked ones kept doing"), std::string::npos)
      << out.summary();
  const std::string h = out.headline();
  EXPECT_EQ(h.find("what the blocked ones kept doing"), std::string::npos) << h;
  EXPECT_EQ(h.find("root"), std::string::npos) << h;
}

TEST(Headline, UnreclaimedGivesTheCountAndNoFiber) {
  Outcome out = run([](Done) {
    go("stuck", [] {
      // Leaked on purpose: the fiber never wakes, so they must outlive the test.
      // Nobody receives: the pushed value stays on this fiber's stack, so it cannot
      // be unwound. Never freed: the fiber never wakes.
      auto* ch = new boost::fibers::unbuffered_channel<int>;
      ch->push(1);
    });
  });
  ASSERT_EQ(out.unreclaimed.size(), 1u) << out.summary();
  const std::string h = out.headline();
  EXPECT_NE(h.find("\n1 fiber(s) could not be unwound (blocked outside fibercheck, or ignoring "
                   "the unwind); their thread is parked"),
            std::string::npos)
      << h;
  EXPECT_EQ(h.find("stuck"), std::string::npos) << h;
  EXPECT_NE(h.back(), '\n') << "callers end the line themselves";
  // The summary lists the fiber once among the live ones, then says why it stayed.
  const std::string s = out.summary();
  EXPECT_NE(s.find("#2 root/stuck: parked in boost::fibers::unbuffered_channel::push"),
            std::string::npos)
      << s;
  EXPECT_EQ(s.find("#2 root/stuck blocked"), s.rfind("#2 root/stuck blocked")) << s;
}

TEST(Run, HexIsSixteenDigits) {
  EXPECT_EQ(hex(0), "0000000000000000");
  EXPECT_EQ(hex(0x9f3aull), "0000000000009f3a");
}

}  // namespace
}  // namespace fibercheck
