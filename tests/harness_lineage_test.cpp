// The leak report's sentences (harness/src/report/lineage.cpp), each checked on the report of a
// real run of a small program written with the public API: what it says about the
// fiber left blocked, and about every other fiber that touched its channel.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fibercheck/fibercheck.hpp"
#include "report/lineage.hpp"

namespace fibercheck::harness {
namespace {

using namespace std::chrono_literals;

// Runs root under the FIFO strategy with the event log the report reads.
Outcome traced(const std::function<void(Done)>& root, RunOptions opt = {}) {
  opt.strategy.kind = sched::StrategyKind::fifo;
  opt.trace = true;
  return run(root, opt);
}

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

// A worker that sends on 'results' after a while, watching nothing: it blocks for good
// unless someone receives then.
void late_sender(const Chan<int>& results) {
  go("worker", [results] {
    (void)sleep_for(Done{}, 1ms);
    (void)results.send(1);
  });
}

// The step of the first EventKind::select event of fiber `id`, as the report cites it.
std::string select_step(const Outcome& o, std::uint64_t id) {
  for (const Event& e : o.events)
    if (e.kind == EventKind::select && e.fiber == id) return std::to_string(e.step);
  return "(no select event)";
}

std::string fiber_line(const std::string& report, const std::string& path) {
  const std::size_t at = report.find("  " + path + " (");
  if (at == std::string::npos) return "";
  return report.substr(at, report.find('\n', at) - at);
}

TEST(Lineage, NamesTheFiberWhoseSelectLeftByDone) {
  RunOptions opt;
  opt.cancel_at_step = 0;  // root's done is closed before its select
  const Outcome o = traced(
      [](Done done) {
        Chan<int> results(0, "results"), extra(0, "extra");
        late_sender(results);
        Recv<int> r, e;
        (void)select(done, {on_recv(results, r), on_recv(extra, e)});
      },
      opt);
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_FALSE(contains(r, "no other fiber ever used 'results'")) << r;
  EXPECT_TRUE(
      contains(r, "other fibers on 'results': #1 root selected on 'results' and left at step " +
                      select_step(o, 1) + " by done 'root' instead and exited at step"))
      << r << format(o.events);
}

TEST(Lineage, NamesTheFiberWhoseSelectTookAnotherChannel) {
  const Outcome o = traced([](Done done) {
    Chan<int> results(0, "results"), extra(1, "extra");
    (void)extra.send(7);
    late_sender(results);
    Recv<int> r, e;
    (void)select(done, {on_recv(results, r), on_recv(extra, e)});
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "#1 root selected on 'results' and left at step " + select_step(o, 1) +
                              " by recv on 'extra' instead"))
      << r << format(o.events);
}

TEST(Lineage, NamesTheReceiverThatStoppedWaitingWhenDoneClosed) {
  // root blocks in results.recv(done) and leaves when done closes; the sender comes later.
  RunOptions opt;
  opt.cancel_at_time = 500us;
  const Outcome o = traced(
      [](Done done) {
        Chan<int> results(0, "results");
        late_sender(results);
        (void)results.recv(done);
      },
      opt);
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "#1 root tried to receive on 'results' and left at step " +
                              select_step(o, 1) + " by done 'root' instead and exited at step"))
      << r << format(o.events);
}

TEST(Lineage, NamesTheFiberThatPolledAndGaveUp) {
  const Outcome o = traced([](Done) {
    Chan<int> results(0, "results");
    late_sender(results);
    for (int i = 0; i < 3; ++i) (void)results.try_recv();
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "#1 root tried to receive on 'results' and left at step " +
                              select_step(o, 1) + " by its default case instead"))
      << r << format(o.events);
}

TEST(Lineage, SaysNoOtherFiberUsedTheChannelOnlyWhenNoneDid) {
  const Outcome o = traced([](Done done) {
    Chan<int> results(0, "results"), extra(1, "extra");
    (void)extra.send(7);
    late_sender(results);
    Recv<int> e;
    (void)select(done, {on_recv(extra, e)});  // 'results' is not offered
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "no other fiber ever used 'results'")) << r << format(o.events);
  EXPECT_FALSE(contains(r, "other fibers on 'results'")) << r;
}

TEST(Lineage, AFiberThatLaterUsedTheChannelIsNotCalledADeparture) {
  // root polls in vain once, then really receives; the worker's second send blocks.
  const Outcome o = traced([](Done) {
    Chan<int> results(0, "results");
    go("worker", [results] {
      (void)sleep_for(Done{}, 1ms);
      (void)results.send(1);
      (void)results.send(2);
    });
    (void)results.try_recv();
    (void)results.recv();
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "other fibers on 'results': #1 root exited at step"))
      << r << format(o.events);
  EXPECT_FALSE(contains(r, "left at step")) << r;
}

