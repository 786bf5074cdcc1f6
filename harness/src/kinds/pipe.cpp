// pipe: its children in a row, each in its own fiber, joined by unbuffered
// channels: in -> c0 -> c1 -> ... -> out.
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo pipe() {
  KindInfo k;
  k.name = "pipe";
  k.description = "pipeline: children in a row joined by channels of capacity cap";
  k.min_children = 1;
  k.max_children = 6;
  k.params = {{"cap", 0, 16, 0}};
  k.start = [](NodeRun& r) {
    Scope scope(r.done);
    Stream prev = r.in;
    const std::size_t n = r.node.children.size();
    for (std::size_t i = 0; i < n; ++i) {
      Stream next =
          i + 1 == n ? r.out : r.make_chan("pipe", static_cast<std::size_t>(r.param("cap")));
      r.spawn_child(scope, i, prev, next);
      prev = next;
    }
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
