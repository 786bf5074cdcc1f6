// merge: different children share the input; their outputs are multiplexed into
// one with the fan-in pattern (streams.hpp shows its Go).
//
//   merged := fanIn(done, childA(done, in), childB(done, in), childC(done, in))
#include "kinds/builtin.hpp"
#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

KindInfo merge() {
  KindInfo k;
  k.name = "merge";
  k.description = "fan-in: 2-4 children share the input; their outputs merged";
  k.min_children = 2;
  k.max_children = 4;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope scope(r.done);
    std::vector<Stream> outs;
    for (std::size_t i = 0; i < r.node.children.size(); ++i) {
      outs.push_back(r.make_chan("merge", 0));
      r.spawn_child(scope, i, r.in, outs.back());
    }
    fan_in(r, scope.done(), outs);
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
