// replicated: replicated requests. Each input value goes to k replicas that take
// different virtual times; the first reply is forwarded, and the other replicas
// are cancelled through the request's own done and waited for.
//
//   doWork := func(done <-chan interface{}, id int, wg *sync.WaitGroup, result chan<- int) {
//       defer wg.Done()
//       select {
//       case <-done:
//       case <-time.After(simulatedLoadTime):
//       }
//       select {
//       case <-done:
//       case result <- id:
//       }
//   }
//   for i := 0; i < k; i++ { go doWork(done, i, &wg, result) }
//   firstReturned := <-result
//   close(done)
//   wg.Wait()
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

namespace {

// The first reply to `v`, or none if done closed first. Every replica has ended
// when it returns.
Recv<Value> ask_replicas(NodeRun& r, const Stream& replies, Value v, std::int64_t k) {
  Scope request(r.done, "request");  // the request's done: closing it cancels the replicas
  for (std::int64_t i = 0; i < k; ++i) {
    // A different load per replica, and a different winner from one value to the next.
    const auto load = std::chrono::milliseconds(1 + (static_cast<std::int64_t>(v) + i) % k);
    request.spawn("replica", [&r, replies, v, load](Done d) {
      if (sleep_for(d, load) == Status::ok) (void)r.counted_send(replies, v, d);
    });
  }
  Recv<Value> first = r.recv(replies);
  request.cancel();
  request.join();
  return first;
}

}  // namespace

KindInfo replicated() {
  KindInfo k;
  k.name = "replicated";
  k.description = "replicated requests: k replicas per value, first reply wins, rest cancelled";
  k.params = {{"k", 1, 4, 2}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    const Stream replies = r.make_chan("replies", 0);
    while (Recv<Value> v = r.recv(r.in)) {
      Recv<Value> first = ask_replicas(r, replies, *v, r.param("k"));
      if (!first || r.send(r.out, *first) != Status::ok) return;
    }
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
