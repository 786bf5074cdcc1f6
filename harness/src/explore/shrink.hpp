// shrink.hpp: greedy shrinking of a failing case, RapidCheck's way: take the
// first smaller variant that still fails, until none does. The topology shrinks
// first (generate.hpp's shrinks), then the cancellation point moves as early as
// still fails.
#pragma once

#include <functional>

#include "explore/runner.hpp"
#include "explore/signature.hpp"

namespace fibercheck::harness {

struct ShrinkStats {
  std::size_t accepted = 0;  // shrinks taken
  std::size_t tried = 0;     // candidates run
};

// `fails` runs a candidate and says whether it still fails; it may change the
// candidate's schedule (say, to the seed that made it fail) before returning true.
using FailsFn = std::function<bool(CaseSpec&)>;

// A case's failure signature: the run's (signature.hpp) with the case verdict
// (leak vs deadlock before cancel) added. `coarse` gives coarse_signature's fibers,
// for comparing across topology shrinks.
[[nodiscard]] FailureSignature case_signature(const CaseOutcome& o, bool coarse);

// A FailsFn that accepts a candidate only when it fails with the same coarse
// signature as `failing` does (a run of it): shrinking keeps the failure it was given.
[[nodiscard]] FailsFn fails_like(const CaseSpec& failing);

[[nodiscard]] CaseSpec shrink_case(CaseSpec failing, const FailsFn& fails,
                                   ShrinkStats* stats = nullptr);

// Turns a failing case into a replay of its recorded choices and shrinks those:
// fewest preemptions (choices that differ from the non-preemptive default), then
// shortest (trailing defaults dropped), then smallest; then the cancellation point
// as early as still fails. The result fails under the replay strategy, and every
// step keeps the failure's signature (the same verdict and stuck fibers); when the
// case does not fail the same way under replay, it is returned unchanged.
// `preemptions_before`/`after`, when given, receive the counts; `reproduced`, when
// given, is false when the case came back unchanged because its run does not fail
// (a run that is clean, whatever else its suite checks) or replaying its recorded
// choices does not fail the same way, so a report can say why nothing shrank.
[[nodiscard]] CaseSpec shrink_schedule(const CaseSpec& failing, ShrinkStats* stats = nullptr,
                                       std::uint64_t* preemptions_before = nullptr,
                                       std::uint64_t* preemptions_after = nullptr,
                                       bool* reproduced = nullptr);

}  // namespace fibercheck::harness
