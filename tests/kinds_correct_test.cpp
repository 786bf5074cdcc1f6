// Tests for the correct pattern kinds (harness/src/kinds/, listed in correct.cpp): each
// one, alone and nested, completes and balances its ledger without cancellation,
// and ends every fiber when the root's done closes at any step, under the fifo,
// random and pct strategies.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "explore/runner.hpp"
#include "fibercheck/harness/kind.hpp"
#include "model/text_form.hpp"
#include "support.hpp"

namespace fibercheck::harness {
namespace {

using sched::StrategyKind;

const std::vector<std::string> kPatternKinds = {
    "take",   "repeat", "fanout",    "merge",      "ordone",  "orchan", "tee",
    "bridge", "pool",   "heartbeat", "replicated", "steward", "scope"};

// Each kind alone with values flowing through it, then nested in the others.
const std::vector<std::string> kFiniteTrees = {
    "fc1 pipe(gen{n=3},take{n=1},sink)",
    "fc1 pipe(gen{n=2},take{n=8})",
    "fc1 pipe(gen{n=3},fanout{k=2}(stage),sink)",
    "fc1 pipe(gen{n=4},fanout{k=3}(take{n=1}))",
    "fc1 pipe(gen{n=3},merge(stage,sink,take{n=1}))",
    "fc1 pipe(gen{n=3},ordone(stage))",
    "fc1 pipe(gen{n=2},orchan{k=5},sink)",
    "fc1 pipe(gen{n=5},bridge{m=2}(stage))",
    "fc1 pipe(gen{n=4},pool{k=2},sink)",
    "fc1 pipe(gen{n=3},replicated{k=3},sink)",
    "fc1 pipe(gen{n=2},steward,sink)",
    "fc1 pipe(gen{n=2},steward(steward(stage)))",
    "fc1 pipe(gen{n=4},scope{after=2}(stage),sink)",
    "fc1 pipe(gen{n=3},scope{after=1}(fanout{k=2}(stage)),take{n=1})",
    "fc1 pipe(gen{n=4},fanout{k=2}(pipe(ordone(stage),pool{k=2})),merge(bridge{m=2}(stage),"
    "orchan{k=3}),sink)",
    "fc1 merge(gen{n=2},scope{after=1}(replicated{k=2}),steward(bridge{m=2}(pool{k=1})))",
};

// The kinds that select over two channels at once.
const std::vector<std::string> kSelectingTrees = {
    "fc1 pipe(gen{n=3},tee(stage,take{n=1}),sink)",
    "fc1 pipe(gen{n=3},heartbeat{p=1},sink)",
    "fc1 pipe(gen{n=2},replicated{k=3},heartbeat{p=1})",
    "fc1 pipe(gen{n=2},steward(stage),heartbeat{p=1})",
    "fc1 pipe(gen{n=3},tee(fanout{k=2}(take{n=2}),merge(bridge{m=2}(pool{k=1}),heartbeat{p=2})))",
};

// Endless trees: they end only through cancellation.
const std::vector<std::string> kEndlessTrees = {
    "fc1 pipe{cap=4}(repeat,take{n=1})",
    "fc1 fanout{k=2}(repeat)",
    "fc1 merge(pipe{cap=3}(repeat,pool{k=2}),ordone(pipe(repeat,sink)))",
};

constexpr StrategyKind kStrategies[] = {StrategyKind::fifo, StrategyKind::random,
                                        StrategyKind::pct};

CaseSpec spec(const std::string& text, StrategyKind kind, std::uint64_t seed) {
  CaseSpec c;
  c.topology = parse(text);
  c.strategy.kind = kind;
  c.strategy.seed = seed;
  c.cancel_when_idle = false;
  return c;
}

std::string where(const CaseSpec& c) {
  std::string s = print(c.topology) + " under " + sched::to_string(c.strategy.kind) + " seed " +
                  std::to_string(c.strategy.seed);
  if (c.cancel_step) s += ", root done closed at step " + std::to_string(*c.cancel_step);
  return s;
}

void expect_complete_and_balanced(const std::vector<std::string>& trees, std::uint64_t seeds) {
  for (const std::string& text : trees)
    for (StrategyKind kind : kStrategies)
      for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        const CaseSpec c = spec(text, kind, seed);
        const CaseOutcome o = run_case(c);
        ASSERT_TRUE(o.clean()) << where(c) << ": " << to_string(o.verdict) << ": "
                               << o.run.summary();
        ASSERT_TRUE(o.ledger_balanced()) << where(c) << ":\n" << o.ledger_report();
      }
}

// Closes the root's done at every step from 0 to two past the uncancelled run's end.
void expect_clean_at_every_step(const std::vector<std::string>& trees, std::uint64_t seeds) {
  for (const std::string& text : trees)
    for (StrategyKind kind : kStrategies)
      for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        CaseSpec c = spec(text, kind, seed);
        const std::uint64_t steps = run_case(c).run.steps;
        for (std::uint64_t n = 0; n <= steps + 2; ++n) {
          c.cancel_step = n;
          const CaseOutcome o = run_case(c);
          ASSERT_TRUE(o.clean()) << where(c) << ": " << to_string(o.verdict) << ": "
                                 << o.run.summary();
        }
      }
}

