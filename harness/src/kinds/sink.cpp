// sink: ranges over its input until it is closed or done closes; sends nothing.
//
//   for { select { case _, ok := <-in: if !ok { return }; case <-done: return } }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo sink() {
  KindInfo k;
  k.name = "sink";
  k.description = "sink: ranges over its input until closed or done";
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    r.drain(r.in);
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
