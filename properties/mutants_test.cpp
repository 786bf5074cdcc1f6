#include "shrink.hpp"
#include "support.hpp"

namespace fibercheck::props {

namespace {

// Runs the cancellation property on c; true if it fails (the mutant is caught).
bool caught(const CaseSpec& c) { return !harness::run_case(c).clean(); }

// For schedule-dependent mutants a shrink candidate may need another seed
// (TRAPS 16): try a few, and keep the one that fails.
bool caught_with_some_seed(CaseSpec& c, int seeds) {
  for (int i = 0; i < seeds; ++i) {
    CaseSpec v = c;
    v.strategy.seed = c.strategy.seed + static_cast<std::uint64_t>(i);
    if (caught(v)) {
      c = v;
      return true;
    }
  }
  return false;
}

}  // namespace

// Every mutant, planted anywhere in a correct tree, is caught by the
// cancellation property (the schedule-dependent one within a few schedules).
RC_GTEST_PROP(Mutants, EveryPlantedMutantIsCaught, ()) {
  const auto names = harness::mutant_kind_names();
  const std::string kind = *rc::gen::elementOf(names);
  CaseSpec c;
  c.topology = *harness::gen_planted(kind);
  c.strategy = draw_schedule();
  c.cancel_step = *rc::gen::inRange<std::uint64_t>(0, 400);
  const bool dependent = harness::find_kind(kind)->schedule_dependent;
  CaseSpec probe = c;
  if (!caught_with_some_seed(probe, dependent ? 64 : 1)) {
    CaseOutcome o = harness::run_case(c);
    RC_FAIL(failure("the planted " + kind + " is caught", c, o));
  }
}

// A caught mutant shrinks to a minimal case: the mutant alone, or with the one
// parent it needs.
RC_GTEST_PROP(Mutants, CaughtMutantShrinksToAtMostTwoNodes, ()) {
  const auto names = harness::mutant_kind_names();
  const std::string kind = *rc::gen::elementOf(names);
  const bool dependent = harness::find_kind(kind)->schedule_dependent;
  CaseSpec c;
  c.topology = *harness::gen_planted(kind);
  c.strategy = draw_schedule();
  c.cancel_step = *rc::gen::inRange<std::uint64_t>(0, 400);
  RC_PRE(caught_with_some_seed(c, dependent ? 64 : 1));
  CaseSpec small = harness::shrink_case(
      c, [&](CaseSpec& x) { return caught_with_some_seed(x, dependent ? 16 : 1); });
  RC_TAG(kind);
  if (small.topology.size() > 2 || !small.topology.has_mutant()) {
    CaseOutcome o = harness::run_case(small);
    RC_FAIL(failure("shrinks to at most 2 nodes with the " + kind + " kept, got " +
                        std::to_string(small.topology.size()),
                    small, o));
  }
}

}  // namespace fibercheck::props
