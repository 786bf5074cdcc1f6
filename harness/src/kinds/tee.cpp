// tee: every input value goes to both children, done watched on each send; the
// two outputs are merged into one with the fan-in pattern.
//
//   defer close(out1)
//   defer close(out2)
//   for val := range orDone(done, in) {
//       var out1, out2 = out1, out2
//       for i := 0; i < 2; i++ {
//           select {
//           case <-done:
//           case out1 <- val: out1 = nil
//           case out2 <- val: out2 = nil
//           }
//       }
//   }
#include "kinds/builtin.hpp"
#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

namespace {

void split(NodeRun& r, const Stream& a, const Stream& b, const Done& done) {
  auto close_a = r.close_on_exit(a);
  auto close_b = r.close_on_exit(b);
  while (Recv<Value> v = r.counted_recv(r.in, done)) {
    Stream out1 = a, out2 = b;
    Value v1 = *v, v2 = *v;
    for (int i = 0; i < 2; ++i) {
      const Selected s = select(done, {on_send(out1, v1), on_send(out2, v2)});
      if (s.index < 0 || s.status != Status::ok) return;
      Stream& sent = s.index == 0 ? out1 : out2;
      r.note_sent(sent, *v);
      sent = Stream();  // nil: that case is never ready again
    }
  }
}

}  // namespace

KindInfo tee() {
  KindInfo k;
  k.name = "tee";
  k.description = "tee: each input value goes to both children; their outputs merged";
  k.min_children = 2;
  k.max_children = 2;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope scope(r.done);
    const Stream a = r.make_chan("tee", 0), b = r.make_chan("tee", 0);
    const Stream a_out = r.make_chan("tee-out", 0), b_out = r.make_chan("tee-out", 0);
    r.spawn_child(scope, 0, a, a_out);
    r.spawn_child(scope, 1, b, b_out);
    scope.spawn("tee", [&r, a, b](Done d) { split(r, a, b, d); });
    fan_in(r, scope.done(), {a_out, b_out});
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
