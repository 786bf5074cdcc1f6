// builtin.hpp: the kinds fibercheck ships, one file each. The correct ones are
// the patterns of Cox-Buday, "Concurrency in Go", ch. 4; the mutants are the
// leaks Go programmers really write, each with the Go snippet it mirrors.
#pragma once

#include <vector>

#include "fibercheck/harness/kind.hpp"

namespace fibercheck::harness::bundled {

// The basic correct patterns.
KindInfo gen();
KindInfo stage();
KindInfo sink();
KindInfo pipe();

// The other correct patterns (kinds/correct.cpp lists them).
std::vector<KindInfo> correct_kinds();
// The mutants (kinds/mutants.cpp lists them).
std::vector<KindInfo> mutant_kinds();

// All of them, correct ones first.
std::vector<KindInfo> builtin();

}  // namespace fibercheck::harness::bundled
