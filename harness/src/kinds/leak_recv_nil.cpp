// leak-recv-nil: receives from a channel nobody writes, ignoring done: the seed's
// doWork(nil). The node itself forwards its input correctly; the fiber it starts
// leaks on every schedule.
//
//   doWork := func(strings <-chan string) <-chan interface{} {
//       completed := make(chan interface{})
//       go func() {
//           defer close(completed)
//           for s := range strings { fmt.Println(s) }
//       }()
//       return completed
//   }
//   doWork(nil)
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_recv_nil() {
  KindInfo k;
  k.name = "leak-recv-nil";
  k.description = "doWork(nil): a fiber ranges over a channel nobody writes, ignoring done";
  k.mutant = true;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Stream strings;  // nil
    go("doWork", [strings] {
      while (strings.recv()) {
      }
    });
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
