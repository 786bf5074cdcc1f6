// The bundled mutants fail "closing the root's done ends every fiber within the
// step budget" wherever they sit, and the report names the fiber that leaked and
// what it waits on. Runs in a few seconds: small trees, a modest step budget.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "explore/runner.hpp"
#include "fibercheck/harness/kind.hpp"
#include "generate/generate.hpp"
#include "model/case_line.hpp"
#include "model/text_form.hpp"

namespace fibercheck::harness {
namespace {

// Where a mutant is planted: alone as the root, in a pipeline, in a nested pipeline.
const std::vector<std::string> kPlaces = {
    "fc1 %",
    "fc1 pipe(gen{n=3},%,stage,sink)",
    "fc1 pipe(gen{n=5},pipe{cap=2}(stage,%),sink)",
};

// From before the root runs to after a correct tree of this size has finished.
const std::vector<std::uint64_t> kCancelSteps = {0, 2, 5, 9, 13, 20, 30, 45, 70, 150, 400};

// Correct trees this small finish in a few hundred steps; the budget only has to
// outlast them, and a small one keeps the busy and timer mutants fast.
constexpr std::uint64_t kMaxSteps = 5000;

Topology planted(const std::string& place, const std::string& kind) {
  std::string text = place;
  text.replace(text.find('%'), 1, kind);
  return parse(text);
}

CaseSpec make_case(const Topology& t, sched::StrategyKind s, std::uint64_t seed,
                   std::optional<std::uint64_t> cancel) {
  CaseSpec c;
  c.topology = t;
  c.strategy.kind = s;
  c.strategy.seed = seed;
  c.cancel_step = cancel;
  c.max_steps = kMaxSteps;
  return c;
}

// True if the census at the verdict holds a fiber whose name contains `fiber` and
// whose wait contains `waits_on` (an empty string matches anything).
bool census_shows(const CaseOutcome& o, const std::string& fiber, const std::string& waits_on) {
  for (const FiberInfo& f : o.run.live)
    if (f.name.find(fiber) != std::string::npos && f.blocked_on.find(waits_on) != std::string::npos)
      return true;
  return false;
}

struct Expected {
  std::string kind;
  std::string fiber;     // the leaked fiber's name, or "" when it is the node's own fiber
  std::string waits_on;  // what the census says it is blocked on, or "" when it never blocks
};

TEST(Mutants, AreRegisteredAfterLeakRecvNilWithTheirFlags) {
  const std::vector<std::string> expected = {
      "leak-recv-nil", "leak-send-unread", "leak-range-unclosed", "leak-no-close",
      "leak-no-done",  "leak-select-send", "leak-busy",           "leak-timer"};
  EXPECT_EQ(mutant_kind_names(), expected);
  for (const std::string& name : expected) {
    const KindInfo* k = find_kind(name);
    ASSERT_NE(k, nullptr) << name;
    EXPECT_TRUE(k->mutant) << name;
    EXPECT_EQ(k->schedule_dependent, name == "leak-select-send") << name;
  }
}

// Runs `m` at every place, strategy and cancellation point; reports the first
// case that is not caught, or whose census does not show the leaked fiber.
void expect_caught_everywhere(const Expected& m) {
  std::vector<std::optional<std::uint64_t>> cancels(kCancelSteps.begin(), kCancelSteps.end());
  cancels.push_back(std::nullopt);  // only when idle
  for (const std::string& place : kPlaces) {
    const Topology t = planted(place, m.kind);
    for (auto s :
         {sched::StrategyKind::fifo, sched::StrategyKind::random, sched::StrategyKind::pct}) {
      const std::uint64_t seeds = s == sched::StrategyKind::fifo ? 1 : 2;  // fifo ignores its seed
      for (std::uint64_t seed = 1; seed <= seeds; ++seed) {
        for (const auto& cancel : cancels) {
          const CaseSpec c = make_case(t, s, seed, cancel);
          const CaseOutcome o = run_case(c);
          if (!o.clean() && census_shows(o, m.fiber, m.waits_on)) continue;
          ADD_FAILURE() << "expected: " << m.kind << " caught, with a live fiber named '" << m.fiber
                        << "' waiting on '" << m.waits_on << "'\nhappened: " << to_string(o.verdict)
                        << ": " << o.run.summary() << "\ncase: " << case_line(c, &o);
          return;
        }
      }
    }
  }
}

TEST(Mutants, EveryMutantIsCaughtAloneAndPlantedInAPipeline) {
  const std::vector<Expected> mutants = {
      {"leak-recv-nil", "doWork", "recv on nil chan"},
      {"leak-send-unread", "replica-", "send on chan 'results#"},
      {"leak-range-unclosed", "consumer", "recv on chan 'items#"},
      {"leak-no-close", "", "recv on chan 'staged#"},
      {"leak-no-done", "watch", "never closes"},
      {"leak-busy", "poll", ""},
      {"leak-timer", "flush", ""},
  };
  for (const Expected& m : mutants) expect_caught_everywhere(m);
}

TEST(Mutants, SelectSendLeakIsCaughtUnderSomeSchedules) {
  constexpr std::uint64_t kSeeds = 16;
  int caught = 0, clean = 0;
  for (const std::string& place : kPlaces) {
    const Topology t = planted(place, "leak-select-send");
    for (auto s : {sched::StrategyKind::random, sched::StrategyKind::pct}) {
      for (std::uint64_t cancel : kCancelSteps) {
        bool some = false;
        std::string last;
        for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
          const CaseSpec c = make_case(t, s, seed, cancel);
          const CaseOutcome o = run_case(c);
          if (o.clean()) {
            ++clean;
            last = case_line(c, &o);
            continue;
          }
          ++caught;
          some = true;
          EXPECT_EQ(o.verdict, CaseVerdict::leak)
              << o.run.summary() << "\ncase: " << case_line(c, &o);
          EXPECT_TRUE(census_shows(o, "", "send on chan 'handoff#"))
              << o.run.summary() << "\ncase: " << case_line(c, &o);
        }
        EXPECT_TRUE(some) << "expected: leak-select-send caught by one of " << kSeeds
                          << " seeds\nhappened: every one was clean, the last: " << last;
      }
    }
  }
  // Schedule-dependent indeed: some interleavings end cleanly.
  EXPECT_GT(clean, 0);
  EXPECT_GT(caught, clean);
}

}  // namespace
}  // namespace fibercheck::harness
