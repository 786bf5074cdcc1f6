// runner.hpp: runs one case (a topology, a schedule, a cancellation point and
// budgets) and says how it ended.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "fibercheck/harness/node_run.hpp"
#include "fibercheck/harness/topology.hpp"
#include "fibercheck/run.hpp"

namespace fibercheck::harness {

struct CaseSpec {
  Topology topology;
  sched::StrategySpec strategy;
  // Close the root's done once this many steps have been taken.
  std::optional<std::uint64_t> cancel_step;
  // Close the root's done when every fiber is blocked and it is still open.
  bool cancel_when_idle = true;
  // Enough to end any correct tree once done closes: a 30-node tree can hold thousands
  // of fibers, each taking a dozen or so scheduling points to wind down (23,314 steps
  // for the largest seen; 20,000 was too few once every synchronization became a point).
  std::uint64_t max_steps = 100000;
  // Keep the event log, and capture each park's stack (RunOptions::trace and
  // capture_stacks): for a replay that builds a report.
  bool trace = false;
  bool record_choice_detail = false;  // RunOptions::record_choice_detail, for sched/dfs.hpp
};

enum class CaseVerdict {
  clean,                   // every fiber ended
  leak,                    // fibers still blocked after the root's done closed
  deadlock_before_cancel,  // everything blocked before the root's done closed
  budget_exceeded,         // a fiber kept running (or timers kept firing) past the budget
  exception,               // an exception escaped
};

[[nodiscard]] const char* to_string(CaseVerdict v) noexcept;

struct CaseOutcome {
  CaseVerdict verdict = CaseVerdict::clean;
  Outcome run;  // census, steps, choices, trace hash, events
  std::map<std::string, ChannelLedger> ledger;
  std::uint64_t delivered = 0;  // values the root's output delivered to the collector

  [[nodiscard]] bool clean() const noexcept { return verdict == CaseVerdict::clean; }
  // True when every channel received exactly the values sent on it.
  [[nodiscard]] bool ledger_balanced() const;
  // The channels whose traffic does not balance, one a line.
  [[nodiscard]] std::string ledger_report() const;
};

CaseOutcome run_case(const CaseSpec& spec);

// The step budget for runs without cancellation: a finite tree of 30 nodes can pass
// tens of thousands of values (generators of 64 through fan-outs and replicas), so
// CaseSpec's default, sized for cancelled runs, would stop correct work midway.
inline constexpr std::uint64_t kCompletionMaxSteps = 1000000;

}  // namespace fibercheck::harness
