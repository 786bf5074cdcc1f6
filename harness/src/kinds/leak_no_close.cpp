// leak-no-close: a stage that forgets to close its output, and a consumer that
// ranges over that output without watching done. The consumer is this node's own
// loop: on done it keeps draining so the stage can finish, waiting for a close
// that never comes. Leaks on every schedule.
//
//   func stage(done <-chan struct{}, in <-chan int) <-chan int {
//       out := make(chan int)
//       go func() {                     // forgets defer close(out)
//           for v := range in {
//               select { case out <- v: case <-done: return }
//           }
//       }()
//       return out
//   }
//
//   for v := range stage(done, in) {    // ends only when stage closes: never
//       select { case out <- v: case <-done: }
//   }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_no_close() {
  KindInfo k;
  k.name = "leak-no-close";
  k.description = "an inner stage never closes its output; this node ranges over it ignoring done";
  k.mutant = true;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Stream staged = r.make_chan("staged", 0);
    Scope scope(r.done);
    scope.spawn("stage", [&r, staged](Done d) {
      while (auto v = r.counted_recv(r.in, d))
        if (r.counted_send(staged, *v, d) != Status::ok) return;
    });
    while (auto v = r.counted_recv(staged, Done())) (void)r.send(r.out, *v);
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
