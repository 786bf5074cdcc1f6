// The DFS explorer (sched/dfs.hpp): it finds every leak that needs one particular
// interleaving, exhausts correct small trees clean, and its reduction keeps the
// verdicts while running fewer schedules and reaches every outcome the unreduced
// exploration reaches.
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "explore/explore.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/sched/dfs.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "model/case_line.hpp"
#include "model/text_form.hpp"

namespace fibercheck {
namespace {

using sched::ExploreOptions;
using sched::ExploreReport;

// A leak needing one interleaving: "taker" leaks only if "giver" has put the token
// before taker looks, which the non-preemptive default never does (taker starts
// first and runs until it blocks). "bystander" touches only its own channel, so the
// reduction may drop its orders against the others. Explored with done closed only
// when every fiber blocks, so only the schedule decides.
void token_race(Done done) {
  Chan<int> token(1, "token"), handoff(0, "handoff"), own(1, "own");
  Scope s(done);
  s.spawn("taker", [token, handoff](Done) {
    if (token.try_recv()) handoff.send(1);  // nobody receives, and done is not watched
  });
  s.spawn("giver", [token](Done) { (void)token.try_send(1); });
  s.spawn("bystander", [own](Done) {
    (void)own.try_send(1);
    (void)own.try_recv();
  });
  s.join();
}

// The same fibers without the leak: taker watches done on its send.
void token_race_fixed(Done done) {
  Chan<int> token(1, "token"), handoff(0, "handoff"), own(1, "own");
  Scope s(done);
  s.spawn("taker", [token, handoff](Done d) {
    if (token.try_recv()) (void)handoff.send(d, 1);
  });
  s.spawn("giver", [token](Done) { (void)token.try_send(1); });
  s.spawn("bystander", [own](Done) {
    (void)own.try_send(1);
    (void)own.try_recv();
  });
  s.join();
}

ExploreOptions schedules_only(bool reduction) {
  ExploreOptions o;
  o.cancellation_points = false;
  o.reduction = reduction;
  return o;
}

TEST(SchedDfs, FindsALeakTheDefaultScheduleMisses) {
  RunOptions plain;
  plain.strategy.kind = sched::StrategyKind::replay;  // no choices: the default schedule
  plain.cancel_when_idle = true;
  EXPECT_TRUE(run(token_race, plain).clean()) << "the leak should need a preemption";
  for (bool reduction : {false, true}) {
    ExploreReport r = sched::explore(token_race, schedules_only(reduction));
    ASSERT_TRUE(r.failed) << r.summary(schedules_only(reduction));
    EXPECT_EQ(r.outcome.verdict, Verdict::quiescent) << r.outcome.summary();
    // The failing schedule replays like any other.
    RunOptions again;
    again.strategy = r.failure->strategy;
    again.cancel_at_step = r.failure->cancel_step;
    again.cancel_when_idle = true;
    Outcome o = run(token_race, again);
    EXPECT_EQ(o.verdict, Verdict::quiescent);
    EXPECT_EQ(o.trace_hash, r.outcome.trace_hash);
  }
}

// Once the root blocks in join, which child runs first is a free choice, not a
// preemption: the race is within reach of a bound of zero.
TEST(SchedDfs, FreeChoicesAreNotBoundedByPreemptions) {
  ExploreOptions o = schedules_only(true);
  o.max_preemptions = 0;
  ExploreReport r = sched::explore(token_race, o);
  EXPECT_TRUE(r.failed) << r.summary(o);
}

TEST(SchedDfs, ReductionKeepsTheCleanVerdictWithFewerRuns) {
  ExploreReport full = sched::explore(token_race_fixed, schedules_only(false));
  ExploreReport reduced = sched::explore(token_race_fixed, schedules_only(true));
  EXPECT_FALSE(full.failed) << full.outcome.summary();
  EXPECT_FALSE(reduced.failed) << reduced.outcome.summary();
  EXPECT_TRUE(full.exhausted);
  EXPECT_TRUE(reduced.exhausted);
  EXPECT_LT(reduced.schedules, full.schedules);
  EXPECT_GT(reduced.pruned, 0u);
  std::printf("token race, fixed: %llu schedules without reduction, %llu with\n",
              static_cast<unsigned long long>(full.schedules),
              static_cast<unsigned long long>(reduced.schedules));
}

TEST(SchedDfs, RunCapStopsWithoutClaimingExhaustion) {
  ExploreOptions o = schedules_only(false);
  o.max_runs = 3;
  ExploreReport r = sched::explore(token_race_fixed, o);
  EXPECT_EQ(r.schedules, 3u);
  EXPECT_FALSE(r.exhausted);
}

// ---- the harness's topologies ----

harness::CaseExploration explore_text(const std::string& text, const ExploreOptions& o) {
  harness::CaseSpec base;
  base.topology = harness::parse(text);
  harness::CaseExploration x;
  on_case_thread([&] { x = harness::explore_case(base, o); });
  return x;
}

// leak-select-send alone (5 fibers: the root, the harness's collector, the node and
// its inner source and reader) and planted in two-node pipelines: caught under every
// preemption bound, with and without the reduction.
TEST(SchedDfs, CatchesLeakSelectSendAloneAndPlanted) {
  const std::vector<std::string> trees = {
      "fc1 leak-select-send",
      "fc1 pipe(gen{n=1},leak-select-send)",
      "fc1 pipe(leak-select-send,sink)",
      "fc1 pipe{cap=1}(gen{n=2},leak-select-send)",
  };
  for (const std::string& t : trees) {
    for (int bound : {0, 1, 2}) {
      for (bool reduction : {false, true}) {
        ExploreOptions o;
        o.max_preemptions = bound;
        o.reduction = reduction;
        harness::CaseExploration x = explore_text(t, o);
        ASSERT_TRUE(x.failure) << t << ": " << x.report.summary(o);
        EXPECT_EQ(x.outcome.verdict, harness::CaseVerdict::leak) << t;
        // The case line replays to the same leak.
        harness::ParsedCase p = harness::parse_case(harness::case_line(*x.failure, &x.outcome));
        harness::CaseOutcome again;
        on_case_thread([&] { again = harness::run_case(p.spec); });
        EXPECT_EQ(again.verdict, harness::CaseVerdict::leak) << t;
        EXPECT_EQ(again.run.trace_hash, x.outcome.run.trace_hash) << t;
      }
    }
  }
}

// Correct trees of 3, 5 and 6 fibers (root and collector included): every schedule and cancellation
// point within two preemptions, with and without the reduction, clean; the reduction runs fewer.
TEST(SchedDfs, ExhaustsCorrectSmallTreesClean) {
  const std::vector<std::string> trees = {
      "fc1 gen{n=2}",
      "fc1 pipe(gen{n=1},sink)",
  };
  for (const std::string& t : trees) {
    ExploreOptions with, without;
    without.reduction = false;
    harness::CaseExploration a = explore_text(t, with);
    harness::CaseExploration b = explore_text(t, without);
    EXPECT_FALSE(a.failure) << t << ": " << a.report.summary(with);
    EXPECT_FALSE(b.failure) << t << ": " << b.report.summary(without);
    EXPECT_TRUE(a.report.exhausted) << t << ": " << a.report.summary(with);
    EXPECT_TRUE(b.report.exhausted) << t << ": " << b.report.summary(without);
    EXPECT_LT(a.report.schedules, b.report.schedules) << t;
    std::printf("%s: %s; without reduction %s\n", t.c_str(), a.report.summary(with).c_str(),
                b.report.summary(without).c_str());
  }
  // Six fibers: within one preemption (two would take more than the run cap).
  ExploreOptions with;
  with.max_preemptions = 1;
  harness::CaseExploration c = explore_text("fc1 pipe(gen{n=1},stage,sink)", with);
  EXPECT_FALSE(c.failure) << c.report.summary(with);
  EXPECT_TRUE(c.report.exhausted) << c.report.summary(with);
}

// ---- the reduction reaches every outcome (properties/dfs_sound_test.cpp in general) ----

// What each fiber of a program noted, one slot per fiber, each written by its fiber only.
using Notes = std::vector<std::string>;
using NotingRoot = std::function<void(Done, const std::shared_ptr<Notes>&)>;

std::string note(Status s, const Done& d) {
  return std::string(to_string(s)) + (d.closed() ? " after done closed" : "");
}

// Every outcome an exploration reaches: the verdict, the fibers left and what they
// wait on, and the notes.
std::set<std::string> outcomes(const NotingRoot& root, std::size_t fibers, ExploreOptions o) {
  std::set<std::string> seen;
  ExploreReport r;
  on_case_thread([&] {
    r = sched::explore_attempts(
        [&](const sched::Attempt& a, Outcome& out) {
          auto notes = std::make_shared<Notes>(fibers);
          RunOptions ro;
          ro.strategy = a.strategy;
          ro.cancel_at_step = a.cancel_step;
          ro.cancel_when_idle = true;
          ro.record_choice_detail = true;
          out = run([&root, notes](Done d) { root(d, notes); }, ro);
          std::string k = to_string(out.verdict);
          for (const FiberInfo& f : out.live) k += "; " + f.path + " waits: " + f.blocked_on;
          for (const std::string& n : *notes) k += " | " + n;
          seen.insert(k);
          return false;
        },
        o);
  });
  EXPECT_TRUE(r.exhausted) << r.summary(o);
  return seen;
}

std::string lines(const std::set<std::string>& s) {
  std::string out;
  for (const auto& k : s) out += "\n  " + k;
  return out;
}

// Fails unless the exploration with the reduction reaches what the one without does.
void expect_same_outcomes(const NotingRoot& root, std::size_t fibers, ExploreOptions o) {
  o.reduction = false;
  const std::set<std::string> full = outcomes(root, fibers, o);
  o.reduction = true;
  const std::set<std::string> reduced = outcomes(root, fibers, o);
  EXPECT_EQ(reduced, full) << "without reduction:" << lines(full)
                           << "\nwith reduction:" << lines(reduced);
}

ExploreOptions every_cancellation_point_unbounded() {
  ExploreOptions o;
  o.max_preemptions = std::numeric_limits<int>::max();
  return o;
}

// Once done closes at the cancellation point, what follows is not explored but fair.
// The root puts a value and "taker" starts, in either order: taker's first step
// touches nothing, so the reduction runs one order only. When done closes right
// after, the fair rule decides whether taker takes the value before the root's
// receive does. Taking the fiber ready longest made that depend on the order the
// reduction skipped, and "taker got it after done closed, the root's receive was
// cancelled" was reached only without the reduction; the fair rule goes by fiber id.
void value_after_cancel(Done done, const std::shared_ptr<Notes>& notes) {
  Chan<int> c(1, "c");
  go("taker", [c, done, notes] { (*notes)[1] = note(c.try_recv().status, done); });
  (*notes)[0] = "put: " + note(c.send(done, 1), done);
  (*notes)[0] += "; receive: " + note(c.recv(done).status, done);
}

TEST(SchedDfs, ReductionKeepsWhatFollowsTheCancellationPoint) {
  expect_same_outcomes(value_after_cancel, 2, every_cancellation_point_unbounded());
}

// Done closes once the step that reaches the cancellation point is over, so a select
// made inside that step comes before it and is explored. It was not: the select in
// "picker" lands in that last step in one order of the commuting steps before it and
// a step earlier in another, and with the reduction running only the first order, "it
// took its second case before done closed, then found the lock that holder took after"
// was lost.
void select_before_cancel(Done done, const std::shared_ptr<Notes>& notes) {
  Chan<int> a(1, "a"), b(1, "b");
  Mutex mu("mu");
  Scope s(done);
  s.spawn("holder", [mu, notes](Done d) {
    mu.lock();
    (*notes)[0] = d.closed() ? "locked after done closed" : "locked";
    d.wait();
    mu.unlock();
  });
  s.spawn("picker", [a, b, mu, notes](Done d) {
    int x = 1, y = 2;
    Selected r = select(d, {on_send(a, x), on_send(b, y)});
    (*notes)[1] = "case " + std::to_string(r.index) + (d.closed() ? " after done closed" : "");
    const bool got = mu.try_lock();
    (*notes)[1] += got ? ", locked" : ", busy";
    if (got) mu.unlock();
  });
  s.join();
}

TEST(SchedDfs, ReductionExploresASelectJustBeforeTheCancellationPoint) {
  expect_same_outcomes(select_before_cancel, 2, every_cancellation_point_unbounded());
}

// Sleep sets and a preemption bound (dfs.hpp). "taker" gets the token only if "giver"
// preempts the root, puts it, and is itself preempted before it takes it back: two
// preemptions. The reduction explores taker's first step (it touches nothing) before
// giver's and then keeps it asleep, but the order that starts with it costs three
// preemptions, so the default reduction never lets taker have the token within two.
// reduction_sound_within_bound keeps that sleeper awake.
void token_within_two(Done done, const std::shared_ptr<Notes>& notes) {
  Chan<int> token(1, "token");
  Mutex mu("mu");
  go("taker", [token, notes] {
    Recv<int> r = token.try_recv();
    (*notes)[1] = r ? "got it" : "nothing";
  });
  go("giver", [token, done, notes] {
    (void)token.send(done, 1);
    (*notes)[2] = token.try_recv() ? "took it back" : "it was gone";
  });
  mu.lock();
  (*notes)[0] = token.recv(done) ? "root got it" : "root: none";
  mu.unlock();
}

TEST(SchedDfs, WithinABoundThePlainReductionMissesAScheduleTheSoundOneKeeps) {
  ExploreOptions o;
  o.cancellation_points = false;
  o.max_preemptions = 2;
  o.reduction = false;
  const std::set<std::string> full = outcomes(token_within_two, 3, o);
  o.reduction = true;
  o.reduction_sound_within_bound = false;
  const std::set<std::string> by_default = outcomes(token_within_two, 3, o);
  o.reduction_sound_within_bound = true;
  const std::set<std::string> sound = outcomes(token_within_two, 3, o);
  EXPECT_EQ(sound, full) << "without reduction:" << lines(full) << "\nsound:" << lines(sound);
  // The known gap of the plain sleep-set rule (why it is not the default): when it
  // covers this too, it has been fixed and the expectation should go.
  EXPECT_LT(by_default.size(), full.size()) << lines(by_default);
  // Lifting the bound, the default reduction reaches it.
  o.max_preemptions = std::numeric_limits<int>::max();
  o.reduction_sound_within_bound = false;
  const std::set<std::string> unbounded = outcomes(token_within_two, 3, o);
  for (const std::string& k : full) EXPECT_TRUE(unbounded.contains(k)) << k;
}

}  // namespace
}  // namespace fibercheck
