// Shrinking: a failing tree shrinks to its minimum, and a failing schedule to the
// fewest preemptions with the earliest cancellation that still fails.
#include <gtest/gtest.h>

#include "explore/runner.hpp"
#include "explore/shrink.hpp"
#include "explore/signature.hpp"
#include "explore/suites.hpp"
#include "fibercheck/sched/rng.hpp"
#include "generate/generate.hpp"
#include "model/text_form.hpp"

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
  // Topology shrinking renames fibers and moves a node's code between fibers; the
  // coarse signature keeps the verdict and what each stuck fiber waits on.
  Outcome renamed = a;
  renamed.live[0].path = "root/n7/loader-5";
  renamed.live[0].name = "loader-5";
  renamed.live[0].blocked_on = "recv on chan 'data-9' (cap 1, 1 buffered)";
  EXPECT_NE(failure_signature(a), failure_signature(renamed));
  EXPECT_EQ(coarse_signature(a), coarse_signature(renamed)) << coarse_signature(a).text();
  EXPECT_EQ(coarse_signature(a).text(), "quiescent; recv on chan '' (cap #, # buffered)");
  Outcome on_send = a;
  on_send.live[0].blocked_on = "send on chan 'data-1' (cap 0, 0 buffered)";
  EXPECT_NE(coarse_signature(a), coarse_signature(on_send)) << "another primitive";
  EXPECT_NE(coarse_signature(a), coarse_signature(budget)) << "another verdict";
  // How many alike fibers are stuck moves with the steps a removed node took; which
  // waits are stuck does not.
  Outcome more = a;
  more.live.push_back(stuck("root/loader-3", "recv on chan 'data-1' (cap 4, 0 buffered)", 20));
  EXPECT_NE(failure_signature(a), failure_signature(more));
  EXPECT_EQ(coarse_signature(a), coarse_signature(more)) << coarse_signature(more).text();
  // A parent joining its leaking child is there because of the child: hoisting the
  // child out of the parent keeps the failure.
  Outcome hoisted = a;
  hoisted.live.pop_back();  // root: join of scope 'root'
  EXPECT_NE(failure_signature(a), failure_signature(hoisted));
  EXPECT_EQ(coarse_signature(a), coarse_signature(hoisted)) << coarse_signature(a).text();
  // Cut by the step budget, a fiber looping on a timer is running or waiting by chance:
  // one blocked only in the later half of the run counts as running; one blocked since
  // the first half is stuck, and counts by what it waits on.
  Outcome cut = a;
  cut.verdict = Verdict::step_budget_exceeded;
  cut.steps = 1000;
  cut.live.push_back(stuck("root/flush", "recv on chan 'after' (cap 1, 0 buffered)", 990));
  Outcome between = cut;
  between.live.back().state = FiberState::ready;
  between.live.back().blocked_on.clear();
  EXPECT_NE(failure_signature(cut), failure_signature(between));
  EXPECT_EQ(coarse_signature(cut), coarse_signature(between)) << coarse_signature(cut).text();
  // The end of the leak window after root returned cuts the same way.
  Outcome window = cut, window_between = between;
  window.verdict = window_between.verdict = Verdict::still_running;
  EXPECT_EQ(coarse_signature(window), coarse_signature(window_between))
      << coarse_signature(window).text();
  Outcome spinner_only = between;
  spinner_only.live.erase(spinner_only.live.begin());  // root/loader-2, stuck since step 17
  EXPECT_NE(coarse_signature(between), coarse_signature(spinner_only))
      << "the stuck fiber beside the spinner is part of the failure";
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
      << "\nafter: " << case_signature(after, true).text() << "\n"
      << print(small.topology);
  EXPECT_TRUE(small.topology.has_mutant());
}

