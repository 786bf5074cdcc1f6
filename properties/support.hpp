// support.hpp: what every property suite shares: drawing a schedule and a
// cancellation point as generated values (so RapidCheck's reproduce string
// replays them, not just the tree), and the failure message every property prints.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "explore/runner.hpp"
#include "explore/shrink.hpp"
#include "fibercheck/harness/rapidcheck.hpp"
#include "generate/rc_gen.hpp"
#include "model/case_line.hpp"
#include "report/failure.hpp"

namespace fibercheck::props {

using harness::CaseOutcome;
using harness::CaseSpec;
using harness::Topology;

// A random or PCT schedule with a generated seed.
inline sched::StrategySpec draw_schedule() {
  sched::StrategySpec s;
  s.kind = *rc::gen::element(sched::StrategyKind::random, sched::StrategyKind::pct);
  s.seed = *rc::gen::arbitrary<std::uint64_t>();
  return s;
}

// What was expected, what happened, the case as one line, and how to replay it
// (harness/src/report/failure.hpp); with CI set, the case is also saved under the test's name.
// The schedule is shrunk first, keeping the failure (shrink.hpp); when its recorded
// choices do not fail the same way under replay, the message says the case is shown
// as found.
inline std::string failure(const std::string& expected, const CaseSpec& c, const CaseOutcome&) {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = t ? std::string(t->test_suite_name()) + "." + t->name() : "property";
  bool replayed = false;
  const CaseSpec shrunk = harness::shrink_schedule(c, nullptr, nullptr, nullptr, &replayed);
  const std::string note =
      replayed ? std::string()
               : "schedule not shrunk: replaying its recorded choices did not give the same "
                 "failing run, so the case found is shown\n";
  return note + harness::report_failure(name, expected, shrunk).text;
}

}  // namespace fibercheck::props
