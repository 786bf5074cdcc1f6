// explore.hpp: the DFS explorer (fibercheck/sched/dfs.hpp) over a harness case: every
// schedule and cancellation point of a small topology within the preemption bound.
#pragma once

#include <optional>

#include "explore/runner.hpp"
#include "fibercheck/sched/dfs.hpp"

namespace fibercheck::harness {

struct CaseExploration {
  sched::ExploreReport report;
  // The failing case as a replayable spec (strategy replay with every choice it made,
  // and its cancellation step), and how it ended.
  std::optional<CaseSpec> failure;
  CaseOutcome outcome;
};

// Explores `base.topology` with base's budgets and idle cancellation; base's strategy
// and cancel_step are replaced by the explorer's. A case fails unless it is clean.
[[nodiscard]] CaseExploration explore_case(const CaseSpec& base,
                                           const sched::ExploreOptions& options = {});

}  // namespace fibercheck::harness
