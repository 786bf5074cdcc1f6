// Unit tests for the blocking call's site: every fibercheck operation that can block
// takes the caller's source location, and the census says where a blocked fiber blocked
// (FiberInfo::blocked_file, blocked_line, format()'s "blocked at FILE:LINE").
#include <gtest/gtest.h>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <chrono>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/cond.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/errgroup.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/once.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "fibercheck/wait_group.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using test::find_path;

// The fiber `path` of a quiescent run is blocked at `line` of this file, in a wait whose
// description contains `on`.
void expect_blocked_at(const Outcome& out, std::string_view path, unsigned line,
                       std::string_view on) {
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const FiberInfo f = find_path(out.live, path);
  ASSERT_EQ(f.path, path) << out.summary();
  EXPECT_EQ(f.state, FiberState::blocked) << out.summary();
  EXPECT_EQ(f.blocked_file, __FILE__) << out.summary();
  EXPECT_EQ(f.blocked_line, line) << out.summary();
  EXPECT_EQ(f.blocked_site(), std::string(__FILE__) + ":" + std::to_string(line));
  EXPECT_NE(f.blocked_on.find(on), std::string::npos) << f.blocked_on;
}

TEST(BlockedSite, RecvWithAndWithoutDone) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    Chan<int> pages(0, "pages");
    line = __LINE__ + 1;
    (void)pages.recv();
  });
  expect_blocked_at(out, "root", line, "recv on chan 'pages'");

  out = run([&](Done done) {
    Chan<int> pages(0, "pages");
    line = __LINE__ + 1;
    (void)pages.recv(done);
  });
  expect_blocked_at(out, "root", line, "recv on chan 'pages'");
}

TEST(BlockedSite, RecvOnTheNilChannel) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    line = __LINE__ + 1;
    (void)Chan<int>().recv();
  });
  expect_blocked_at(out, "root", line, "recv on nil chan");
}

TEST(BlockedSite, SendWithAndWithoutDone) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    Chan<int> pages(0, "pages");
    line = __LINE__ + 1;
    (void)pages.send(1);
  });
  expect_blocked_at(out, "root", line, "send on chan 'pages'");

  out = run([&](Done done) {
    Chan<int> pages(0, "pages");
    line = __LINE__ + 1;
    (void)pages.send(done, 1);
  });
  expect_blocked_at(out, "root", line, "send on chan 'pages'");
}

TEST(BlockedSite, Select) {
  unsigned line = 0;
  Outcome out = run([&](Done done) {
    Chan<int> a(0, "a");
    Chan<int> b(0, "b");
    Recv<int> got;
    int v = 1;
    line = __LINE__ + 1;
    (void)select(done, {on_recv(a, got), on_send(b, v)});
  });
  expect_blocked_at(out, "root", line, "select {recv on chan 'a'");
}

TEST(BlockedSite, DoneWait) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    DoneSource stop("stop");
    line = __LINE__ + 1;
    stop.done().wait();
  });
  expect_blocked_at(out, "root", line, "wait on done 'stop'");

  out = run([&](Done) {
    line = __LINE__ + 1;
    Done().wait();
  });
  expect_blocked_at(out, "root", line, "a done that never closes");
}

TEST(BlockedSite, MutexLockCalledDirectly) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    Mutex mu("state");
    mu.lock();
    line = __LINE__ + 1;
    mu.lock();
  });
  expect_blocked_at(out, "root", line, "lock of mutex 'state'");
}

TEST(BlockedSite, SharedMutexBothSides) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    SharedMutex rw("table");
    rw.lock();
    line = __LINE__ + 1;
    rw.lock_shared();
  });
  expect_blocked_at(out, "root", line, "read lock of rwmutex 'table'");

  out = run([&](Done) {
    SharedMutex rw("table");
    rw.lock_shared();
    line = __LINE__ + 1;
    rw.lock();
  });
  expect_blocked_at(out, "root", line, "lock of rwmutex 'table'");
}

