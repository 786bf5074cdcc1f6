#include "kinds/streams.hpp"

namespace fibercheck::harness::bundled {

bool pump(NodeRun& r, const Stream& from, const Stream& to, const Done& done) {
  for (;;) {
    Recv<Value> v = r.counted_recv(from, done);
    if (!v) return v.status == Status::closed;
    if (r.counted_send(to, *v, done) != Status::ok) return false;
  }
}

void fan_in(NodeRun& r, const Done& done, const std::vector<Stream>& ins) {
  Scope wg(done, "fan-in");
  for (const Stream& c : ins) wg.spawn("fan-in", [&r, c](Done d) { pump(r, c, r.out, d); });
  wg.join();
}

}  // namespace fibercheck::harness::bundled
