// bridge: a producer turns the input into a channel of channels, chunks of m
// values each, and bridge flattens them back into one stream for the child.
//
//   for {
//       var stream <-chan interface{}
//       select {
//       case maybeStream, ok := <-chanStream:
//           if ok == false { return }
//           stream = maybeStream
//       case <-done: return
//       }
//       for val := range orDone(done, stream) {
//           select {
//           case valStream <- val:
//           case <-done:
//           }
//       }
//   }
#include "kinds/builtin.hpp"
#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

namespace {

struct CloseChunks {
  Chan<Stream> ch;
  ~CloseChunks() { ch.close(); }
};

// Sends each chunk's channel first, then its values, so no value waits in a buffer
// when a cancelled subtree stops reading.
void chunk(NodeRun& r, const Chan<Stream>& chunks, std::int64_t m, const Done& done) {
  CloseChunks closer{chunks};
  while (Recv<Value> v = r.counted_recv(r.in, done)) {
    const Stream c = r.make_chan("chunk", 0);
    if (chunks.send(done, c) != Status::ok) return;
    auto close_chunk = r.close_on_exit(c);
    for (std::int64_t i = 0;;) {
      if (r.counted_send(c, *v, done) != Status::ok) return;
      if (++i == m) break;
      v = r.counted_recv(r.in, done);
      if (!v) return;
    }
  }
}

void flatten(NodeRun& r, const Chan<Stream>& chunks, const Stream& vals, const Done& done) {
  auto closer = r.close_on_exit(vals);
  while (Recv<Stream> c = chunks.recv(done))
    if (!pump(r, *c, vals, done)) return;
}

}  // namespace

KindInfo bridge() {
  KindInfo k;
  k.name = "bridge";
  k.description = "bridge: input chunked into a channel of channels, flattened for the child";
  k.min_children = 1;
  k.max_children = 1;
  k.params = {{"m", 1, 4, 1}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Scope scope(r.done);
    const Chan<Stream> chunks(0, "chunks");
    const Stream vals = r.make_chan("bridge", 0);
    scope.spawn("chunker", [&r, chunks, m = r.param("m")](Done d) { chunk(r, chunks, m, d); });
    scope.spawn("bridge", [&r, chunks, vals](Done d) { flatten(r, chunks, vals, d); });
    r.spawn_child(scope, 0, vals, r.out);
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
