// Unit tests for chan.hpp: FIFO delivery, close, cancellation, try_, nil channels.
#include "fibercheck/chan.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using sched::StrategyKind;
using test::with;
using test::yield_until_blocked;

constexpr int kValues = 50;

// One sender, one receiver, under `seed`: the values received, in order.
std::vector<int> pass_through(std::size_t capacity, std::uint64_t seed) {
  std::vector<int> got;
  Outcome out = run(
      [&](Done done) {
        Chan<int> ch(capacity, "numbers");
        Scope s(done);
        s.spawn("sender", [ch](Done d) {
          for (int i = 0; i < kValues; ++i) (void)ch.send(d, i);
          ch.close();
        });
        while (auto r = ch.recv(done)) got.push_back(*r);
        s.join();
      },
      with(StrategyKind::random, seed));
  EXPECT_TRUE(out.clean()) << out.summary();
  return got;
}

std::vector<int> iota_values() {
  std::vector<int> v;
  for (int i = 0; i < kValues; ++i) v.push_back(i);
  return v;
}

TEST(Chan, UnbufferedRendezvousDeliversInFifoOrder) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) EXPECT_EQ(pass_through(0, seed), iota_values());
}

TEST(Chan, BufferedOfCapacityOneDeliversInFifoOrder) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) EXPECT_EQ(pass_through(1, seed), iota_values());
}

TEST(Chan, BufferedOfCapacitySixteenDeliversInFifoOrder) {
  for (std::uint64_t seed = 1; seed <= 8; ++seed) EXPECT_EQ(pass_through(16, seed), iota_values());
}

TEST(Chan, BufferHoldsExactlyItsCapacity) {
  std::vector<Status> st;
  std::size_t size = 0;
  Outcome out = run([&](Done) {
    Chan<int> ch(3, "three");
    for (int i = 0; i < 4; ++i) st.push_back(ch.try_send(i));
    size = ch.size();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, (std::vector<Status>{Status::ok, Status::ok, Status::ok, Status::would_block}));
  EXPECT_EQ(size, 3u);
}

TEST(Chan, CarriesMoveOnlyValues) {
  std::vector<int> got;
  Outcome out = run([&](Done done) {
    Chan<std::unique_ptr<int>> ch(0, "boxes");
    Scope s(done);
    s.spawn("sender", [ch](Done d) {
      for (int i = 0; i < 3; ++i) (void)ch.send(d, std::make_unique<int>(i));
      ch.close();
    });
    while (auto r = ch.recv(done)) got.push_back(**r);
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2}));
}

TEST(Chan, CloseWakesEveryBlockedReceiver) {
  std::vector<Status> st(3, Status::ok);
  bool closed_it = false;
  Outcome out = run([&](Done done) {
    Chan<int> ch(0, "in");
    Scope s(done);
    for (int i = 0; i < 3; ++i)
      s.spawn("receiver",
              [ch, &st, i](Done d) { st[static_cast<std::size_t>(i)] = ch.recv(d).status; });
    yield_until_blocked(3, "recv on chan 'in'");
    closed_it = ch.close();
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(closed_it);
  EXPECT_EQ(st, std::vector<Status>(3, Status::closed));
}

TEST(Chan, CloseWakesEveryBlockedSender) {
  std::vector<Status> st(3, Status::ok);
  Outcome out = run([&](Done done) {
    Chan<int> ch(0, "out");
    Scope s(done);
    for (int i = 0; i < 3; ++i)
      s.spawn("sender", [ch, &st, i](Done d) { st[static_cast<std::size_t>(i)] = ch.send(d, i); });
    yield_until_blocked(3, "send on chan 'out'");
    ch.close();
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(st, std::vector<Status>(3, Status::closed));
}

TEST(Chan, CloseTwiceReturnsFalse) {
  bool first = false, second = true;
  Outcome out = run([&](Done) {
    Chan<int> ch(1, "c");
    first = ch.close();
    second = ch.close();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
}

TEST(Chan, RecvDrainsBufferedValuesBeforeReportingClosed) {
  std::vector<int> got;
  Status last = Status::ok, send_after_close = Status::ok;
  Outcome out = run([&](Done done) {
    Chan<int> ch(4, "buf");
    for (int i = 1; i <= 3; ++i) (void)ch.send(done, i);
    ch.close();
    send_after_close = ch.try_send(9);
    Recv<int> r;
    while ((r = ch.recv(done))) got.push_back(*r);
    last = r.status;
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(got, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(last, Status::closed);
  EXPECT_EQ(send_after_close, Status::closed);
}

TEST(Chan, SendAndRecvReturnCancelledWhenDoneCloses) {
  Status sent = Status::ok, received = Status::ok;
  Outcome out = run([&](Done done) {
    Chan<int> ch(0, "idle");
    Scope s(done);
    s.spawn("sender", [&, ch](Done d) { sent = ch.send(d, 1); });
    s.spawn("receiver", [&](Done d) { received = Chan<int>(0, "other").recv(d).status; });
    yield_until_blocked(2, "chan");
    s.cancel();
    s.join();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sent, Status::cancelled);
  EXPECT_EQ(received, Status::cancelled);
}

TEST(Chan, TrySendAndTryRecvWouldBlock) {
  Status recv_empty = Status::ok, send_unbuffered = Status::ok, send_full = Status::ok;
  Outcome out = run([&](Done) {
    Chan<int> unbuffered(0, "u");
    Chan<int> one(1, "one");
    recv_empty = unbuffered.try_recv().status;
    send_unbuffered = unbuffered.try_send(1);
    (void)one.try_send(1);
    send_full = one.try_send(2);
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(recv_empty, Status::would_block);
  EXPECT_EQ(send_unbuffered, Status::would_block);
  EXPECT_EQ(send_full, Status::would_block);
}

TEST(Chan, NilChannelBlocksForever) {
  Outcome out = run([](Done) {
    Chan<int> nil;
    (void)nil.recv();
  });
  EXPECT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.live.size(), 1u) << out.summary();
  EXPECT_EQ(out.live[0].path, "root");
  EXPECT_EQ(out.live[0].blocked_on, "recv on nil chan");
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(Chan, NilChannelReportsItself) {
  Chan<int> nil;
  EXPECT_TRUE(nil.nil());
  EXPECT_EQ(nil.name(), "nil");
  EXPECT_EQ(nil.capacity(), 0u);
  EXPECT_FALSE(nil.close());
}

}  // namespace
}  // namespace fibercheck
