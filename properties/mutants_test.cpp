#include "explore/shrink.hpp"
#include "explore/suites.hpp"
#include "support.hpp"

namespace fibercheck::props {

// Every mutant, planted anywhere in a correct tree, is caught by the
// cancellation property (the schedule-dependent one within a few schedules).
RC_GTEST_PROP(Mutants, EveryPlantedMutantIsCaught, ()) {
  const auto names = harness::mutant_kind_names();
  const std::string kind = *rc::gen::elementOf(names);
  CaseSpec c;
  c.topology = *harness::gen_planted(kind);
  c.strategy = draw_schedule();
  c.cancel_step = *rc::gen::inRange<std::uint64_t>(0, 400);
  CaseSpec probe = c;
  if (!harness::fails_nearby(probe, harness::seeds_for(c.topology, 64))) {
    CaseOutcome o = harness::run_case(c);
    RC_FAIL(failure("the planted " + kind + " is caught", c, o));
  }
}

// A caught mutant shrinks to a minimal case: the mutant alone, or with the one
// parent it needs.
RC_GTEST_PROP(Mutants, CaughtMutantShrinksToAtMostTwoNodes, ()) {
  const auto names = harness::mutant_kind_names();
  const std::string kind = *rc::gen::elementOf(names);
  CaseSpec c;
  c.topology = *harness::gen_planted(kind);
  c.strategy = draw_schedule();
  c.cancel_step = *rc::gen::inRange<std::uint64_t>(0, 400);
  RC_PRE(harness::fails_nearby(c, harness::seeds_for(c.topology, 64)));
  // Every shrink keeps the failure found (`c` is now its failing variant).
  const harness::FailureSignature found = harness::case_signature(harness::run_case(c), true);
  CaseSpec small = harness::shrink_case(c, harness::fails_nearby_like(found));
  RC_TAG(kind);
  const CaseOutcome o = harness::run_case(small);
  if (harness::case_signature(o, true) != found)
    RC_FAIL(failure("shrinking keeps the failure found (" + found.text() + ")", c,
                    harness::run_case(c)));
  if (small.topology.size() > 2 || !small.topology.has_mutant()) {
    RC_FAIL(failure("shrinks to at most 2 nodes with the " + kind + " kept, got " +
                        std::to_string(small.topology.size()),
                    small, o));
  }
}

}  // namespace fibercheck::props
