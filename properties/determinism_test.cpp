#include "support.hpp"

namespace fibercheck::props {

// The same case gives the same trace hash, steps and choices, twice in one process.
RC_GTEST_PROP(Determinism, SameCaseSameTrace, ()) {
  CaseSpec c;
  c.topology = *harness::gen_topology();
  c.strategy = draw_schedule();
  c.cancel_step = *rc::gen::inRange<std::uint64_t>(0, 400);
  CaseOutcome a = harness::run_case(c);
  CaseOutcome b = harness::run_case(c);
  RC_ASSERT(a.run.trace_hash == b.run.trace_hash);
  RC_ASSERT(a.run.steps == b.run.steps);
  RC_ASSERT(a.run.choices == b.run.choices);
}

// A recorded run replays to the same trace through the replay strategy.
RC_GTEST_PROP(Determinism, RecordedChoicesReplayTheRun, ()) {
  CaseSpec c;
  c.topology = *harness::gen_topology();
  c.strategy = draw_schedule();
  c.cancel_step = *rc::gen::inRange<std::uint64_t>(0, 400);
  CaseOutcome a = harness::run_case(c);
  CaseSpec r = c;
  r.strategy.kind = sched::StrategyKind::replay;
  r.strategy.choices = a.run.choices;
  CaseOutcome b = harness::run_case(r);
  RC_ASSERT(a.run.trace_hash == b.run.trace_hash);
  RC_ASSERT(a.verdict == b.verdict);
}

}  // namespace fibercheck::props
