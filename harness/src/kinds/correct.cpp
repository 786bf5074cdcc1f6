// correct.cpp: the list of correct pattern kinds beyond the basic four, the
// patterns of Cox-Buday, "Concurrency in Go", ch. 4.
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo take();
KindInfo repeat();
KindInfo fanout();
KindInfo merge();
KindInfo ordone();
KindInfo orchan();
KindInfo tee();
KindInfo bridge();
KindInfo pool();
KindInfo heartbeat();
KindInfo replicated();
KindInfo steward();
KindInfo scope();

std::vector<KindInfo> correct_kinds() {
  return {
      take(),   repeat(), fanout(),    merge(),      ordone(),  orchan(), tee(),
      bridge(), pool(),   heartbeat(), replicated(), steward(), scope(),
  };
}

}  // namespace fibercheck::harness::bundled
