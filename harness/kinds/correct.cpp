// correct.cpp: the list of correct pattern kinds beyond the basic four.
#include "builtin.hpp"

namespace fibercheck::harness::bundled {

std::vector<KindInfo> correct_kinds() { return {}; }

}  // namespace fibercheck::harness::bundled
