// fanout: k copies of one child read the same input concurrently (fan-out); their
// outputs are multiplexed into one (fan-in).
//
//   finders := make([]<-chan interface{}, numFinders)
//   for i := 0; i < numFinders; i++ {
//       finders[i] = primeFinder(done, randIntStream)
//   }
//   for prime := range fanIn(done, finders...) { ... }
#include "kinds/builtin.hpp"
#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

KindInfo fanout() {
  KindInfo k;
  k.name = "fanout";
  k.description = "fan-out/fan-in: k copies of the child share the input; outputs merged";
  k.min_children = 1;
  k.max_children = 1;
  k.params = {{"k", 1, 4, 2}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope scope(r.done);
    std::vector<Stream> outs;
    for (std::int64_t i = 0; i < r.param("k"); ++i) {
      outs.push_back(r.make_chan("fanout", 0));
      r.spawn_child(scope, 0, r.in, outs.back());
    }
    fan_in(r, scope.done(), outs);
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