// The shrink predicate of the mutants suite and of `fibercheck run` counts only the
// failure it was given: a case that fails otherwise (a fiber spinning past the step
// budget instead of a fiber blocked for good) is rejected, though it does fail.
TEST(FailsNearbyLike, RejectsADifferentFailureKind) {
  CaseSpec leak;
  leak.topology = parse("fc1 pipe{cap=0}(gen{n=3},stage,leak-recv-nil)");
  leak.strategy.seed = 3;
  leak.cancel_step = 30;
  const CaseOutcome leaked = run_case(leak);
  ASSERT_EQ(leaked.verdict, CaseVerdict::leak);
  const FailureSignature found = case_signature(leaked, true);

  CaseSpec busy;
  busy.topology = parse("fc1 pipe{cap=0}(gen{n=3},stage,leak-busy)");
  busy.strategy.seed = 3;
  busy.cancel_step = 30;
  busy.max_steps = 4000;
  ASSERT_EQ(run_case(busy).verdict, CaseVerdict::budget_exceeded);

  CaseSpec any = busy;
  EXPECT_TRUE(fails_nearby(any, 4)) << "an any-failure predicate takes it";
  const FailsFn like = fails_nearby_like(found);
  CaseSpec other = busy;
  EXPECT_FALSE(like(other)) << "found: " << found.text()
                            << "\nother: " << case_signature(run_case(busy), true).text();
  CaseSpec same = leak;
  EXPECT_TRUE(like(same)) << "the failure found is accepted";

  // `fibercheck run` shrinks with the suite's predicate, given the same signature.
  const Suite* s = find_suite("cancellation");
  ASSERT_NE(s, nullptr);
  ASSERT_NE(s->fails, nullptr);
  ASSERT_NE(s->signature, nullptr);
  EXPECT_EQ(s->signature(leaked), found);
  CaseSpec other2 = busy;
  EXPECT_FALSE(s->fails(other2, SuiteConfig{}, found));
  CaseSpec same2 = leak;
  EXPECT_TRUE(s->fails(same2, SuiteConfig{}, found));
}

// A spinning fiber beside a leak: shrinking with any failure drops the leak (the
// spinner alone still fails), shrinking with the found signature keeps it.
TEST(FailsNearbyLike, ShrinkingKeepsTheLeakBesideASpinner) {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=0}(gen{n=4},leak-busy,leak-recv-nil)");
  c.strategy.seed = 5;
  c.cancel_step = 30;
  c.max_steps = 4000;
  const CaseOutcome first = run_case(c);
  ASSERT_FALSE(first.clean());
  const FailureSignature found = case_signature(first, true);
  const CaseSpec small = shrink_case(c, fails_nearby_like(found));
  const CaseOutcome after = run_case(small);
  EXPECT_EQ(case_signature(after, true), found)
      << "found: " << found.text() << "\nafter: " << case_signature(after, true).text() << "\n"
      << print(small.topology);
  const CaseSpec drifted =
      shrink_case(c, [](CaseSpec& x) { return fails_nearby(x, seeds_for(x.topology)); });
  EXPECT_NE(case_signature(run_case(drifted), true), found)
      << "the any-failure predicate this replaces did drift: " << print(drifted.topology);
}

// shrink_schedule says when it gave the case back unchanged.
TEST(ShrinkSchedule, SaysWhetherTheFailureReplayed) {
  CaseSpec leak;
  leak.topology = parse("fc1 pipe{cap=0}(gen{n=4},stage,leak-recv-nil)");
  leak.strategy.kind = sched::StrategyKind::random;
  leak.strategy.seed = 99;
  leak.cancel_step = 30;
  bool replayed = false;
  (void)shrink_schedule(leak, nullptr, nullptr, nullptr, &replayed);
  EXPECT_TRUE(replayed);
  CaseSpec clean;
  clean.topology = parse("fc1 pipe{cap=0}(gen{n=3},stage,sink)");
  clean.cancel_step = 10;
  replayed = true;
  const CaseSpec same = shrink_schedule(clean, nullptr, nullptr, nullptr, &replayed);
  EXPECT_FALSE(replayed);
  EXPECT_EQ(same.topology, clean.topology);
}

// The root fiber runs the root node: a leaking node hoisted to the root keeps its
// failure, though its fiber is now the root.
TEST(CoarseSignature, KeepsTheFailureOfANodeHoistedToTheRoot) {
  CaseSpec nested;
  nested.topology = parse("fc1 merge(leak-no-close,stage)");
  nested.cancel_step = 0;
  CaseSpec hoisted = nested;
  hoisted.topology = parse("fc1 leak-no-close");
  const CaseOutcome a = run_case(nested), b = run_case(hoisted);
  ASSERT_EQ(a.verdict, CaseVerdict::leak);
  ASSERT_EQ(b.verdict, CaseVerdict::leak);
  EXPECT_NE(failure_signature(a.run), failure_signature(b.run)) << "the fiber is renamed";
  EXPECT_EQ(case_signature(a, true), case_signature(b, true))
      << case_signature(a, true).text() << "\n"
      << case_signature(b, true).text();
  CaseSpec nil = hoisted;
  nil.topology = parse("fc1 pipe{cap=0}(leak-recv-nil)");
  EXPECT_NE(case_signature(run_case(nil), true), case_signature(a, true))
      << "a leak on a nil channel is another failure";
}

}  // namespace
}  // namespace fibercheck::harness
