// Go's nil channel (a default-constructed Chan): sends and receives block forever and
// show in the census, select cases on it are never ready, and the seed's doWork(nil)
// (Cox-Buday, "Concurrency in Go", ch. 4) leaks exactly as in Go.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

using namespace std::chrono_literals;
using sched::StrategyKind;
using test::with;

struct Unwound {
  bool* flag;
  ~Unwound() { *flag = true; }
};

TEST(NilChan, SendAndRecvBlockForeverAreReportedAndUnwound) {
  bool sender_unwound = false, receiver_unwound = false;
  Outcome out = run([&](Done) {
    Chan<int> nil;
    go("sender", [&, nil] {
      Unwound u{&sender_unwound};
      (void)nil.send(1);
    });
    go("receiver", [&, nil] {
      Unwound u{&receiver_unwound};
      (void)nil.recv();
    });
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  EXPECT_EQ(test::find_path(out.live, "root/sender").blocked_on, "send on nil chan");
  EXPECT_EQ(test::find_path(out.live, "root/receiver").blocked_on, "recv on nil chan");
  EXPECT_TRUE(sender_unwound && receiver_unwound);
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

TEST(NilChan, OperationsWithADoneEndOnlyWhenItCloses) {
  Status sent = Status::ok, received = Status::ok;
  RunOptions opt;
  opt.cancel_when_idle = true;
  Outcome out = run(
      [&](Done done) {
        Chan<int> nil;
        Scope s(done);
        s.spawn("sender", [&, nil](Done d) { sent = nil.send(d, 1); });
        received = nil.recv(done).status;
        s.join();
      },
      opt);
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(sent, Status::cancelled);
  EXPECT_EQ(received, Status::cancelled);
}

TEST(NilChan, TryOperationsWouldBlockAndCloseIsRefused) {
  Status try_send = Status::ok, try_recv = Status::ok;
  bool closed = true;
  Outcome out = run([&](Done) {
    Chan<int> nil;
    try_send = nil.try_send(1);
    try_recv = nil.try_recv().status;
    closed = nil.close();
  });
  EXPECT_TRUE(out.clean()) << out.summary();
  EXPECT_EQ(try_send, Status::would_block);
  EXPECT_EQ(try_recv, Status::would_block);
  EXPECT_FALSE(closed);
}

// Go disables a select case by setting its channel to nil.
TEST(NilChan, SelectCasesOnItAreNeverReady) {
  for (std::uint64_t seed = 0; seed < 30; ++seed) {
    Selected with_default{0, Status::ok}, with_ready{-2, Status::ok}, only_nil{0, Status::ok};
    RunOptions opt = with(StrategyKind::random, seed);
    opt.cancel_when_idle = true;
    Outcome out = run(
        [&](Done done) {
          Chan<int> nil;
          Chan<int> ready(1, "ready");
          (void)ready.try_send(1);
          Recv<int> a, b;
          int v = 1;
          with_default = select_or_default(done, {on_recv(nil, a), on_send(nil, v)});
          with_ready = select(done, {on_recv(nil, a), on_send(nil, v), on_recv(ready, b)});
          only_nil = select(done, {on_recv(nil, a), on_send(nil, v)});
        },
        opt);
    ASSERT_TRUE(out.clean()) << out.summary();
    EXPECT_EQ(with_default.status, Status::would_block);
    EXPECT_EQ(with_ready.index, 2) << "seed " << seed;
    EXPECT_EQ(only_nil.status, Status::cancelled);
  }
}

// Go's `defer`: runs its action when the scope is left, also while unwinding.
struct Defer {
  std::function<void()> fn;
  ~Defer() { fn(); }
};

// The seed, as written in Go:
//
//   doWork := func(strings <-chan string) <-chan interface{} {
//       completed := make(chan interface{})
//       go func() {
//           defer fmt.Println("doWork exited.")
//           defer close(completed)
//           for s := range strings { fmt.Println(s) }
//       }()
//       return completed
//   }
//   doWork(nil)
//   fmt.Println("Done.")
Chan<int> do_work(Chan<std::string> strings, std::vector<std::string>& out) {
  Chan<int> completed(0, "completed");
  go("doWork", [strings, completed, &out] {
    Defer exited{[&out] { out.push_back("doWork exited."); }};
    Defer close{[completed] { completed.close(); }};
    while (auto s = strings.recv()) out.push_back(*s);
  });
  return completed;
}

TEST(NilChan, TheSeedsDoWorkOfNilLeaksItsGoroutine) {
  std::vector<std::string> printed;
  Outcome out = run([&](Done) {
    (void)do_work(Chan<std::string>(), printed);
    printed.push_back("Done.");
  });
  ASSERT_EQ(out.verdict, Verdict::quiescent) << out.summary();
  ASSERT_EQ(out.live.size(), 1u) << out.summary();
  EXPECT_EQ(out.live[0].path, "root/doWork");
  EXPECT_EQ(out.live[0].blocked_on, "recv on nil chan");
  ASSERT_FALSE(printed.empty());
  EXPECT_EQ(printed[0], "Done.");  // "doWork exited." only comes from fibercheck's unwinding
  EXPECT_TRUE(out.unreclaimed.empty()) << out.summary();
}

// The book's fix: doWork selects on a done channel that main closes after a second.
Chan<int> do_work(Done done, Chan<std::string> strings, std::vector<std::string>& out) {
  Chan<int> terminated(0, "terminated");
  go("doWork", [done, strings, terminated, &out] {
    Defer exited{[&out] { out.push_back("doWork exited."); }};
    Defer close{[terminated] { terminated.close(); }};
    for (;;) {
      Recv<std::string> s;
      if (select(done, {on_recv(strings, s)}).index != 0) return;
      out.push_back(*s);
    }
  });
  return terminated;
}

TEST(NilChan, TheSeedsFixEndsDoWorkUnderEverySchedule) {
  for (StrategyKind kind : {StrategyKind::random, StrategyKind::pct}) {
    for (std::uint64_t seed = 0; seed < 30; ++seed) {
      std::vector<std::string> printed;
      Outcome out = run(
          [&](Done) {
            auto done = std::make_shared<DoneSource>("done");
            Chan<int> terminated = do_work(done->done(), Chan<std::string>(), printed);
            go("canceller", [done, &printed] {
              (void)sleep_for(Done(), 1s);
              printed.push_back("Canceling doWork goroutine...");
              done->close();
            });
            (void)terminated.recv();
            printed.push_back("Done.");
          },
          with(kind, seed));
      ASSERT_TRUE(out.clean()) << out.summary();
      EXPECT_EQ(printed, (std::vector<std::string>{"Canceling doWork goroutine...",
                                                   "doWork exited.", "Done."}))
          << "seed " << seed;
    }
  }
}

}  // namespace
}  // namespace fibercheck
