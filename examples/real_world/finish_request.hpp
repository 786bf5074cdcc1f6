// finish_request.hpp: Kubernetes #5316 (GoKer kubernetes5316): the API server's
// finishRequest runs the storage call in a goroutine and waits for its result or a
// timeout. When the timeout wins nobody receives the result, and the goroutine blocks
// on its send forever: one leaked goroutine per slow request.
//
//   ch := make(chan runtime.Object)      // the fix: make(chan runtime.Object, 1)
//   errCh := make(chan error)            // the fix: make(chan error, 1)
//   go func() {
//       if result, err := fn(); err != nil { errCh <- err } else { ch <- result }
//   }()
//   select {
//   case result = <-ch:        return result, nil
//   case err = <-errCh:        return nil, err
//   case <-time.After(timeout): return nil, errors.NewTimeoutError(...)
//   }
//
// The fix buffers both channels, so the late send completes and the goroutine ends.
#pragma once

#include <chrono>
#include <string>

#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace finish_request_detail {

using namespace std::chrono_literals;

inline void finish_request(std::size_t capacity) {
  using namespace fibercheck;
  Chan<int> ch(capacity, "result");
  Chan<std::string> err_ch(capacity, "err");
  go("fn", [ch, err_ch] {
    (void)sleep_for(Done(), 200ms);  // the storage call is slower than the timeout
    (void)ch.send(42);
  });
  Recv<int> result;
  Recv<std::string> err;
  Recv<Duration> timeout;
  (void)select(Done(), {on_recv(ch, result), on_recv(err_ch, err), on_recv(after(100ms), timeout)});
}

}  // namespace finish_request_detail

inline void finish_request_buggy(fibercheck::Done) { finish_request_detail::finish_request(0); }
inline void finish_request_fixed(fibercheck::Done) { finish_request_detail::finish_request(1); }

}  // namespace examples::real_world
