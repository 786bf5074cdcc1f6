#include "fibercheck/harness/topology.hpp"
#include "support.hpp"

namespace fibercheck::props {

namespace {

// The node at pre-order position `index` of t.
harness::Node& node_at(harness::Node& t, std::size_t& index) {
  if (index == 0) return t;
  --index;
  for (harness::Node& c : t.children) {
    if (index < c.size()) return node_at(c, index);
    index -= c.size();
  }
  return t;  // unreachable for index < t.size()
}

}  // namespace

// Closing a subtree's done ends exactly that subtree; the rest runs to completion.
// A random node of a finite correct tree is wrapped in a nested scope that closes
// its own done after `after` values; the root's done is never closed. Every fiber
// must still end, the cut subtree by its done and the rest by finishing its work:
// the run ends clean with the census empty and the root's done never closed.
RC_GTEST_PROP(Subtree, ClosingASubtreesDoneEndsExactlyThatSubtree, ()) {
  CaseSpec c;
  c.topology = *harness::gen_topology();
  std::size_t at = *rc::gen::inRange<std::size_t>(0, c.topology.size());
  harness::Node& target = node_at(c.topology, at);
  const std::int64_t after = *rc::gen::inRange<std::int64_t>(1, 5);
  harness::Node wrapped{"scope", {{"after", after}}, {target}};
  target = std::move(wrapped);
  c.strategy = draw_schedule();
  c.cancel_step.reset();
  c.cancel_when_idle = false;
  c.max_steps = harness::kCompletionMaxSteps;
  CaseOutcome o = harness::run_case(c);
  if (!o.clean() || !o.run.live.empty() || o.run.cancelled_at_step)
    RC_FAIL(failure("the rest of the tree completes while the scope cuts its subtree", c, o));
}

}  // namespace fibercheck::props
