// The topology text form: printing, parsing back, and rejecting bad text with the
// column and what was expected.
#include <gtest/gtest.h>

#include <string>

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
                                           Bad{"fc1 gen{n=9999}", 11, "from 0 to 64"},
                                           Bad{"fc1 stage trailing", 10, "end of the topology"}),
                         [](const auto& info) { return "case" + std::to_string(info.index); });

}  // namespace
}  // namespace fibercheck::harness
