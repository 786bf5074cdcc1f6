// The leak report's sentences (harness/src/report/lineage.cpp), each checked on the report of a
// real run of a small program written with the public API: what it says about the
// fiber left blocked, and about every other fiber that touched its channel.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/fiber/unbuffered_channel.hpp>
#include <cctype>
#include <chrono>
#include <string>

#include "fibercheck/fibercheck.hpp"
#include "report/lineage.hpp"
#include "support.hpp"

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

// The report's line for the fiber at `path`: "  #4 root/worker (worker, spawned at ...".
std::string fiber_line(const std::string& report, const std::string& path) {
  for (std::size_t start = 0; start < report.size();) {
    const std::size_t end = std::min(report.find('\n', start), report.size());
    const std::string line = report.substr(start, end - start);
    const std::size_t hash = line.find_first_not_of(' ');
    const std::size_t space = line.find(' ', hash);
    if (hash != std::string::npos && line[hash] == '#' && space != std::string::npos &&
        line.compare(space + 1, path.size() + 2, path + " (") == 0)
      return line;
    start = end + 1;
  }
  return "";
}

// How often `id` is named ("#4" not followed by another digit).
std::size_t mentions(const std::string& text, std::uint64_t id) {
  std::string tag = "#";  // appended: GCC 12 -O3's -Wrestrict false positive on "#" + temporary
  tag += std::to_string(id);
  std::size_t n = 0;
  for (std::size_t at = text.find(tag); at != std::string::npos; at = text.find(tag, at + 1)) {
    const std::size_t after = at + tag.size();
    if (after == text.size() || !std::isdigit(static_cast<unsigned char>(text[after]))) ++n;
  }
  return n;
}

