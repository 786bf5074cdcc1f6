// pool: a bounded worker pool. A semaphore channel of capacity k admits at most k
// short-lived workers at once; each forwards one value, then releases its token.
// The pool waits for its workers before closing its output.
//
//   sem := make(chan struct{}, k)
//   for v := range orDone(done, in) {
//       select {
//       case sem <- struct{}{}:
//       case <-done: return
//       }
//       wg.Add(1)
//       go func(v interface{}) {
//           defer func() { <-sem; wg.Done() }()
//           select {
//           case out <- v:
//           case <-done:
//           }
//       }(v)
//   }
//   wg.Wait()
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo pool() {
  KindInfo k;
  k.name = "pool";
  k.description = "worker pool: a semaphore of k tokens bounds short-lived forwarding workers";
  k.params = {{"k", 1, 4, 1}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    const Stream sem = r.make_chan("pool-sem", static_cast<std::size_t>(r.param("k")));
    Scope workers(r.done, "pool");
    while (Recv<Value> v = r.recv(r.in)) {
      if (r.send(sem, 0) != Status::ok) break;
      workers.spawn("worker", [&r, sem, x = *v](Done d) {
        (void)r.counted_send(r.out, x, d);
        // Never blocks and never fails: this worker's token is still buffered.
        if (Recv<Value> token = sem.try_recv()) r.note_received(sem, *token);
      });
    }
    workers.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
