// heartbeat: forwards its input and pulses every p virtual milliseconds on a
// heartbeat channel that a monitor fiber of the node reads; a pulse the monitor
// is not ready for is dropped. Stops when its input closes or done closes.
//
//   sendPulse := func() {
//       select {
//       case heartbeat <- struct{}{}:
//       default:
//       }
//   }
//   for {
//       select {
//       case <-done: return
//       case <-pulse: sendPulse()
//       case r, ok := <-in:
//           if !ok { return }
//           for sent := false; !sent; {
//               select {
//               case <-done: return
//               case <-pulse: sendPulse()
//               case out <- r: sent = true
//               }
//           }
//       }
//   }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

namespace {

void forward_pulsing(NodeRun& r, const Stream& heartbeat, Duration period) {
  Ticker pulse(period);
  Recv<Duration> tick;
  auto send_pulse = [&] {
    if (heartbeat.try_send(0) == Status::ok) r.note_sent(heartbeat, 0);
  };
  for (;;) {
    Recv<Value> v;
    Selected s = select(r.done, {on_recv(r.in, v), on_recv(pulse.chan(), tick)});
    if (s.index == 1) {
      send_pulse();
      continue;
    }
    if (s.index != 0 || s.status != Status::ok) return;
    r.note_received(r.in, *v);
    for (Value x = *v;;) {
      s = select(r.done, {on_send(r.out, x), on_recv(pulse.chan(), tick)});
      if (s.index == 1) {
        send_pulse();
        continue;
      }
      if (s.index != 0 || s.status != Status::ok) return;
      r.note_sent(r.out, *v);
      break;
    }
  }
}

}  // namespace

KindInfo heartbeat() {
  KindInfo k;
  k.name = "heartbeat";
  k.description = "heartbeat: forwards, pulsing every p virtual ms to a monitor fiber";
  k.params = {{"p", 1, 5, 1}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    const Stream heartbeat = r.make_chan("heartbeat", 0);
    Scope monitor(r.done, "heartbeat");
    monitor.spawn("monitor", [&r, heartbeat](Done d) {
      while (r.counted_recv(heartbeat, d)) {
      }
    });
    forward_pulsing(r, heartbeat, std::chrono::milliseconds(r.param("p")));
    heartbeat.close();
    monitor.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
