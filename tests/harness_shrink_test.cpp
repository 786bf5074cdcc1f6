// Shrinking: a failing tree shrinks to its minimum, and a failing schedule to the
// fewest preemptions with the earliest cancellation that still fails.
#include <gtest/gtest.h>

#include "fibercheck/sched/rng.hpp"
#include "generate.hpp"
#include "runner.hpp"
#include "shrink.hpp"
#include "signature.hpp"
#include "text_form.hpp"

namespace fibercheck::harness {
namespace {

bool leaks(CaseSpec& c) { return !run_case(c).clean(); }

TEST(Shrinks, EveryCandidateIsAValidSmallerTree) {
  sched::Rng rng(7);
  for (int i = 0; i < 50; ++i) {
    GenOptions g;
    g.max_nodes = 20;
    const Topology t = plant(random_topology(rng, g), "leak-recv-nil", rng);
    for (const Topology& s : shrinks(t)) {
      EXPECT_LE(s.size(), t.size()) << print(t) << " -> " << print(s);
      EXPECT_EQ(parse(print(s)), s);
    }
  }
}

TEST(ShrinkCase, APlantedLeakShrinksToTheMutantAlone) {
  sched::Rng rng(11);
  GenOptions g;
  g.max_nodes = 25;
  g.exact_size = true;
  CaseSpec c;
  c.topology = plant(random_topology(rng, g), "leak-range-unclosed", rng);
  c.strategy.seed = 3;
  c.cancel_step = 40;
  ASSERT_TRUE(leaks(c)) << print(c.topology);
  ShrinkStats stats;
  const CaseSpec small = shrink_case(c, leaks, &stats);
  EXPECT_LE(small.topology.size(), 2u) << print(small.topology);
  EXPECT_TRUE(small.topology.has_mutant());
  EXPECT_GT(stats.accepted, 0u);
  CaseSpec again = small;
  EXPECT_TRUE(leaks(again));
}

TEST(ShrinkCase, ACorrectTreeStaysAsItIsWhenNothingFails) {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=0}(gen{n=3},stage,sink)");
  const CaseSpec same = shrink_case(c, leaks);
  EXPECT_EQ(same.topology, c.topology);
}

TEST(ShrinkSchedule, RemovesPreemptionsAndMovesTheCancellationEarlier) {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=0}(gen{n=4},stage,leak-recv-nil)");
  c.strategy.kind = sched::StrategyKind::random;
  c.strategy.seed = 99;
  c.cancel_step = 30;
  ASSERT_TRUE(leaks(c));
  std::uint64_t before = 0, after = 0;
  const CaseSpec small = shrink_schedule(c, nullptr, &before, &after);
  EXPECT_LE(after, before);
  EXPECT_EQ(small.strategy.kind, sched::StrategyKind::replay);
  ASSERT_TRUE(small.cancel_step.has_value());
  EXPECT_LE(*small.cancel_step, 30u);
  CaseSpec again = small;
  EXPECT_TRUE(leaks(again)) << "the shrunk schedule still fails";
}

FiberInfo stuck(std::string path, std::string on, std::uint64_t since) {
  FiberInfo f;
  f.path = path;
  f.name = path.substr(path.rfind('/') + 1);
  f.state = FiberState::blocked;
  f.blocked_on = std::move(on);
  f.blocked_since_step = since;
  return f;
}

TEST(FailureSignature, IsTheVerdictAndTheStuckFibersWithoutVolatileParts) {
  Outcome a;
  a.verdict = Verdict::quiescent;
  a.steps = 41;
  a.live = {stuck("root/loader-2", "recv on chan 'data-1' (cap 4, 3 buffered) since step 17", 17),
            stuck("root", "join of scope 'root'", 3)};
  Outcome b = a;
  b.steps = 900;
  b.live = {stuck("root", "join of scope 'root'", 5),
            stuck("root/loader-2", "recv on chan 'data-1' (cap 4, 0 buffered) since step 80", 80)};
  EXPECT_EQ(failure_signature(a), failure_signature(b)) << failure_signature(a).text();
  EXPECT_EQ(failure_signature(a).text(),
            "quiescent; root/loader-2: recv on chan 'data-1' (cap #, # buffered); root: join of "
            "scope 'root'");
  Outcome other_chan = a;
  other_chan.live[0].blocked_on = "recv on chan 'data-2' (cap 4, 3 buffered)";
  EXPECT_NE(failure_signature(a), failure_signature(other_chan));
  Outcome budget = a;
  budget.verdict = Verdict::step_budget_exceeded;
  EXPECT_NE(failure_signature(a), failure_signature(budget));
  Outcome poller = a;
  poller.live.push_back(stuck("root/poller", "", 0));
  poller.live.back().state = FiberState::ready;
  EXPECT_NE(failure_signature(a), failure_signature(poller));
  EXPECT_NE(failure_signature(poller).text().find("root/poller: running"), std::string::npos);
  // Topology shrinking renames paths; the coarse signature keeps kind and primitive kind.
  Outcome renamed = a;
  renamed.live[0].path = "root/n7/loader-5";
  renamed.live[0].name = "loader-5";
  renamed.live[0].blocked_on = "recv on chan 'data-9' (cap 1, 1 buffered)";
  EXPECT_NE(failure_signature(a), failure_signature(renamed));
  EXPECT_EQ(coarse_signature(a), coarse_signature(renamed)) << coarse_signature(a).text();
}

// A step budget from a poller beside a leak: the leak is part of the failure, so
// shrinking must not drop it (before signatures, the tree shrank to the poller
// alone, which still "failed").
TEST(ShrinkSchedule, KeepsTheFailureSignature) {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=0}(gen{n=4},leak-busy,leak-recv-nil)");
  c.strategy.kind = sched::StrategyKind::random;
  c.strategy.seed = 5;
  c.cancel_step = 30;
  c.max_steps = 4000;
  const CaseOutcome first = run_case(c);
  ASSERT_FALSE(first.clean());
  const CaseSpec small = shrink_schedule(c);
  const CaseOutcome after = run_case(small);
  EXPECT_EQ(case_signature(after, true), case_signature(first, true))
      << "before: " << case_signature(first, true).text()
      << "\nafter: " << case_signature(after, true).text() << "\n" << print(small.topology);
  EXPECT_TRUE(small.topology.has_mutant());
}

}  // namespace
}  // namespace fibercheck::harness
