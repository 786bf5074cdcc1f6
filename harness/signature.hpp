// signature.hpp: what makes two failures "the same failure", so that shrinking
// keeps the bug it was given instead of drifting to another one (a deadlock shrunk
// to a poller exhausting the step budget says nothing about the deadlock).
#pragma once

#include <string>
#include <vector>

#include "fibercheck/run.hpp"

namespace fibercheck::harness {

struct FailureSignature {
  std::string verdict;               // to_string(Verdict), plus the case verdict for harness cases
  std::vector<std::string> fibers;   // "path: primitive", sorted (a multiset)

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

// The signature for topology shrinking, where removing nodes renames the paths
// of the nodes left: each fiber by its kind (FiberInfo::kind, else its name's leaf
// with numbers replaced by '#') and the primitive kind it waits on (stable_wait
// with quoted names dropped). Same verdict and the same multiset of (who, waits
// on what) keeps "the same failure" meaningful while letting the tree shrink.
[[nodiscard]] FailureSignature coarse_signature(const Outcome& o);

}  // namespace fibercheck::harness
