// steward: a steward starts a ward and watches its heartbeat; when no pulse
// arrives within a timeout (virtual time) it cancels the ward's done and starts a
// new one. The ward forwards the stream (or runs the child) while a fiber of it
// pulses. Its first incarnation hangs on purpose, blocking only on its own done,
// so every run takes the restart path. The steward stops on done, or when a ward
// ends by itself: the work is complete.
//
// Only the hung first incarnation is ever restarted. A timer may fire while work is
// still runnable (the scheduler explores that race), so a working ward can miss a
// pulse; restarting it would drop the values it holds and let it close the stream
// under its successor, as Go's steward does under load. A working ward's missed
// pulses are tolerated instead.
//
//   startWard := func() {
//       wardDone = make(chan interface{})
//       wardHeartbeat = startGoroutine(or(wardDone, done), timeout/2)
//   }
//   startWard()
//   monitorLoop:
//   for {
//       timeoutSignal := time.After(timeout)
//       for {
//           select {
//           case <-wardHeartbeat: continue monitorLoop
//           case <-timeoutSignal:
//               close(wardDone)
//               startWard()
//               continue monitorLoop
//           case <-done: return
//           }
//       }
//   }
#include "kinds/builtin.hpp"
#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

namespace {

constexpr auto kTimeout = std::chrono::milliseconds(4);

void ward(NodeRun& r, int incarnation, const Done& done, const Stream& heartbeat) {
  auto closer = r.close_on_exit(heartbeat);  // closed: the steward learns the ward ended
  if (incarnation == 0) {
    done.wait();
    return;
  }
  Scope pulser(done, "ward");
  pulser.spawn("pulse", [&r, heartbeat](Done d) {
    Ticker pulse(kTimeout / 2);
    Recv<Duration> tick;
    while (select(d, {on_recv(pulse.chan(), tick)}).index == 0)
      if (heartbeat.try_send(0) == Status::ok) r.note_sent(heartbeat, 0);
  });
  if (r.node.children.empty()) {
    pump(r, r.in, r.out, done);
  } else {
    r.run_child(0, done, r.in, r.out);
  }
  pulser.cancel();
  pulser.join();
}

enum class Watch { ended, unhealthy, cancelled };

Watch watch(NodeRun& r, const Stream& heartbeat, bool restartable) {
  for (;;) {
    const Chan<Duration> timeout = after(kTimeout);
    Recv<Value> beat;
    Recv<Duration> fired;
    const Selected s = select(r.done, {on_recv(heartbeat, beat), on_recv(timeout, fired)});
    if (s.index < 0) return Watch::cancelled;
    if (s.index == 1) {
      if (restartable) return Watch::unhealthy;
      continue;
    }
    if (s.status != Status::ok) return Watch::ended;
    r.note_received(heartbeat, *beat);
  }
}

}  // namespace

KindInfo steward() {
  KindInfo k;
  k.name = "steward";
  k.description = "steward/ward: restarts a ward (forwarding, or the child) that stops pulsing";
  k.max_children = 1;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    for (int incarnation = 0;; ++incarnation) {
      const Stream heartbeat = r.make_chan("ward-heartbeat", 0);
      Scope ward_scope(r.done, "ward");
      ward_scope.spawn(
          "ward", [&r, incarnation, heartbeat](Done d) { ward(r, incarnation, d, heartbeat); });
      if (watch(r, heartbeat, incarnation == 0) != Watch::unhealthy) {
        ward_scope.join();
        return;
      }
      ward_scope.cancel();
      ward_scope.join();
    }
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
