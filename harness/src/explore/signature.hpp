// signature.hpp: what makes two failures "the same failure", so that shrinking
// keeps the bug it was given instead of drifting to another one (a deadlock shrunk
// to a poller exhausting the step budget says nothing about the deadlock).
#pragma once

#include <string>
#include <vector>

#include "fibercheck/run.hpp"

namespace fibercheck::harness {

struct FailureSignature {
  std::string verdict;              // to_string(Verdict), plus the case verdict for harness cases
  std::vector<std::string> fibers;  // "path: primitive", sorted; coarse: "primitive", each once

  [[nodiscard]] bool operator==(const FailureSignature&) const = default;
  // "quiescent; root/a: call_once of once 'o'; ..." for reports and test messages.
  [[nodiscard]] std::string text() const;
};

// The primitive a fiber waits on with its volatile parts removed: " since step N"
// dropped and every number outside a quoted name replaced by '#' (buffered counts,
// step numbers); a fiber that is ready or running counts as "running".
[[nodiscard]] std::string stable_wait(const FiberInfo& f);

// Verdict kind and every stuck fiber as (census path, stable_wait).
[[nodiscard]] FailureSignature failure_signature(const Outcome& o);

// The signature for topology shrinking, where removing nodes renames the fibers left
// and moves a node's code from one fiber to another (a node hoisted to the root runs
// in the root fiber; a supervisor runs its child in its own fiber). So a stuck fiber
// counts by what it waits on alone: the primitive kind (stable_wait with quoted names
// dropped), or "running". Same verdict and the same set of those is "the same
// failure": a deadlock never matches a step-budget overrun, and a leak blocked on a
// nil channel never matches one blocked on a channel nobody closes.
//  - A set, not a multiset: how many alike fibers are stuck (replicas spawned before
//    the cancellation, say) moves with every step a removed node no longer takes.
//  - A fiber blocked in "join of scope" is left out: it waits for children that are
//    live themselves (and counted), and hoisting the leaking node out of its parents
//    removes it.
//  - Under a budget verdict (the step or time budget, or still_running at the end of
//    the leak window) the run was cut at an arbitrary step: a fiber blocked only in
//    the later half of the run (a loop on a timer, caught between two ticks) counts
//    as running; one blocked since the first half is stuck and counts by what it
//    waits on (a run cut by its step budget is fair from half its steps at the
//    latest, RunOptions::fair_after_steps).
[[nodiscard]] FailureSignature coarse_signature(const Outcome& o);

}  // namespace fibercheck::harness
