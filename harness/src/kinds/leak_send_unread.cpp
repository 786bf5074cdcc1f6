// leak-send-unread: results nobody collects. The node asks several replicas for
// the same answer and takes the first; the others' sends on the unbuffered
// channel are never read and ignore done, so at least one replica leaks on every
// schedule (Pike, "Go Concurrency Patterns": the fix is a buffer per replica).
//
//   func First(query string, replicas ...Search) Result {
//       c := make(chan Result)
//       for i := range replicas {
//           go func(i int) { c <- replicas[i](query) }(i)
//       }
//       return <-c
//   }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_send_unread() {
  KindInfo k;
  k.name = "leak-send-unread";
  k.description = "first replica wins: the other replicas' sends are never read and ignore done";
  k.mutant = true;
  k.params = {{"replicas", 2, 4, 2}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Stream results = r.make_chan("results", 0);
    for (std::int64_t i = 0; i < r.param("replicas"); ++i) {
      const Value answer = r.fresh_value();
      go("replica-" + std::to_string(i), [results, answer] { (void)results.send(answer); });
    }
    (void)results.recv(r.done);
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
