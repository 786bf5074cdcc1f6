// gen: a generator (Go's `repeat`/`take` family, bounded): sends n fresh values,
// then forwards its input, watching done at every send and receive.
//
//   for i := 0; i < n; i++ { select { case out <- v: case <-done: return } }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo gen() {
  KindInfo k;
  k.name = "gen";
  k.description = "generator: sends n fresh values, then forwards its input";
  k.params = {{"n", 0, 64, 1}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    for (std::int64_t i = 0; i < r.param("n"); ++i)
      if (r.send(r.out, r.fresh_value()) != Status::ok) return;
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