// A fiber blocked in a fibercheck receive, as the census would describe it.
FiberInfo blocked_fiber(std::uint64_t id, const std::string& name, const std::string& blocked_on) {
  FiberInfo f;
  f.id = id;
  f.parent_id = 1;
  f.name = name;
  f.path = "root/" + name;
  f.file = "pool.cpp";
  f.line = 12;
  f.state = FiberState::blocked;
  f.in_fibercheck_wait = true;
  f.blocked_on = blocked_on;
  f.blocked_since_step = 9;
  return f;
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
  EXPECT_TRUE(contains(line, "held by #2 root/holder since step ")) << line;
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

TEST(Lineage, EachLiveFiberIsDescribedOnceWithTheUnreclaimedOnesWhy) {
#ifdef FIBERCHECK_TEST_NO_BOOST_HOOKS
  GTEST_SKIP() << "Boost.Fiber is static here: fibercheck does not hook its waits";
#endif
  // Two workers leak on channels of their own; a third pushes into a plain Boost.Fiber
  // unbuffered channel that nobody receives from, which cannot be unwound afterwards.
  // Leaked on purpose: the fiber blocked on it never wakes and it must outlive the test.
  auto* ch = new boost::fibers::unbuffered_channel<int>;
  const Outcome o = traced([ch](Done) {
    Chan<int> a(0, "a"), b(0, "b");
    go("sender", [a] { (void)a.send(1); });
    go("receiver", [b] { (void)b.recv(); });
    go("locker", [ch] { ch->push(1); });
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent) << o.summary();
  ASSERT_EQ(o.live.size(), 3u) << o.summary();
  ASSERT_EQ(o.unreclaimed.size(), 1u) << o.summary();
  const std::string r = outcome_report(o);
  for (const FiberInfo& f : o.live) {
    EXPECT_EQ(mentions(r, f.id), 1u) << "#" << f.id << " " << f.path << " in:\n" << r;
    EXPECT_FALSE(fiber_line(r, f.path).empty()) << f.path << " in:\n" << r;
  }
  const std::string locker = fiber_line(r, "root/locker");
  EXPECT_TRUE(contains(locker,
                       "; it could not be unwound: parked in "
                       "boost::fibers::unbuffered_channel::push"))
      << locker;
  EXPECT_TRUE(contains(locker, "blocked in push on boost::fibers::unbuffered_channel<int>"))
      << locker;
  EXPECT_FALSE(contains(locker, "blocked in blocked")) << locker;
  EXPECT_FALSE(contains(fiber_line(r, "root/sender"), "could not be unwound")) << r;
  EXPECT_FALSE(contains(r, "fiber(s) live:")) << "the census listed again:\n" << r;
}

TEST(Lineage, ALiveFiberOnTheSameChannelIsNamedByItsIdAlone) {
  const Outcome o = traced([](Done) {
    Chan<int> results(0, "results");
    go("replica-0", [results] { (void)results.send(1); });
    go("replica-1", [results] { (void)results.send(2); });
  });
  ASSERT_EQ(o.verdict, Verdict::quiescent);
  const std::string r = lineage_report(o);
  for (const FiberInfo& f : o.live) {
    std::size_t paths = 0;
    for (std::size_t at = r.find(f.path + " "); at != std::string::npos;
         at = r.find(f.path + " ", at + 1))
      ++paths;
    EXPECT_EQ(paths, 1u) << f.path << " in:\n" << r;
  }
  EXPECT_TRUE(
      contains(fiber_line(r, "root/replica-0"),
               "other fibers on 'results': #" + std::to_string(o.live[1].id) + " is still alive"))
      << r;
}

TEST(Lineage, SaysWhereEachFiberIsBlocked) {
  Outcome o;
  o.verdict = Verdict::quiescent;
  FiberInfo f = blocked_fiber(4, "lookup-2", "recv on chan 'jobs' (cap 0, 0 buffered)");
  f.blocked_file = "pool.cpp";
  f.blocked_line = 40;
  o.live.push_back(f);
  const std::string line = fiber_line(lineage_report(o), "root/lookup-2");
  EXPECT_EQ(line,
            "  #4 root/lookup-2 (lookup, spawned at pool.cpp:12) blocked in recv on chan 'jobs' "
            "(cap 0, 0 buffered) since step 9, at pool.cpp:40; no other fiber ever used 'jobs'; "
            "it was given no done signal at all");
}

TEST(Lineage, SaysTheLineOfAPlainBoostWaitIsUnknown) {
  for (const std::string& wait :
       {std::string("a wait outside fibercheck (a plain Boost.Fiber primitive, join or sleep)"),
        std::string("blocked outside fibercheck (a plain Boost.Fiber primitive, join or sleep)")}) {
    Outcome o;
    o.verdict = Verdict::quiescent;
    FiberInfo f = blocked_fiber(5, "pool-worker", wait);
    f.in_fibercheck_wait = false;
    o.live.push_back(f);
    o.unreclaimed.push_back(f);
    const std::string line = fiber_line(lineage_report(o), "root/pool-worker");
    EXPECT_TRUE(
        contains(line, " outside fibercheck (a plain Boost.Fiber primitive, join or sleep)"))
        << line;
    EXPECT_FALSE(contains(line, "blocked in blocked")) << line;
    EXPECT_TRUE(contains(line, "at a line fibercheck cannot see")) << line;
    EXPECT_TRUE(
        contains(line, "; it could not be unwound: nothing interrupts a wait outside fibercheck"))
        << line;
    EXPECT_FALSE(contains(line, "since step")) << "a plain wait has no step it began" << line;
  }
}

TEST(Lineage, NeverNamesAFiberByAnEmptyName) {
  // Fiber #7 sent on 'after' in the event log, which never saw it spawned; the root
  // itself is named "" (RunOptions::root_name). Each is named by something.
  Outcome o;
  o.verdict = Verdict::quiescent;
  o.events.push_back(Event{3, 0, EventKind::send, 7, "send on chan 'after' (cap 1) -> ok"});
  FiberInfo root = blocked_fiber(1, "", "recv on chan 'after' (cap 1, 0 buffered)");
  root.path = "";
  o.live.push_back(root);
  FiberInfo flush = blocked_fiber(3, "flush", "recv on chan 'after' (cap 1, 0 buffered)");
  o.live.push_back(flush);
  const std::string r = lineage_report(o);
  EXPECT_FALSE(contains(r, ":  is still alive")) << r;
  EXPECT_FALSE(contains(r, "#7  ")) << r;
  EXPECT_TRUE(contains(r, "other fibers on 'after': #7 (unnamed) is still alive")) << r;
  EXPECT_TRUE(contains(r, "  #1 (unnamed) (spawned at pool.cpp:12) blocked in recv")) << r;
  EXPECT_FALSE(contains(r, "(, spawned")) << r;
}

TEST(Lineage, AFiberThatKeptRunningSaysWhatItKeptDoing) {
  RunOptions opt;
  opt.cancel_at_step = 0;
  const Outcome o = traced(
      [](Done) {
        go("flush", [] {
          for (;;) (void)after(1ms).recv();  // time.After in a loop, watching nothing
        });
      },
      opt);
  ASSERT_EQ(o.verdict, Verdict::still_running) << o.summary();
  ASSERT_EQ(o.live.size(), 1u);
  const std::string r = outcome_report(o);
  const std::string line = fiber_line(r, "root/flush");
  EXPECT_TRUE(contains(line, "last op: recv on chan 'after'")) << r;
  EXPECT_TRUE(contains(line, "it watches a Done that never closes")) << r;
  EXPECT_EQ(mentions(r, o.live[0].id), 1u) << r;
}

TEST(Lineage, AFiberThatKeptRunningButWasBlockedAtTheVerdictSaysWhatItKeptDoing) {
  // The headline no longer lists what each fiber kept doing: the fiber's line says it,
  // blocked at the verdict (waiting for its next tick) or not.
  Outcome o;
  o.verdict = Verdict::still_running;
  o.root_returned_at_step = 11;
  FiberInfo f = blocked_fiber(3, "flush", "recv on chan 'after' (cap 1, 0 buffered)");
  f.last_op = "recv on chan 'after'";
  f.op_count = 1340;
  f.watched_done = "never";
  o.live.push_back(f);
  const std::string r = outcome_report(o);
  EXPECT_TRUE(contains(fiber_line(r, "root/flush"),
                       "blocked in recv on chan 'after' (cap 1, 0 buffered) since step 9; last op: "
                       "recv on chan 'after' (1340 times); it watches a Done that never closes"))
      << r;
  EXPECT_EQ(mentions(r, 3), 1u) << r;
}

TEST(Lineage, AnEndedFiberNobodyJoinedIsNotSaidToWatchNothing) {
  Outcome o;
  o.verdict = Verdict::quiescent;
  FiberInfo f = blocked_fiber(6, "fiber-6", "");
  f.state = FiberState::terminated_not_joined;
  f.in_fibercheck_wait = false;
  f.plain = true;
  o.live.push_back(f);
  const std::string line = fiber_line(lineage_report(o), "root/fiber-6");
  EXPECT_TRUE(contains(line, "terminated, not joined: its function returned")) << line;
  EXPECT_FALSE(contains(line, "nothing can stop it")) << line;
}

TEST(Lineage, APlainBoostFiberIsNotSaidToBeSpawnedAtAnUnknownSiteOfKindFiber) {
  Outcome o;
  o.verdict = Verdict::quiescent;
  FiberInfo f = blocked_fiber(6, "fiber-6", "a wait outside fibercheck");
  f.in_fibercheck_wait = false;
  f.plain = true;
  f.file.clear();
  o.live.push_back(f);
  const std::string line = fiber_line(lineage_report(o), "root/fiber-6");
  EXPECT_TRUE(contains(line,
                       "#6 root/fiber-6 (a plain boost::fibers::fiber, spawn site unknown) "
                       "blocked in a wait outside fibercheck"))
      << line;
}

}  // namespace
}  // namespace fibercheck::harness
