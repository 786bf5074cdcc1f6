// ordone: the child reads its input through the or-done pattern: a fiber ranges
// over the input watching done and forwards each value, watching done again.
//
//   go func() {
//       defer close(valStream)
//       for {
//           select {
//           case <-done: return
//           case v, ok := <-c:
//               if ok == false { return }
//               select {
//               case valStream <- v:
//               case <-done:
//               }
//           }
//       }
//   }()
#include "kinds/builtin.hpp"
#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

KindInfo ordone() {
  KindInfo k;
  k.name = "ordone";
  k.description = "or-done: the child's input is read through a done-aware forwarding fiber";
  k.min_children = 1;
  k.max_children = 1;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope scope(r.done);
    Stream vals = r.make_chan("ordone", 0);
    scope.spawn("or-done", [&r, vals](Done d) {
      auto close_vals = r.close_on_exit(vals);
      pump(r, r.in, vals, d);
    });
    r.spawn_child(scope, 0, vals, r.out);
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
