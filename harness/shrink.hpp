// shrink.hpp: greedy shrinking of a failing case, RapidCheck's way: take the
// first smaller variant that still fails, until none does. The topology shrinks
// first (generate.hpp's shrinks), then the cancellation point moves as early as
// still fails.
#pragma once

#include <functional>

#include "runner.hpp"

namespace fibercheck::harness {

struct ShrinkStats {
  std::size_t accepted = 0;  // shrinks taken
  std::size_t tried = 0;     // candidates run
};

// `fails` runs a candidate and says whether it still fails; it may change the
// candidate's schedule (say, to the seed that made it fail) before returning true.
using FailsFn = std::function<bool(CaseSpec&)>;

[[nodiscard]] CaseSpec shrink_case(CaseSpec failing, const FailsFn& fails,
                                   ShrinkStats* stats = nullptr);

}  // namespace fibercheck::harness
