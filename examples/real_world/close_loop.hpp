// close_loop.hpp: gRPC-Go #660 (GoKer grpc660): the benchmark client's closed loop
// starts each call in a goroutine that reports on an unbuffered `done`, and waits for
// `done` or the benchmark's `stop`. When stop wins, the loop returns without draining
// `done`, and the call in flight blocks on its send forever.
//
//   for {
//       done := make(chan bool)
//       go func() { unaryCall(); done <- true }()
//       select {
//       case <-bc.stop: return       // `done` is never drained
//       case <-done:
//       }
//   }
//
// The fix drains `done` before returning, so the call in flight can finish.
#pragma once

#include <chrono>

#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace close_loop_detail {

using namespace std::chrono_literals;

inline void close_loop(bool drain_on_stop) {
  using namespace fibercheck;
  Chan<int> stop(0, "stop");
  go("benchmark-timer", [stop] {
    (void)sleep_for(Done(), 10ms);
    stop.close();
  });
  for (;;) {
    Chan<bool> done(0, "done");
    go("unary-call", [done] {
      (void)sleep_for(Done(), 3ms);  // the call; the one started at 9 ms ends after stop
      (void)done.send(true);
    });
    Recv<int> stopped;
    Recv<bool> finished;
    if (select(Done(), {on_recv(stop, stopped), on_recv(done, finished)}).index == 0) {
      if (drain_on_stop) (void)done.recv();
      return;
    }
  }
}

}  // namespace close_loop_detail

inline void close_loop_buggy(fibercheck::Done) { close_loop_detail::close_loop(false); }
inline void close_loop_fixed(fibercheck::Done) { close_loop_detail::close_loop(true); }

}  // namespace examples::real_world
