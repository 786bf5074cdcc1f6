// Case lines: every field a case needs, printed on one line and parsed back; bad
// lines rejected with the column.
#include <gtest/gtest.h>

#include <string>

#include "explore/runner.hpp"
#include "model/case_line.hpp"
#include "model/text_form.hpp"

namespace fibercheck::harness {
namespace {

CaseSpec sample() {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=1}(gen{n=3},leak-recv-nil)");
  c.strategy.kind = sched::StrategyKind::pct;
  c.strategy.seed = 12345678901234567ull;
  c.strategy.pct_depth = 4;
  c.cancel_step = 17;
  c.max_steps = 5000;
  return c;
}

TEST(CaseLine, RoundTripsEveryField) {
  const CaseSpec c = sample();
  const ParsedCase p = parse_case(case_line(c));
  EXPECT_EQ(p.spec.topology, c.topology);
  EXPECT_EQ(p.spec.strategy.kind, c.strategy.kind);
  EXPECT_EQ(p.spec.strategy.seed, c.strategy.seed);
  EXPECT_EQ(p.spec.strategy.pct_depth, c.strategy.pct_depth);
  EXPECT_EQ(p.spec.cancel_step, c.cancel_step);
  EXPECT_EQ(p.spec.cancel_when_idle, c.cancel_when_idle);
  EXPECT_EQ(p.spec.max_steps, c.max_steps);
  EXPECT_FALSE(p.trace_hash.has_value());
}

TEST(CaseLine, CarriesTheTraceHashAndReplaysToIt) {
  const CaseSpec c = sample();
  const CaseOutcome o = run_case(c);
  const ParsedCase p = parse_case(case_line(c, &o));
  ASSERT_TRUE(p.trace_hash.has_value());
  EXPECT_EQ(*p.trace_hash, o.run.trace_hash);
  EXPECT_EQ(run_case(p.spec).run.trace_hash, o.run.trace_hash);
}

TEST(CaseLine, RoundTripsRecordedChoicesAndNoCancellation) {
  CaseSpec c = sample();
  c.strategy.kind = sched::StrategyKind::replay;
  c.strategy.choices = {0, 2, 1, 0, 3};
  c.cancel_step.reset();
  c.cancel_when_idle = false;
  const ParsedCase p = parse_case(case_line(c));
  EXPECT_EQ(p.spec.strategy.kind, sched::StrategyKind::replay);
  EXPECT_EQ(p.spec.strategy.choices, c.strategy.choices);
  EXPECT_FALSE(p.spec.cancel_step.has_value());
  EXPECT_FALSE(p.spec.cancel_when_idle);
}

TEST(CaseLine, RejectsBadLinesWithTheColumn) {
  const std::string good = case_line(sample());
  const std::string bad[] = {
      "",
      "fibercheck-case v2 strategy=random",
      good.substr(0, good.find("seed=") + 5) + "x" + good.substr(good.find("seed=") + 5),
      good.substr(0, good.find("topology=")),
      good + " extra=1",
      good.substr(0, good.find("topology=")) + "topology=fc1 pipe(",
  };
  for (const std::string& line : bad) {
    try {
      (void)parse_case(line);
      ADD_FAILURE() << "accepted: " << line;
    } catch (const ParseError& e) {
      EXPECT_GE(e.column(), 1u) << e.what();
      EXPECT_LE(e.column(), line.size() + 1) << e.what();
      EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace fibercheck::harness
