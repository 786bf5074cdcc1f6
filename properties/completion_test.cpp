#include "support.hpp"

namespace fibercheck::props {

// Without cancellation, finite correct trees complete, leak nothing, and every
// value sent on every channel is received exactly once.
RC_GTEST_PROP(Completion, FiniteTreesCompleteAndDeliverEveryValueOnce, ()) {
  CaseSpec c;
  c.topology = *harness::gen_topology();
  c.strategy = draw_schedule();
  c.cancel_when_idle = false;
  c.max_steps = harness::kCompletionMaxSteps;
  CaseOutcome o = harness::run_case(c);
  if (!o.clean()) RC_FAIL(failure("the tree completes without cancellation", c, o));
  if (!o.ledger_balanced())
    RC_FAIL(failure("every value sent is received exactly once; unbalanced:\n" + o.ledger_report(),
                    c, o));
}

}  // namespace fibercheck::props
