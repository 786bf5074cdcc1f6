// repeat: an endless generator: sends fresh values until done closes. A fiber of
// its own drains its input, so whatever feeds it never blocks. Done is checked
// first on every round: with a buffered reader the send is always ready, and a
// select that does not pick at random (the fifo strategy takes the first ready
// case) would never see done.
//
//   go func() {
//       defer close(valueStream)
//       for {
//           select {
//           case <-done: return
//           default:
//           }
//           select {
//           case <-done: return
//           case valueStream <- v:
//           }
//       }
//   }()
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo repeat() {
  KindInfo k;
  k.name = "repeat";
  k.description = "repeat: endless generator until done; drains its input in a fiber";
  k.finite = false;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope scope(r.done);
    scope.spawn("drain", [&r](Done d) {
      while (r.counted_recv(r.in, d)) {
      }
    });
    while (!r.done.closed() && r.send(r.out, r.fresh_value()) == Status::ok) {
    }
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
