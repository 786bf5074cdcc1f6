// stage: one pipeline stage: receives, transforms, sends, watching done at both.
//
//   for v := range in { select { case out <- f(v): case <-done: return } }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo stage() {
  KindInfo k;
  k.name = "stage";
  k.description = "pipeline stage: receives, transforms, sends; done watched at both";
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