TEST(BlockedSite, LockThroughTheStandardLibraryLeavesTheSiteOut) {
  // std::lock_guard calls lock() itself: its line, in a standard header, says nothing
  // about the program, so the census shows none rather than a misleading one.
  Outcome out = run([&](Done) {
    Mutex mu("state");
    mu.lock();
    std::lock_guard<Mutex> again(mu);
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const FiberInfo f = find_path(out.live, "root");
  EXPECT_TRUE(f.blocked_file.empty()) << f.blocked_file;
  EXPECT_EQ(f.blocked_line, 0u);
  EXPECT_EQ(f.blocked_site(), "");
  EXPECT_NE(format(out.live).find("#1 root blocked: lock of mutex 'state'"), std::string::npos)
      << format(out.live);
}

TEST(BlockedSite, CondVarWaitEveryForm) {
  unsigned line = 0;
  Outcome out = run([&](Done done) {
    Mutex mu("queue");
    CondVar ready("ready");
    std::unique_lock<Mutex> lk(mu);
    line = __LINE__ + 1;
    (void)ready.wait(lk, done);
  });
  expect_blocked_at(out, "root", line, "wait on condvar 'ready'");

  out = run([&](Done done) {
    Mutex mu("queue");
    CondVar ready("ready");
    std::unique_lock<Mutex> lk(mu);
    line = __LINE__ + 1;
    (void)ready.wait(lk, done, [] { return false; });
  });
  expect_blocked_at(out, "root", line, "wait on condvar 'ready'");

  out = run([&](Done) {
    SharedMutex rw("table");
    CondVar changed("changed");
    std::unique_lock<SharedMutex> lk(rw);
    line = __LINE__ + 1;
    (void)changed.wait(lk);
  });
  expect_blocked_at(out, "root", line, "wait on condvar 'changed'");

  out = run([&](Done) {
    SharedMutex rw("table");
    CondVar changed("changed");
    std::shared_lock<SharedMutex> lk(rw);
    line = __LINE__ + 1;
    (void)changed.wait(lk);
  });
  expect_blocked_at(out, "root", line, "wait on condvar 'changed'");
}

TEST(BlockedSite, CondVarWaitRetakingItsLockShowsTheWaitLine) {
  // Notified while the notifier keeps the mutex for good: the waiter blocks taking it
  // back, inside wait(), and the census points at the user's wait() line.
  unsigned line = 0;
  Outcome out = run([&](Done) {
    Mutex mu("queue");
    CondVar ready("ready");
    Scope s(Done(), "s");
    s.spawn("waiter", [&] {
      std::unique_lock<Mutex> lk(mu);
      line = __LINE__ + 1;
      (void)ready.wait(lk);
    });
    test::yield_until_blocked(1, "condvar 'ready'");
    mu.lock();
    ready.notify_one();
    (void)Chan<int>().recv();  // holds mu for good
  });
  expect_blocked_at(out, "root/waiter", line, "lock of mutex 'queue' held by #1 root");
}

TEST(BlockedSite, WaitGroupWait) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    WaitGroup wg("workers");
    wg.add(1);
    line = __LINE__ + 1;
    wg.wait();
  });
  expect_blocked_at(out, "root", line, "wait on waitgroup 'workers'");

  out = run([&](Done done) {
    WaitGroup wg("workers");
    wg.add(1);
    line = __LINE__ + 1;
    (void)wg.wait(done);
  });
  expect_blocked_at(out, "root", line, "wait on waitgroup 'workers'");
}

TEST(BlockedSite, OnceCallAndCallOnce) {
  for (const bool free_function : {false, true}) {
    unsigned line = 0;
    Outcome out = run([&](Done) {
      Once init("config");
      Scope s(Done(), "s");
      s.spawn("loader", [init] { init.call([] { (void)Chan<int>().recv(); }); });
      test::yield_until_blocked(1, "nil chan");
      if (free_function) {
        line = __LINE__ + 1;
        call_once(init, [] {});
      } else {
        line = __LINE__ + 1;
        init.call([] {});
      }
    });
    expect_blocked_at(out, "root", line, "call_once of once 'config' running in #2 root/loader");
  }
}

