// leak-busy: a poll loop with a default case and no done case. It never blocks,
// so the run never goes idle, and it never returns: the step budget catches it
// on every schedule.
//
//   go func() {
//       for {
//           select {
//           case u := <-updates: apply(u)
//           default:                  // nothing yet: poll again
//           }
//       }
//   }()
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_busy() {
  KindInfo k;
  k.name = "leak-busy";
  k.description = "a fiber polls a channel with a default case forever, never checking done";
  k.mutant = true;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Stream updates = r.make_chan("updates", 0);
    go("poll", [updates] {
      for (;;) {
        Recv<Value> u;
        (void)select_or_default(Done(), {on_recv(updates, u)});
      }
    });
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
