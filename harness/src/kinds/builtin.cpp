#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

std::vector<KindInfo> builtin() {
  std::vector<KindInfo> all = {gen(), stage(), sink(), pipe()};
  for (KindInfo& k : correct_kinds()) all.push_back(std::move(k));
  for (KindInfo& k : mutant_kinds()) all.push_back(std::move(k));
  return all;
}

}  // namespace fibercheck::harness::bundled
