// The topology text form: printing, parsing back, and rejecting bad text with the
// column and what was expected.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fibercheck/sched/rng.hpp"
#include "generate/generate.hpp"
#include "model/text_form.hpp"

namespace fibercheck::harness {
namespace {

TEST(TextForm, PrintsAVersionedLineWithParametersAndChildren) {
  Node t{"pipe", {{"cap", 2}}, {Node{"gen", {{"n", 3}}, {}}, Node{"stage", {}, {}}}};
  EXPECT_EQ(print(t), "fc1 pipe{cap=2}(gen{n=3},stage)");
}

TEST(TextForm, ParsesWhatItPrints) {
  const std::string text = "fc1 pipe{cap=0}(gen{n=3},fanout{k=2}(stage),tee(stage,sink))";
  EXPECT_EQ(print(parse(text)), text);
}

TEST(TextForm, RoundTripsRandomTreesWithAndWithoutMutants) {
  sched::Rng rng(42);
  const auto mutants = mutant_kind_names();
  for (int i = 0; i < 500; ++i) {
    GenOptions g;
    g.max_nodes = 1 + rng.below(40);
    g.finite_only = rng.below(2) == 0;
    Topology t = random_topology(rng, g);
    if (i % 3 == 0) t = plant(t, mutants[rng.below(mutants.size())], rng);
    ASSERT_EQ(parse(print(t)), t) << print(t);
  }
}

TEST(TextForm, OmittedParametersTakeTheKindsDefault) {
  EXPECT_EQ(print(parse("fc1 pipe(gen,stage)")), "fc1 pipe{cap=0}(gen{n=1},stage)");
}

struct Bad {
  const char* text;
  std::size_t column;    // 1-based column of the error
  const char* mentions;  // part of the message
};

class TextFormRejects : public ::testing::TestWithParam<Bad> {};

TEST_P(TextFormRejects, WithTheColumnAndWhatWasExpected) {
  const Bad& b = GetParam();
  try {
    (void)parse(b.text);
    FAIL() << "accepted: " << b.text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), b.column) << e.what();
    EXPECT_NE(std::string(e.what()).find(b.mentions), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Bad, TextFormRejects,
                         ::testing::Values(Bad{"", 1, "fc1"}, Bad{"fc2 stage", 1, "fc1"},
                                           Bad{"fc1 nosuchkind", 5, "nosuchkind"},
                                           Bad{"fc1 pipe(stage", 15, ")"},
                                           Bad{"fc1 gen{n=}", 11, "whole number"},
                                           Bad{"fc1 gen{bogus=1}", 9, "parameter of gen"},
                                           Bad{"fc1 gen{n=9999}", 9, "from 0 to 64"},
                                           Bad{"fc1 stage trailing", 10, "end of the topology"}),
                         [](const auto& info) { return "case" + std::to_string(info.index); });

// The whole message of each rejection: the whole offending token, and the nearest
// valid spelling where one is near.
struct Message {
  const char* text;
  std::size_t column;
  const char* message;  // after "at column N: "
};

class TextFormSays : public ::testing::TestWithParam<Message> {};

TEST_P(TextFormSays, TheWholeTokenAndWhatToWrite) {
  const Message& m = GetParam();
  try {
    (void)parse(m.text);
    FAIL() << "accepted: " << m.text;
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), m.column) << e.what();
    EXPECT_EQ(std::string(e.what()), "at column " + std::to_string(m.column) + ": " + m.message);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Messages, TextFormSays,
    ::testing::Values(
        Message{"fc1 pipe{cap=99}(stage)", 10, "expected cap from 0 to 16, found 'cap=99'"},
        Message{"fc1 pipe(stage,sinkk)", 16,
                "expected a known kind (`fibercheck kinds` lists them), found 'sinkk'; did you "
                "mean 'sink'?"},
        Message{"fc1 pipe{cpa=1}(stage)", 10,
                "expected a parameter of pipe (cap), found 'cpa'; did you mean 'cap'?"},
        Message{"fc1 zzzzzz", 5,
                "expected a known kind (`fibercheck kinds` lists them), found 'zzzzzz'"},
        Message{"fc1 gen{n=x1}", 11, "expected a whole number for n, found 'x1'"},
        Message{"fc1 stage(sink)", 10,
                "expected stage alone (it takes no children), found 1 child"},
        Message{"fc1 pipe", 9, "expected pipe with 1 to 6 children, found no children"},
        Message{"fc1 merge(sink)", 10, "expected merge with 2 to 4 children, found 1 child"},
        Message{"fc1 fanout(sink,sink)", 11,
                "expected fanout with exactly 1 child, found 2 children"},
        Message{"fc1 steward(sink,sink)", 12,
                "expected steward with at most 1 child, found 2 children"},
        Message{"fc1 pipe{cap=1,cap=2}(sink)", 16,
                "parameter 'cap' of pipe given twice, at columns 10 and 16; expected each "
                "parameter once"},
        Message{"fc2 sink", 1,
                "this fibercheck reads fc1 topologies; found fc2, expected fc1 (written by another "
                "version of "
                "fibercheck)"},
        Message{"fc1", 4, "expected a space after 'fc1', found the end"},
        Message{"topology sink", 1, "expected a topology starting with 'fc1 ', found 'topology'"}),
    [](const auto& info) { return "case" + std::to_string(info.index); });

TEST(TextForm, ColumnsCountFromTheStartOfTheLineItIsPartOf) {
  try {
    (void)parse("fc1 pipe{cap=1,cap=2}(sink)", 40);
    FAIL() << "accepted";
  } catch (const ParseError& e) {
    EXPECT_EQ(e.column(), 55u) << e.what();
    EXPECT_NE(std::string(e.what()).find("at columns 49 and 55"), std::string::npos) << e.what();
  }
}

TEST(TextForm, NearestSpellingIsATypoAwayOrNothing) {
  const std::vector<std::string> keys = {"seed", "strategy", "cancel", "max-steps"};
  EXPECT_EQ(nearest_spelling("seeed", keys), "seed");
  EXPECT_EQ(nearest_spelling("sede", keys), "seed");  // two letters swapped
  EXPECT_EQ(nearest_spelling("stratgey", keys), "strategy");
  EXPECT_EQ(nearest_spelling("max-step", keys), "max-steps");
  EXPECT_EQ(nearest_spelling("colour", keys), "");
  EXPECT_EQ(nearest_spelling("x", keys), "");
  EXPECT_EQ(did_you_mean("cancle", keys), "; did you mean 'cancel'?");
  EXPECT_EQ(did_you_mean("cancel", keys), "");
}

}  // namespace
}  // namespace fibercheck::harness
