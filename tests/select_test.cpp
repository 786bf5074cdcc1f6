// Unit tests for select.hpp: ready cases only, done, default, seeded choice, nil cases.
#include "fibercheck/select.hpp"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::with;

TEST(Select, TakesOnlyReadyCases) {
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    Selected sel{-2, Status::would_block};
    int value = 0;
    Outcome out = run(
        [&](Done done) {
          Chan<int> empty(1, "empty"), full(1, "full");
          Chan<int> no_receiver(0, "no-receiver");
          (void)full.try_send(42);
          Recv<int> a, b;
          int v = 7;
          sel = select(done, {on_recv(empty, a), on_send(no_receiver, v), on_recv(full, b)});
          if (b) value = *b;
        },
        with(StrategyKind::random, seed));
    EXPECT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(sel.index, 2) << "seed " << seed;
    EXPECT_EQ(sel.status, Status::ok);
    EXPECT_EQ(value, 42);
  }
}

TEST(Select, SendCaseDeliversToAWaitingReceiver) {
  int got = 0;
  Selected sel{-2, Status::would_block};
  Outcome out = run([&](Done done) {
    Chan<int> ch(0, "handoff");
    Scope s(done);
    s.spawn("receiver", [&, ch](Done d) {
      if (auto r = ch.recv(d)) got = *r;
    });
    test::yield_until_blocked(1, "recv on chan 'handoff'");
    int v = 5;
    Chan<int> idle(0, "idle");
    Recv<int> unused;
    sel = select(done, {on_recv(idle, unused), on_send(ch, v)});
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, 1);
  EXPECT_EQ(got, 5);
}

TEST(Select, HonoursDoneWhenItClosesWhileBlocked) {
  Selected sel{-2, Status::ok};
  Outcome out = run([&](Done done) {
    Scope s(done);
    s.spawn("selector", [&](Done d) {
      Chan<int> a(0, "a"), b(0, "b");
      Recv<int> ra, rb;
      sel = select(d, {on_recv(a, ra), on_recv(b, rb)});
    });
    test::yield_until_blocked(1, "select");
    s.cancel();
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, -1);
  EXPECT_EQ(sel.status, Status::cancelled);
}

TEST(Select, HonoursAnAlreadyClosedDone) {
  Selected sel{-2, Status::ok};
  Outcome out = run([&](Done) {
    DoneSource src("closed");
    src.close();
    Chan<int> a(0, "a");
    Recv<int> ra;
    sel = select(src.done(), {on_recv(a, ra)});
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, -1);
  EXPECT_EQ(sel.status, Status::cancelled);
}

TEST(Select, OrDefaultReturnsWouldBlockWhenNothingIsReady) {
  Selected sel{-2, Status::ok};
  Outcome out = run([&](Done done) {
    Chan<int> a(0, "a"), b(1, "b");
    Recv<int> ra, rb;
    sel = select_or_default(done, {on_recv(a, ra), on_recv(b, rb)});
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, -1);
  EXPECT_EQ(sel.status, Status::would_block);
}

TEST(Select, OrDefaultTakesAReadyCase) {
  Selected sel{-2, Status::ok};
  Outcome out = run([&](Done done) {
    Chan<int> a(1, "a");
    (void)a.try_send(1);
    Recv<int> ra;
    sel = select_or_default(done, {on_recv(a, ra)});
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, 0);
  EXPECT_EQ(sel.status, Status::ok);
}

// Two ready receives: which one select takes is a recorded scheduling choice.
Outcome two_ready(std::uint64_t seed, int& taken) {
  return run(
      [&taken](Done done) {
        Chan<int> a(1, "a"), b(1, "b");
        (void)a.try_send(1);
        (void)b.try_send(2);
        Recv<int> ra, rb;
        taken = select(done, {on_recv(a, ra), on_recv(b, rb)}).index;
      },
      with(StrategyKind::random, seed));
}

TEST(Select, ChoiceAmongReadyCasesVariesWithTheSeed) {
  std::set<int> taken_seen;
  std::set<std::uint64_t> hashes;
  for (std::uint64_t seed = 1; seed <= 32; ++seed) {
    int taken = -2;
    Outcome out = two_ready(seed, taken);
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(out.choices, std::vector<std::uint32_t>{static_cast<std::uint32_t>(taken)});
    taken_seen.insert(taken);
    hashes.insert(out.trace_hash);
  }
  EXPECT_EQ(taken_seen, (std::set<int>{0, 1}));
  EXPECT_EQ(hashes.size(), 2u);
}

TEST(Select, ChoiceAmongReadyCasesIsIdenticalForTheSameSeed) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) {
    int first = -2, second = -2;
    Outcome a = two_ready(seed, first);
    Outcome b = two_ready(seed, second);
    EXPECT_EQ(first, second);
    EXPECT_EQ(a.trace_hash, b.trace_hash);
    EXPECT_EQ(a.choices, b.choices);
  }
}

TEST(Select, NilChannelCasesNeverFire) {
  for (std::uint64_t seed = 1; seed <= 16; ++seed) {
    Selected with_ready{-2, Status::ok}, only_nil{-2, Status::ok};
    Outcome out = run(
        [&](Done done) {
          Chan<int> nil, ready(1, "ready");
          (void)ready.try_send(3);
          Recv<int> rn, rr;
          int v = 1;
          with_ready = select(done, {on_recv(nil, rn), on_send(nil, v), on_recv(ready, rr)});
          only_nil = select_or_default(done, {on_recv(nil, rn), on_send(nil, v)});
        },
        with(StrategyKind::random, seed));
    EXPECT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(with_ready.index, 2);
    EXPECT_EQ(only_nil.index, -1);
    EXPECT_EQ(only_nil.status, Status::would_block);
  }
}

TEST(Select, OnlyNilCasesBlockUntilDone) {
  Selected sel{-2, Status::ok};
  Outcome out = run(
      [&](Done done) {
        Chan<int> nil;
        Recv<int> r;
        sel = select(done, {on_recv(nil, r)});
      },
      [] {
        RunOptions o;
        o.cancel_when_idle = true;
        return o;
      }());
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sel.index, -1);
  EXPECT_EQ(sel.status, Status::cancelled);
}

// Never preempts: a fiber keeps running until it blocks (replay with no choices).
RunOptions non_preemptive() {
  RunOptions o;
  o.strategy.kind = StrategyKind::replay;
  return o;
}

// The selector's select is completed through `a`; before it runs again, a
// blocking send on `b` must wait for a receiver, not report would_block.
TEST(Select, CompletedSelectDoesNotMakeItsOtherChannelsLookReady) {
  Status sent = Status::would_block;
  int second = 0;
  Outcome out = run(
      [&](Done done) {
        Chan<int> a(0, "a"), b(0, "b");
        Scope s(done);
        s.spawn("selector", [&, a, b](Done d) {
          Recv<int> ra, rb;
          (void)select(d, {on_recv(a, ra), on_recv(b, rb)});
          if (auto r = b.recv(d)) second = *r;
        });
        test::yield_until_blocked(1, "select");
        (void)a.try_send(1);
        sent = b.send(done, 2);
        s.join();
      },
      non_preemptive());
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sent, Status::ok);
  EXPECT_EQ(second, 2);
}

TEST(Select, CompletedSelectDoesNotMakeItsOtherSendCasesLookReady) {
  Recv<int> got;
  Outcome out = run(
      [&](Done done) {
        Chan<int> a(0, "a"), b(0, "b");
        Scope s(done);
        s.spawn("selector", [a, b](Done d) {
          int x = 1, y = 2;
          (void)select(d, {on_send(a, x), on_send(b, y)});
          (void)b.send(d, 3);
        });
        test::yield_until_blocked(1, "select");
        (void)a.try_recv();
        got = b.recv(done);
        s.join();
      },
      non_preemptive());
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(got.status, Status::ok);
  EXPECT_EQ(got.value, std::optional<int>(3));
}

}  // namespace
}  // namespace fibercheck
