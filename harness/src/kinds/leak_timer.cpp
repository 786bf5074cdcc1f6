// leak-timer: a periodic job that waits on a timer and never checks done. Virtual
// time keeps advancing for it after everything else has ended, so the step (or
// virtual time) budget catches it on every schedule.
//
//   go func() {
//       for {
//           <-time.After(interval)    // no case <-ctx.Done()
//           flush()
//       }
//   }()
#include <chrono>

#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_timer() {
  KindInfo k;
  k.name = "leak-timer";
  k.description = "a fiber waits on time.After in a loop forever, never checking done";
  k.mutant = true;
  k.params = {{"ms", 1, 1000, 10}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    const auto interval = std::chrono::milliseconds(r.param("ms"));
    go("flush", [interval] {
      for (;;) (void)after(interval).recv();
    });
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
