// take: forwards the first n values of its input, closes its output, then
// discards the rest of the input so the stage upstream never blocks on it.
//
//   defer close(takeStream)
//   for i := 0; i < num; i++ {
//       select {
//       case <-done: return
//       case takeStream <- <-valueStream:
//       }
//   }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo take() {
  KindInfo k;
  k.name = "take";
  k.description = "take: forwards the first n values, then drains the rest";
  k.params = {{"n", 0, 8, 1}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    for (std::int64_t i = 0; i < r.param("n"); ++i) {
      Recv<Value> v = r.recv(r.in);
      if (!v || r.send(r.out, *v) != Status::ok) return;
    }
    r.out.close();  // downstream sees the end now, not after the drain
    r.drain(r.in);
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
