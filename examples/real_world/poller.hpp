// poller.hpp: Kubernetes #70277 (GoKer kubernetes70277): a caller that walks away from
// a returned channel. wait.poller() returns a WaitFunc whose goroutine ticks into the
// channel it returns until a timeout or `done` closes; WaitFor reads ticks until its
// condition holds and returns, but its caller never closes `done` (and the timeout is
// zero: none). The poller goroutine never blocks for good: it keeps ticking and
// dropping ticks nobody reads, forever.
//
//   go func() {
//       defer close(ch)
//       tick := time.NewTicker(interval); defer tick.Stop()
//       for { select {
//       case <-tick.C: select { case ch <- struct{}{}: default: }   // drop when unread
//       case <-after:  return
//       case <-done:   return
//       } }
//   }()
//
// The upstream fix closes `done` when WaitFor returns (defer close(done)).
#pragma once

#include <chrono>

#include "defer.hpp"
#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace poller_detail {

using namespace std::chrono_literals;

inline fibercheck::Chan<int> poller(fibercheck::Done done, fibercheck::Duration interval) {
  using namespace fibercheck;
  Chan<int> ch(0, "poll");
  go("poller", [ch, done, interval] {
    Defer close_ch([ch] { ch.close(); });
    Ticker tick(interval);
    for (;;) {
      Recv<Duration> t;
      if (select(done, {on_recv(tick.chan(), t)}).index != 0) return;
      int signal = 1;
      (void)select_or_default(done, {on_send(ch, signal)});
    }
  });
  return ch;
}

// Reads ticks until the condition (the third tick) holds.
inline void wait_for(const fibercheck::Done& done, const fibercheck::Chan<int>& ticks) {
  using namespace fibercheck;
  for (int n = 0; n < 3;) {
    Recv<int> r;
    if (select(done, {on_recv(ticks, r)}).index != 0 || !r) return;
    ++n;
  }
}

}  // namespace poller_detail

inline void poller_buggy(fibercheck::Done) {
  using namespace std::chrono_literals;
  fibercheck::Done never_closed;  // the caller's done channel, never closed
  poller_detail::wait_for(never_closed, poller_detail::poller(never_closed, 10ms));
}

inline void poller_fixed(fibercheck::Done parent) {
  using namespace std::chrono_literals;
  fibercheck::DoneSource done(parent, "poll-done");  // closed when this returns
  poller_detail::wait_for(done.done(), poller_detail::poller(done.done(), 10ms));
}

}  // namespace examples::real_world