TEST(BlockedSite, ScopeJoinAndTheDestructorsWait) {
  unsigned line = 0;
  Outcome out = run([&](Done done) {
    Scope s(done, "workers");
    s.spawn("stuck", [] { (void)Chan<int>().recv(); });
    line = __LINE__ + 1;
    s.join();
  });
  expect_blocked_at(out, "root", line, "join of scope 'workers'");

  // A destructor has no call of its own: the scope's declaration stands for it.
  out = run([&](Done done) {
    line = __LINE__ + 1;
    Scope s(done, "workers");
    s.spawn("stuck", [] { (void)Chan<int>().recv(); });
  });
  expect_blocked_at(out, "root", line, "join of scope 'workers'");
}

TEST(BlockedSite, ErrGroupWait) {
  unsigned line = 0;
  Outcome out = run([&](Done done) {
    ErrGroup g(done, "fetch");
    g.go("get", [] { (void)Chan<int>().recv(); });
    line = __LINE__ + 1;
    (void)g.wait();
  });
  expect_blocked_at(out, "root", line, "join of scope 'fetch'");

  // Left without wait(): the destructor waits, at the group's declaration.
  out = run([&](Done done) {
    line = __LINE__ + 1;
    ErrGroup g(done, "fetch");
    g.go("get", [] { (void)Chan<int>().recv(); });
  });
  expect_blocked_at(out, "root", line, "join of scope 'fetch'");
}

TEST(BlockedSite, SleepFor) {
  unsigned line = 0;
  std::vector<FiberInfo> seen;
  Outcome out = run([&](Done done) {
    Scope s(done, "s");
    s.spawn("sleeper", [&](Done d) {
      line = __LINE__ + 1;
      (void)sleep_for(d, std::chrono::hours(1));
    });
    test::yield_until_blocked(1, "until t=");
    seen = census();
  });
  ASSERT_TRUE(out.clean()) << out.summary();
  const FiberInfo f = find_path(seen, "root/sleeper");
  EXPECT_EQ(f.blocked_file, __FILE__) << format(seen);
  EXPECT_EQ(f.blocked_line, line) << format(seen);
}

TEST(BlockedSite, FormatShowsItBetweenTheStateAndTheWait) {
  unsigned line = 0;
  Outcome out = run([&](Done) {
    Chan<int> pages(0, "pages");
    line = __LINE__ + 1;
    (void)pages.send(1);
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const std::string expected = "  #1 root blocked at " + std::string(__FILE__) + ":" +
                               std::to_string(line) +
                               ": send on chan 'pages' (cap 0, 0 buffered) since step ";
  EXPECT_EQ(format(out.live).rfind(expected, 0), 0u) << format(out.live);
}

TEST(BlockedSite, APlainBoostWaitReadsAsANounPhraseNamingItsPrimitive) {
#ifdef FIBERCHECK_TEST_NO_BOOST_HOOKS
  GTEST_SKIP() << "Boost.Fiber is static here: fibercheck does not hook its waits";
#endif
  Outcome out = run([](Done) {
    go("stuck", [] {
      // A plain Boost.Fiber wait, never woken: leaked on purpose, as the fiber outlives
      // the test.
      auto* m = new boost::fibers::mutex;
      auto* cv = new boost::fibers::condition_variable;
      std::unique_lock<boost::fibers::mutex> lk(*m);
      cv->wait(lk);
    });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  const FiberInfo f = find_path(out.live, "root/stuck");
  EXPECT_EQ(f.state, FiberState::blocked);
  EXPECT_FALSE(f.in_fibercheck_wait);
  EXPECT_TRUE(f.in_boost_wait);
  // condition_variable::wait waits in the condition_variable_any inside it; which of the
  // two the census names depends on what the compiler inlined.
  EXPECT_EQ(f.blocked_on.rfind("wait on boost::fibers::condition_variable", 0), 0u) << f.blocked_on;
  EXPECT_NE(f.blocked_on.find(" (object 1)"), std::string::npos) << f.blocked_on;
  // The census line reads "blocked[ at FILE:LINE]: <blocked_on> since step N".
  EXPECT_NE(format(out.live).find(": " + f.blocked_on + " since step "), std::string::npos)
      << format(out.live);
}

}  // namespace
}  // namespace fibercheck
