// support.hpp: what every property suite shares: drawing a schedule and a
// cancellation point as generated values (so RapidCheck's reproduce string
// replays them, TRAPS 16), and the failure message every property prints.
#pragma once

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>

#include "case_line.hpp"
#include "failure.hpp"
#include "shrink.hpp"
#include "rc_gen.hpp"
#include "runner.hpp"

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
// (harness/failure.hpp); with CI set, the case is also saved under the test's name.
inline std::string failure(const std::string& expected, const CaseSpec& c, const CaseOutcome&) {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string name = t ? std::string(t->test_suite_name()) + "." + t->name() : "property";
  return harness::report_failure(name, expected, harness::shrink_schedule(c)).text;
}

}  // namespace fibercheck::props
