// orchan: the or-channel: one signal that closes as soon as any of k signals
// closes, built recursively as in the book, every fiber of it also watching done.
// The node forwards its input, closes one of the k signals, and waits for the
// combined signal before closing its output.
//
//   or = func(channels ...<-chan interface{}) <-chan interface{} {
//       switch len(channels) {
//       case 0: return nil
//       case 1: return channels[0]
//       }
//       orDone := make(chan interface{})
//       go func() {
//           defer close(orDone)
//           switch len(channels) {
//           case 2:
//               select { case <-channels[0]: case <-channels[1]: }
//           default:
//               select {
//               case <-channels[0]: case <-channels[1]: case <-channels[2]:
//               case <-or(append(channels[3:], orDone)...):
//               }
//           }
//       }()
//       return orDone
//   }
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

namespace {

// A signal closed when any of `signals` (at least one) closes. Signals carry no
// values: a case fires when its channel closes.
Stream any_of(NodeRun& r, Scope& scope, std::vector<Stream> signals) {
  if (signals.size() == 1) return signals[0];
  Stream or_done = r.make_chan("or", 0);
  scope.spawn("or", [&r, &scope, signals, or_done](Done d) {
    auto closer = r.close_on_exit(or_done);
    Recv<Value> got;
    if (signals.size() == 2) {
      (void)select(d, {on_recv(signals[0], got), on_recv(signals[1], got)});
      return;
    }
    std::vector<Stream> rest(signals.begin() + 3, signals.end());
    rest.push_back(or_done);  // so the sub-tree ends once this one fires
    const Stream sub = any_of(r, scope, std::move(rest));
    (void)select(d, {on_recv(signals[0], got), on_recv(signals[1], got), on_recv(signals[2], got),
                     on_recv(sub, got)});
  });
  return or_done;
}

}  // namespace

KindInfo orchan() {
  KindInfo k;
  k.name = "orchan";
  k.description = "or-channel: forwards, then closes one of k signals and waits for their or";
  k.params = {{"k", 1, 6, 2}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope scope(r.done);
    std::vector<Stream> signals;
    for (std::int64_t i = 0; i < r.param("k"); ++i) signals.push_back(r.make_chan("signal", 0));
    const Stream any = any_of(r, scope, signals);
    r.forward();
    signals.back().close();  // the deepest one, so the signal climbs the whole tree
    (void)any.recv(r.done);
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
