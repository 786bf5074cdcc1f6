// Unit tests for scope.hpp: join, implicit cancel-and-join, errors, paths.
#include "fibercheck/scope.hpp"

#include <gtest/gtest.h>

#include <boost/fiber/operations.hpp>
#include <stdexcept>
#include <string>

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::with;

// The path of the calling fiber, as the census shows it.
std::string my_path() {
  for (const FiberInfo& f : census())
    if (f.state == FiberState::running) return f.path;
  return "";
}

TEST(Scope, JoinWaitsForAllChildren) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    int finished = 0, seen_at_join = -1;
    std::size_t running_after = 99;
    Outcome out = run(
        [&](Done done) {
          Scope s(done);
          for (int i = 0; i < 5; ++i)
            s.spawn("child", [&finished, i] {
              for (int k = 0; k < i; ++k) boost::this_fiber::yield();
              ++finished;
            });
          s.join();
          seen_at_join = finished;
          running_after = s.running();
        },
        with(StrategyKind::random, seed));
    EXPECT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(seen_at_join, 5) << "seed " << seed;
    EXPECT_EQ(running_after, 0u);
  }
}

TEST(Scope, LeavingWithoutJoinClosesItsDoneAndJoins) {
  int ended = 0;
  bool done_closed_at_end = false;
  Outcome out = run([&](Done done) {
    Done child_done;
    {
      Scope s(done, "workers");
      child_done = s.done();
      s.spawn("spinner", [&ended](Done d) {
        while (!d.closed()) boost::this_fiber::yield();
        ++ended;
      });
      s.spawn("waiter", [&ended](Done d) {
        d.wait();
        ++ended;
      });
      boost::this_fiber::yield();
    }
    done_closed_at_end = child_done.closed();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(ended, 2);
  EXPECT_TRUE(done_closed_at_end);
}

TEST(Scope, ChildDoneDerivesFromTheParentDone) {
  bool child_saw_close = false;
  Outcome out = run([&](Done done) {
    DoneSource outer(done, "outer");
    Scope s(outer.done());
    s.spawn("waiter", [&](Done d) {
      d.wait();
      child_saw_close = true;
    });
    outer.close();
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(child_saw_close);
}

TEST(Scope, ChildExceptionComesBackFromJoinAsFiberError) {
  std::string path, what, cause;
  bool caught = false;
  Outcome out = run([&](Done done) {
    Scope s(done);
    s.spawn("worker", [] { throw std::runtime_error("disk full"); });
    try {
      s.join();
    } catch (const FiberError& e) {
      caught = true;
      path = e.path();
      what = e.what();
      try {
        std::rethrow_exception(e.cause());
      } catch (const std::runtime_error& c) {
        cause = c.what();
      }
    }
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(caught);
  EXPECT_EQ(path, "root/worker");
  EXPECT_EQ(cause, "disk full");
  EXPECT_NE(what.find("root/worker"), std::string::npos) << what;
  EXPECT_NE(what.find("disk full"), std::string::npos) << what;
}

TEST(Scope, UnjoinedChildExceptionFailsTheRun) {
  Outcome out = run([](Done done) {
    Scope s(done);
    s.spawn("worker", [] { throw std::runtime_error("lost"); });
  });
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_EQ(out.error_path, "root/worker");
  EXPECT_EQ(out.error, "lost");
}

// A's scope waits for "slow" while A's exception unwinds; meanwhile B leaves a
// scope whose child threw. B's error has no join, so it must fail the run.
TEST(Scope, UnjoinedChildErrorIsReportedWhileAnotherFiberUnwinds) {
  Outcome out = run(
      [&](Done done) {
        Chan<int> gate(0, "gate");
        Scope top(done);
        top.spawn("A", [gate](Done d) {
          Scope a(d);
          a.spawn("slow", [gate] { (void)gate.recv(); });
          throw std::runtime_error("A failed");
        });
        top.spawn("B", [gate](Done d) {
          test::yield_until_blocked(1, "join of scope 'root/A'");
          {
            Scope b(d);
            b.spawn("thrower", [] { throw std::logic_error("lost"); });
          }
          gate.close();
        });
        try {
          top.join();
        } catch (const FiberError&) {
        }
      },
      with(StrategyKind::fifo));
  EXPECT_EQ(out.verdict, Verdict::exception) << out.summary();
  EXPECT_EQ(out.error_path, "root/B/thrower") << out.summary();
}

TEST(Scope, ChildPathsNest) {
  std::string root_path, a_path, b_path;
  Outcome out = run([&](Done done) {
    root_path = my_path();
    Scope s(done);
    s.spawn("a", [&](Done d) {
      a_path = my_path();
      Scope inner(d);
      inner.spawn("b", [&] { b_path = my_path(); });
      inner.join();
    });
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(root_path, "root");
  EXPECT_EQ(a_path, "root/a");
  EXPECT_EQ(b_path, "root/a/b");
}

TEST(Scope, GoStartsAnUnscopedFiberTheRunWaitsFor) {
  bool ran = false;
  Outcome out = run([&](Done) { go("detached", [&ran] { ran = true; }); });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace fibercheck
