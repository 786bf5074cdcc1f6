#include "support.hpp"

namespace fibercheck::props {

// Closing the root's done ends every fiber of any correct tree, under any
// schedule and at any cancellation point, within the step budget, with the
// census empty.
RC_GTEST_PROP(Cancellation, RootDoneEndsEveryDescendant, ()) {
  CaseSpec c;
  c.topology = *harness::gen_topology();
  c.strategy = draw_schedule();
  c.cancel_step = *rc::gen::inRange<std::uint64_t>(0, 400);
  CaseOutcome o = harness::run_case(c);
  if (!o.clean() || !o.run.live.empty())
    RC_FAIL(failure("every fiber ends once the root's done closes", c, o));
}

}  // namespace fibercheck::props