TEST(Lineage, SaysEachSinceStepOnce) {
  // The waiter's lock description says since when the holder holds it; the report
  // must not append the waiter's own step right after it.
  const Outcome o = traced([](Done) {
    Mutex m("db");
    go("holder", [m] {
      m.lock();
      (void)Chan<int>().recv();
    });
    go("waiter", [m] { m.lock(); });
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  const std::string line = fiber_line(r, "root/waiter");
  ASSERT_FALSE(line.empty()) << r;
  std::size_t sinces = 0;
  for (std::size_t at = line.find("since step"); at != std::string::npos;
       at = line.find("since step", at + 1))
    ++sinces;
  EXPECT_EQ(sinces, 2u) << line;  // held since, waiting since
  EXPECT_TRUE(contains(line, "held by root/holder since step ")) << line;
  EXPECT_TRUE(contains(line, "; waiting since step ")) << line;
  for (std::size_t at = line.find(" since step "); at != std::string::npos;
       at = line.find(" since step ", at + 1)) {
    std::size_t end = at + 12;
    while (end < line.size() && line[end] >= '0' && line[end] <= '9') ++end;
    EXPECT_NE(line.compare(end, 12, " since step "), 0) << "two 'since step' in a row: " << line;
  }
}

TEST(Lineage, NamesATimerThatSentOnTheChannel) {
  // The reader keeps receiving ticks after the ticker stopped; the ticks came from the
  // run's timers, not from a fiber.
  const Outcome o = traced([](Done) {
    Ticker t(1ms);
    go("tick-reader", [c = t.chan()] {
      for (;;) (void)c.recv();
    });
    (void)sleep_for(Done{}, 2500us);
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "other fibers on 'ticker': a timer, last at step "))
      << r << format(o.events);
  EXPECT_FALSE(contains(r, ":  is still alive")) << r;
}

TEST(Lineage, AWaitOnAnotherDoneIsNotWatchingItsOwn) {
  RunOptions opt;
  opt.cancel_at_step = 0;
  const Outcome o = traced(
      [](Done done) {
        Scope scope(done);
        scope.spawn("waiter", [] {
          DoneSource local("local");
          local.done().wait();
        });
      },
      opt);
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string line = fiber_line(lineage_report(o), "root/waiter");
  EXPECT_TRUE(contains(
      line, "done 'root' closed at step 0 and was not watched: it waits on done 'local' instead"))
      << line;
  EXPECT_FALSE(contains(line, "and was watched")) << line;
}

TEST(Lineage, AWaitOnItsOwnDoneIsWatching) {
  // root never closes the scope's done: the child watches it and waits in vain.
  const Outcome o = traced([](Done done) {
    Scope scope(done);
    scope.spawn("waiter", [](Done d) { d.wait(); });
    (void)Chan<int>().recv();
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string line = fiber_line(lineage_report(o), "root/waiter");
  EXPECT_TRUE(contains(line, "done 'root' never closed and was watched")) << line;
}

TEST(Lineage, ExplainsEveryChannelOfABlockedSelect) {
  const Outcome o = traced([](Done) {
    Chan<int> a(0, "a"), b(0, "b");
    go("both", [a, b] {
      (void)sleep_for(Done{}, 1ms);
      Recv<int> x, y;
      (void)select(Done{}, {on_recv(a, x), on_recv(b, y)});
    });
    int v = 1;
    (void)select_or_default(Done{}, {on_send(b, v)});
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "no other fiber ever used 'a'")) << r;
  EXPECT_TRUE(contains(r, "other fibers on 'b': #1 root tried to send on 'b' and left at step " +
                              select_step(o, 1) + " by its default case instead"))
      << r << format(o.events);
}

TEST(Lineage, DoesNotSayARunningFiberIgnoresItsDone) {
  // The poller checks its done in a loop; nobody closes it, so the step budget ends
  // the run with the poller runnable. Whether it watches its done is not for the
  // report to deny.
  RunOptions opt;
  opt.max_steps = 400;
  const Outcome o = traced(
      [](Done done) {
        Scope scope(done);
        scope.spawn("poller", [](Done d) {
          while (!d.closed()) yield();
        });
        (void)Chan<int>().recv();  // root waits for good: the scope's done stays open
      },
      opt);
  ASSERT_EQ(o.verdict, Verdict::step_budget_exceeded);
  const std::string line = fiber_line(lineage_report(o), "root/poller");
  ASSERT_FALSE(line.empty()) << lineage_report(o);
  EXPECT_FALSE(contains(line, "not watched")) << line;
  EXPECT_TRUE(contains(line, "last op: closed() of done 'root'")) << line;
  EXPECT_TRUE(contains(line, "it watches done 'root', which nobody closed")) << line;
  EXPECT_FALSE(contains(line, "never closed")) << "the done said twice: " << line;
}

TEST(Lineage, NamesAFiberWhoseNameHasASpace) {
  const Outcome o = traced([](Done) {
    Chan<int> results(0, "results");
    go("result sink", [results] { (void)results.recv(); });
    go("worker", [results] {
      (void)results.send(1);
      (void)results.send(2);
    });
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  EXPECT_TRUE(contains(r, "other fibers on 'results': #2 root/result sink exited at step")) << r;
}

}  // namespace
}  // namespace fibercheck::harness
