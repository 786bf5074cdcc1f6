// Small trees are checked by exhaustive exploration (sched/dfs.hpp) rather than by
// sampling: every schedule within two preemptions and every cancellation point.
// Larger trees stay with the random and PCT suites, where DFS would not finish.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "explore/explore.hpp"
#include "generate/rc_gen.hpp"
#include "model/text_form.hpp"
#include "support.hpp"

namespace fibercheck::props {

namespace {
// Trees of at most two nodes (three to six fibers with the root and the collector)
// and a run cap, so a case stays in the tens of milliseconds.
harness::GenOptions small_trees() {
  harness::GenOptions g;
  g.max_nodes = 2;
  g.finite_only = true;
  return g;
}
}  // namespace

// Closing the root's done ends every fiber of a correct small tree under every
// schedule and at every cancellation point the explorer reaches.
RC_GTEST_PROP(Dfs, NoScheduleOfACorrectSmallTreeLeaks, ()) {
  CaseSpec c;
  c.topology = *harness::gen_topology(small_trees());
  sched::ExploreOptions o;
  o.max_runs = 300;
  harness::CaseExploration x = harness::explore_case(c, o);
  RC_TAG(x.report.exhausted ? "exhausted" : "run cap");
  if (x.failure)
    RC_FAIL(failure("no schedule within the bound leaks (" + x.report.summary(o) + ")", *x.failure,
                    x.outcome));
}

// The schedule-dependent mutant, planted anywhere in a small tree, is found by
// the exploration every time.
RC_GTEST_PROP(Dfs, PlantedLeakSelectSendIsAlwaysFound, ()) {
  CaseSpec c;
  c.topology = *harness::gen_planted("leak-select-send", small_trees());
  sched::ExploreOptions o;
  o.max_runs = 2000;
  harness::CaseExploration x = harness::explore_case(c, o);
  if (!x.failure)
    RC_FAIL("leak-select-send planted in " + harness::print(c.topology) +
            " was not found: " + x.report.summary(o));
  RC_ASSERT(x.outcome.verdict == harness::CaseVerdict::leak);
}

}  // namespace fibercheck::props
