// Unit tests for run.hpp: verdicts, reclaim, budgets, errors, cancellation.
#include "fibercheck/run.hpp"

#include <gtest/gtest.h>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/exceptions.hpp"
#include "fibercheck/scope.hpp"
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
      auto* m = new boost::fibers::mutex;
      auto* cv = new boost::fibers::condition_variable;
      std::unique_lock<boost::fibers::mutex> lk(*m);
      cv->wait(lk);
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
  Outcome out = run([](Done) { (void)Chan<int>(0, "never").recv(); });
  const std::string s = out.summary();
  EXPECT_EQ(s.rfind("quiescent after ", 0), 0u) << s;
  EXPECT_NE(s.find(hex(out.trace_hash)), std::string::npos) << s;
  EXPECT_NE(s.find("#1 root blocked: recv on chan 'never'"), std::string::npos) << s;
}

TEST(Run, HexIsSixteenDigits) {
  EXPECT_EQ(hex(0), "0000000000000000");
  EXPECT_EQ(hex(0x9f3aull), "0000000000009f3a");
}

}  // namespace
}  // namespace fibercheck
