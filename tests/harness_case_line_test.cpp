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

// The whole message of a rejected case line, as `fibercheck replay` prints it after
// "the case line: ".
std::string rejection(const std::string& line) {
  try {
    (void)parse_case(line);
  } catch (const ParseError& e) {
    return e.what();
  }
  return "(accepted)";
}

const std::string kStart = "fibercheck-case v1 strategy=fifo cancel=0 ";  // 42 columns

TEST(CaseLine, SaysWhichVersionALineFromAnotherFibercheckIs) {
  EXPECT_EQ(
      rejection("fibercheck-case v2 strategy=fifo topology=fc1 sink"),
      "at column 17: this fibercheck reads fibercheck-case v1 lines; found v2, expected v1 (a line "
      "written by another version of fibercheck: replay it with that version)");
  EXPECT_EQ(rejection("fibercheck-case strategy=fifo topology=fc1 sink"),
            "at column 17: expected the version v1 after 'fibercheck-case ', found "
            "'strategy=fifo'");
  EXPECT_EQ(rejection("fibercase v1 strategy=fifo"),
            "at column 1: expected a case line starting with 'fibercheck-case v1 ', found "
            "'fibercase'");
}

TEST(CaseLine, RejectsAKeyGivenTwiceNamingBothColumns) {
  EXPECT_EQ(rejection("fibercheck-case v1 strategy=random seed=1 seed=2 topology=fc1 sink"),
            "at column 43: key 'seed' given twice, at columns 36 and 43; expected each key once");
  EXPECT_EQ(rejection(kStart + "cancel=4 topology=fc1 sink"),
            "at column 43: key 'cancel' given twice, at columns 34 and 43; expected each key once");
}

TEST(CaseLine, TopologyErrorsNameTheWholeTokenAtItsColumnInTheLine) {
  // "topology=" takes columns 43..51; the topology's text starts at column 52.
  EXPECT_EQ(rejection(kStart + "topology=fc1 pipe{cap=99}(stage)"),
            "at column 61: expected cap from 0 to 16, found 'cap=99'");
  EXPECT_EQ(rejection(kStart + "topology=fc1 pipe(stage,sinkk)"),
            "at column 67: expected a known kind (`fibercheck kinds` lists them), found 'sinkk'; "
            "did you mean 'sink'?");
  EXPECT_EQ(rejection(kStart + "topology=fc1 stage(sink)"),
            "at column 61: expected stage alone (it takes no children), found 1 child");
  EXPECT_EQ(rejection(kStart + "topology=fc1 pipe{cap=1,cap=2}(sink)"),
            "at column 67: parameter 'cap' of pipe given twice, at columns 61 and 67; expected "
            "each parameter once");
  EXPECT_EQ(rejection(kStart + "topology=fc2 sink"),
            "at column 52: this fibercheck reads fc1 topologies; found fc2, expected fc1 (written "
            "by another "
            "version of fibercheck)");
}

TEST(CaseLine, NamesTheNearestKeyAndStrategy) {
  EXPECT_EQ(rejection(kStart + "seeed=1 topology=fc1 sink"),
            "at column 43: expected one of strategy, seed, choices, pct-depth, cancel, "
            "cancel-when-idle, max-steps, trace, topology; found 'seeed'; did you mean 'seed'?");
  EXPECT_EQ(rejection("fibercheck-case v1 strategy=fifoo topology=fc1 sink"),
            "at column 29: expected fifo, random, pct or replay, found 'fifoo'; did you mean "
            "'fifo'?");
  EXPECT_EQ(rejection(kStart + "max-steps=0 topology=fc1 sink"),
            "at column 53: expected max-steps from 1 to 100000000, found '0'");
  EXPECT_EQ(rejection(kStart + "cancelled topology=fc1 sink"),
            "at column 43: expected key=value, found 'cancelled'");
}

}  // namespace
}  // namespace fibercheck::harness
