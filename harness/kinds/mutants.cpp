// mutants.cpp: the list of mutant kinds, each a real leak bug from Go code.
#include "builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_recv_nil();

std::vector<KindInfo> mutant_kinds() { return {leak_recv_nil()}; }

}  // namespace fibercheck::harness::bundled
