// Unit tests for done.hpp: close-once signals, derivation, threads, stop tokens.
#include "fibercheck/done.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/fiber/fiber.hpp>
#include <cstdlib>
#include <mutex>
#include <stop_token>
#include <thread>
#include <vector>

#include "detail/done_state.hpp"
#include "fibercheck/census.hpp"
#include "fibercheck/run.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

// True once a fiber has registered a wait on `d`.
bool has_waiter(const Done& d) {
  std::lock_guard<fibercheck::detail::ObjectLock> lk(d.state()->m);
  return !d.state()->waiters.empty();
}

TEST(Done, CloseIsIdempotent) {
  DoneSource src("once");
  EXPECT_FALSE(src.closed());
  EXPECT_TRUE(src.close());
  EXPECT_FALSE(src.close());
  EXPECT_TRUE(src.done().closed());
  EXPECT_EQ(src.done().reason(), CloseReason::cancelled);
}

TEST(Done, DefaultDoneNeverCloses) {
  Done never;
  EXPECT_FALSE(never.can_close());
  EXPECT_FALSE(never.closed());
  EXPECT_EQ(never.reason(), CloseReason::open);
  EXPECT_EQ(never.name(), "never");
}

TEST(Done, DerivedClosesWithItsParent) {
  DoneSource parent("parent");
  DoneSource a(parent.done(), "a");
  DoneSource b = with_cancel(parent.done(), "b");
  parent.close();
  EXPECT_TRUE(a.closed());
  EXPECT_TRUE(b.closed());
  EXPECT_EQ(a.done().reason(), CloseReason::cancelled);
}

TEST(Done, ClosingAChildLeavesParentAndSiblingsOpen) {
  DoneSource parent("parent");
  DoneSource a(parent.done(), "a");
  DoneSource b(parent.done(), "b");
  DoneSource grandchild(a.done(), "a/x");
  EXPECT_TRUE(a.close());
  EXPECT_TRUE(grandchild.closed());
  EXPECT_FALSE(parent.closed());
  EXPECT_FALSE(b.closed());
}

TEST(Done, DerivedFromAClosedParentStartsClosed) {
  DoneSource parent("parent");
  parent.close();
  DoneSource child(parent.done(), "child");
  EXPECT_TRUE(child.closed());
}

TEST(Done, DestructorCloses) {
  Done d;
  {
    DoneSource src("scoped");
    d = src.done();
    EXPECT_FALSE(d.closed());
  }
  EXPECT_TRUE(d.closed());
}

TEST(Done, MoveAssignmentClosesTheOverwrittenSignal) {
  DoneSource a("a");
  Done old = a.done();
  a = DoneSource("b");
  EXPECT_TRUE(old.closed());
  EXPECT_FALSE(a.closed());
}

TEST(Done, StopTokenIsStopRequestedOnClose) {
  DoneSource src("stop");
  std::stop_token before = src.done().stop_token();
  EXPECT_TRUE(before.stop_possible());
  EXPECT_FALSE(before.stop_requested());
  src.close();
  EXPECT_TRUE(before.stop_requested());
  EXPECT_TRUE(src.done().stop_token().stop_requested());
}

TEST(Done, StopTokenOfADerivedDoneFollowsTheParent) {
  DoneSource parent("parent");
  DoneSource child(parent.done(), "child");
  std::stop_token tok = child.done().stop_token();
  parent.close();
  EXPECT_TRUE(tok.stop_requested());
}

TEST(Done, FromStopTokenClosesWhenStopIsRequested) {
  std::stop_source ss;
  DoneSource src = DoneSource::from_stop_token(ss.get_token(), "jthread");
  EXPECT_FALSE(src.closed());
  ss.request_stop();
  EXPECT_TRUE(src.closed());
}

TEST(Done, FromAnAlreadyStoppedTokenStartsClosed) {
  std::stop_source ss;
  ss.request_stop();
  DoneSource src = DoneSource::from_stop_token(ss.get_token());
  EXPECT_TRUE(src.closed());
}

TEST(Done, CloseFromAnotherThreadWakesAWaitingFiber) {
  DoneSource src("remote");
  const Done d = src.done();
  std::atomic<bool> woke{false};
  std::thread fibers([&] {
    install();
    boost::fibers::fiber f([&] {
      d.wait();
      woke = true;
    });
    f.join();
  });
  while (!has_waiter(d)) std::this_thread::yield();
  EXPECT_TRUE(src.close());
  fibers.join();
  EXPECT_TRUE(woke);
}

TEST(Done, WaitReturnsAtOnceWhenAlreadyClosed) {
  bool returned = false;
  Outcome out = run([&](Done) {
    DoneSource src("closed");
    src.close();
    src.done().wait();
    returned = true;
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(returned);
}

TEST(Done, WaitOnTheDefaultDoneBlocksForever) {
  Outcome out = run([](Done) { Done().wait(); });
  EXPECT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.live.size(), 1u);
  EXPECT_EQ(out.live[0].blocked_on, "wait on a done that never closes");
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

constexpr int kChain = 100000;

TEST(Done, ChainOf100000DerivedDonesClosesWithoutStackOverflow) {
  bool last_closed = false;
  Outcome out = run([&](Done) {
    std::vector<DoneSource> chain;
    chain.reserve(kChain);
    chain.emplace_back("link");
    for (int i = 1; i < kChain; ++i) chain.emplace_back(chain.back().done(), "link");
    chain.front().close();  // on a 64 KiB fiber stack
    last_closed = chain.back().closed();
    while (!chain.empty()) chain.pop_back();  // innermost first: no recursive release
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(last_closed);
}

// Dropping the last reference to the innermost signal of a chain releases every
// ancestor; that must not recurse once per link either.
TEST(Done, ReleasingALongChainOnAFiberDoesNotOverflowItsStack) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Outcome out = run([](Done) {
          Done inner = DoneSource("link").done();
          for (int i = 1; i < kChain; ++i) inner = DoneSource(inner, "link").done();
          inner = Done();
        });
        std::_Exit(out.clean() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

}  // namespace
}  // namespace fibercheck
