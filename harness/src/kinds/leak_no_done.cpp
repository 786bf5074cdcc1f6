// leak-no-done: a child started without its parent's done. It is handed a done
// that never closes (Go's context.Background() where ctx was meant) and waits
// for that done to release what it holds, so nothing ends it. Leaks on every
// schedule.
//
//   go watch(context.Background(), res)   // meant: go watch(ctx, res)
//
//   func watch(ctx context.Context, res *Resource) {
//       <-ctx.Done()
//       res.Release()
//   }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_no_done() {
  KindInfo k;
  k.name = "leak-no-done";
  k.description = "a child is given a done that never closes (Background) and waits for it";
  k.mutant = true;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    go("watch", [ctx = Done()] { ctx.wait(); });
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
