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

// Turns a failing case into a replay of its recorded choices and shrinks those:
// fewest preemptions (choices that differ from the non-preemptive default), then
// shortest (trailing defaults dropped), then smallest; then the cancellation point
// as early as still fails. The result fails under the replay strategy.
// `preemptions_before`/`after`, when given, receive the counts.
[[nodiscard]] CaseSpec shrink_schedule(const CaseSpec& failing, ShrinkStats* stats = nullptr,
                                       std::uint64_t* preemptions_before = nullptr,
                                       std::uint64_t* preemptions_after = nullptr);

}  // namespace fibercheck::harness
