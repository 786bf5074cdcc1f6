// scope: a nested scope with its own done. The child runs under a done derived
// from the node's; once `after` values have passed into it (0: never) the node
// closes that done, cancelling the whole subtree, keeps draining its own input so
// the stage upstream never blocks, and closes its output. The rest of the tree
// carries on.
//
//   ctx, cancel := context.WithCancel(parent)
//   defer cancel()
//   results := child(ctx, feed)
//   for v := range orDone(parent.Done(), in) {
//       if passed == after { cancel(); break }
//       select {
//       case feed <- v: passed++
//       case <-ctx.Done():
//       }
//   }
//   for range orDone(parent.Done(), in) {}
#include "kinds/builtin.hpp"
#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

KindInfo scope() {
  KindInfo k;
  k.name = "scope";
  k.description = "nested scope: cancels its subtree after `after` values (0: never), drains on";
  k.min_children = 1;
  k.max_children = 1;
  k.params = {{"after", 0, 8, 0}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    const std::int64_t after = r.param("after");
    const Stream feed = r.make_chan("scope-in", 0);
    const Stream results = r.make_chan("scope-out", 0);
    Scope inner(r.done, "scope");
    auto cut = std::make_shared<bool>(false);  // the ledger forgives what the cut discards
    r.spawn_cuttable_child(inner, 0, feed, results, cut);
    inner.spawn("collect", [&r, results](Done d) { pump(r, results, r.out, d); });
    std::int64_t passed = 0;
    while (after == 0 || passed < after) {
      Recv<Value> v = r.recv(r.in);
      if (!v || r.counted_send(feed, *v, inner.done()) != Status::ok) break;
      ++passed;
    }
    feed.close();
    if (after != 0 && passed == after) {
      *cut = true;
      inner.cancel();
      r.drain(r.in);
    }
    inner.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