TEST(CorrectKinds, EveryKindIsRegisteredWithASensibleShape) {
  for (const std::string& name : kPatternKinds) {
    const KindInfo* k = find_kind(name);
    ASSERT_NE(k, nullptr) << name;
    EXPECT_FALSE(k->mutant) << name;
    EXPECT_EQ(k->finite, name != "repeat") << name;
    EXPECT_FALSE(k->description.empty()) << name;
    EXPECT_LE(k->min_children, k->max_children) << name;
    for (const ParamSpec& p : k->params) {
      EXPECT_LE(p.min, p.simplest) << name << "." << p.name;
      EXPECT_LE(p.simplest, p.max) << name << "." << p.name;
    }
  }
}

TEST(CorrectKinds, EveryKindRoundTripsThroughTheTextForm) {
  for (const std::string& name : kPatternKinds) {
    const KindInfo& k = *find_kind(name);
    for (int pick = 0; pick < 3; ++pick) {
      Node n;
      n.kind = name;
      for (const ParamSpec& p : k.params)
        n.params.push_back({p.name, pick == 0 ? p.min : pick == 1 ? p.max : p.simplest});
      for (int i = 0; i < (pick == 1 ? k.max_children : k.min_children); ++i)
        n.children.push_back(parse("fc1 pipe(gen{n=2},stage)"));
      EXPECT_TRUE(parse(print(n)) == n) << print(n);
    }
  }
  EXPECT_EQ(print(parse("fc1 steward")), "fc1 steward");
  EXPECT_EQ(print(parse("fc1 scope(take)")), "fc1 scope{after=0}(take{n=1})");
}

TEST(CorrectKinds, EveryKindDeliversEveryValueExactlyOnceWithoutCancellation) {
  expect_complete_and_balanced(kFiniteTrees, 20);
}

TEST(CorrectKinds, EveryKindEndsCleanAtEveryCancellationPoint) {
  expect_clean_at_every_step(kFiniteTrees, 2);
}

TEST(CorrectKinds, EndlessRepeatEndsCleanAtEveryCancellationPoint) {
  for (const std::string& text : kEndlessTrees)
    for (StrategyKind kind : kStrategies) {
      CaseSpec c = spec(text, kind, 1);
      c.max_steps = 2000;
      EXPECT_EQ(run_case(c).verdict, CaseVerdict::budget_exceeded) << where(c);
      for (std::uint64_t n = 0; n <= 150; ++n) {
        c.cancel_step = n;
        const CaseOutcome o = run_case(c);
        ASSERT_TRUE(o.clean()) << where(c) << ": " << to_string(o.verdict) << ": "
                               << o.run.summary();
      }
    }
}

TEST(CorrectKinds, TeeAndHeartbeatDeliverEveryValueExactlyOnceWithoutCancellation) {
  expect_complete_and_balanced(kSelectingTrees, 20);
}

TEST(CorrectKinds, TeeAndHeartbeatEndCleanAtEveryCancellationPoint) {
  expect_clean_at_every_step(kSelectingTrees, 2);
}

// Values received on the channels whose name starts with `prefix`.
std::uint64_t received_on(const CaseOutcome& o, const std::string& prefix) {
  std::uint64_t n = 0;
  for (const auto& [name, l] : o.ledger)
    if (name.rfind(prefix, 0) == 0) n += l.received;
  return n;
}

TEST(CorrectKinds, StewardRestartsItsHangingWardAfterTheTimeout) {
  const CaseSpec c = spec("fc1 pipe(gen{n=2},steward(stage))", StrategyKind::random, 1);
  const CaseOutcome o = run_case(c);
  ASSERT_TRUE(o.clean()) << o.run.summary();
  // The first incarnation hangs: nothing moves until the steward's timeout fires.
  EXPECT_GE(o.run.virtual_time.count(),
            std::chrono::nanoseconds(std::chrono::milliseconds(4)).count());
  EXPECT_EQ(o.delivered, 2u) << "the second incarnation does the work";
}

TEST(CorrectKinds, HeartbeatPulsesReachItsMonitorWhileUpstreamWaits) {
  const CaseSpec c =
      spec("fc1 pipe(gen{n=2},replicated{k=3},heartbeat{p=1})", StrategyKind::fifo, 1);
  const CaseOutcome o = run_case(c);
  ASSERT_TRUE(o.clean()) << o.run.summary();
  EXPECT_GT(received_on(o, "heartbeat#"), 0u);
  EXPECT_EQ(o.delivered, 2u);
}

TEST(CorrectKinds, ScopeCancelsItsSubtreeAndTheRestOfTheTreeCompletes) {
  for (StrategyKind kind : kStrategies) {
    const CaseSpec c = spec("fc1 pipe(gen{n=5},scope{after=2}(stage),stage)", kind, 3);
    const CaseOutcome o = run_case(c);
    ASSERT_TRUE(o.clean()) << where(c) << ": " << o.run.summary();
    EXPECT_TRUE(o.ledger_balanced()) << o.ledger_report();
    EXPECT_EQ(received_on(o, "scope-in#"), 2u) << where(c);
    EXPECT_LE(o.delivered, 2u) << where(c);
  }
}

}  // namespace
}  // namespace fibercheck::harness
