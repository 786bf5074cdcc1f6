// stopper.hpp: CockroachDB #1462 (GoKer cockroach1462): a stop signal closed between a
// check and a plain send, and a WaitGroup wait on the worker that leaked. A transport
// worker checks the stopper, finds it open, and then sends an event with a plain send;
// meanwhile Stop() closes the stopper, the event loop sees it and returns, and nobody
// will ever receive. Stop() then waits on the stopper's WaitGroup for a worker that
// never calls Done().
//
//   stopper.RunWorker(func() {                 // s.stop.Add(1); go ...; s.stop.Done()
//       select { case <-stopper.ShouldStop(): return; default: }
//       lt.Events <- interceptMessage(0)        // plain send
//   })
//   stopper.RunWorker(func() {                 // processEventsUntil
//       for { select { case e := <-lt.Events: ...; case <-stopper.ShouldStop(): return } }
//   })
//   s.Stop()                                    // close(s.stopper); s.stop.Wait()
//
// The fix selects on the stopper in the send as well. Nothing forces the order: the
// leak needs the scheduler to run the worker's check before the close and the event
// loop's select after it, which every synchronization operation being a scheduling
// point makes reachable.
#pragma once

#include <memory>
#include <string>

#include "defer.hpp"
#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace stopper_detail {

inline void stopper(bool fixed) {
  using namespace fibercheck;
  auto should_stop = std::make_shared<DoneSource>("stopper");
  WaitGroup stop("stopper");
  Chan<int> events(0, "events");
  auto run_worker = [stop](std::string name, auto fn) {
    stop.add(1);
    go(std::move(name), [stop, fn] {
      Defer done([stop] { stop.done(); });
      fn();
    });
  };
  run_worker("transport", [events, fixed, d = should_stop->done()] {
    if (d.closed()) return;  // select { case <-ShouldStop(): return; default: }
    if (fixed) {
      (void)events.send(d, 1);
    } else {
      (void)events.send(1);
    }
  });
  run_worker("event-loop", [events, d = should_stop->done()] {
    for (;;) {
      Recv<int> e;
      if (select(d, {on_recv(events, e)}).index != 0) return;
    }
  });
  should_stop->close();  // Stop(): close(s.stopper) ...
  stop.wait();           // ... then s.stop.Wait()
}

}  // namespace stopper_detail

inline void stopper_buggy(fibercheck::Done) { stopper_detail::stopper(false); }
inline void stopper_fixed(fibercheck::Done) { stopper_detail::stopper(true); }

}  // namespace examples::real_world
