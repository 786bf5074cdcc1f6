// check(): a user's root over many schedules and cancellation points; failures
// shrunk, reported with the fiber named, and replayed through FIBERCHECK_REPLAY;
// sharding, time budget and RC_PARAMS.
#include "fibercheck/harness/check.hpp"

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "check/check_case.hpp"
#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/gtest.hpp"
#include "model/text_form.hpp"
#include "support.hpp"

namespace {

using fibercheck::Chan;
using fibercheck::CheckOptions;
using fibercheck::CheckResult;
using fibercheck::Done;
using fibercheck::Scope;
using fibercheck::Status;
using fibercheck::test::EnvVar;

// Three workers square jobs; every send and receive watches done.
void pool(Done done, bool buggy) {
  Scope scope(done);
  Chan<int> jobs(0, "jobs"), results(0, "results");
  for (int w = 0; w < 3; ++w) {
    scope.spawn("worker-" + std::to_string(w), [jobs, results, buggy](Done d) {
      while (auto j = jobs.recv(d)) {
        // The bug: a result sent without watching done blocks for good once the
        // collector stops receiving.
        if ((buggy ? results.send(*j * *j) : results.send(d, *j * *j)) != Status::ok) return;
      }
    });
  }
  scope.spawn("feeder", [jobs](Done d) {
    for (int i = 0; i < 6; ++i)
      if (jobs.send(d, i) != Status::ok) break;
    jobs.close();
  });
  for (int i = 0; i < 6; ++i)
    if (!results.recv(done)) break;
  scope.cancel();
  scope.join();
}

CheckOptions quick(std::uint64_t cases = 40) {
  CheckOptions o;
  o.cases = cases;
  o.seed = 11;
  o.print = false;
  return o;
}

TEST(Check, ACorrectPoolPassesEveryCase) {
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, quick());
  EXPECT_TRUE(r) << r;
  EXPECT_EQ(r.cases_run, 40u);
  std::ostringstream shown;
  shown << r;
  EXPECT_EQ(shown.str().rfind("ok: check 'Check.ACorrectPoolPassesEveryCase:", 0), 0u)
      << shown.str();
  EXPECT_EQ(std::set<std::uint64_t>(r.case_seeds.begin(), r.case_seeds.end()).size(), 40u);
  EXPECT_FALSE(r.out_of_time);
}

TEST(Check, ALeakyPoolFailsWithTheStuckWorkerNamedAndAReplayLine) {
  const CheckResult r = fibercheck::check([](Done d) { pool(d, true); }, quick(200));
  ASSERT_FALSE(r);
  EXPECT_NE(r.report.find("expected: every fiber ends once root's done closes"), std::string::npos)
      << r.report;
  EXPECT_NE(r.report.find("root/worker-"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("send on chan 'results'"), std::string::npos) << r.report;
  bool worker = false;
  for (const auto& f : r.outcome.live)
    worker = worker || (f.path.rfind("root/worker-", 0) == 0 &&
                        f.blocked_on.find("results") != std::string::npos);
  EXPECT_TRUE(worker) << r.report;
  // Named after the test that ran it (gtest.hpp), with the line of the call.
  EXPECT_EQ(r.name.rfind("Check.ALeakyPoolFailsWithTheStuckWorkerNamedAndAReplayLine:", 0), 0u)
      << r.name;
  EXPECT_NE(r.replay.find("FIBERCHECK_REPLAY='fibercheck-case v1 "), std::string::npos) << r.replay;
  EXPECT_NE(r.replay.find("--gtest_filter=Check.ALeakyPool"), std::string::npos) << r.replay;
  EXPECT_NE(r.case_line.find(" root=" + r.name), std::string::npos);
  EXPECT_TRUE(r.outcome.unreclaimed.empty()) << "fibercheck primitives unwind";
}

TEST(Check, TheShrunkCaseReplaysThroughTheEnvironmentInsideThisBinary) {
  CheckOptions o = quick(200);
  o.name = "pool-replay";
  const CheckResult failing = fibercheck::check([](Done d) { pool(d, true); }, o);
  ASSERT_FALSE(failing);
  EXPECT_EQ(failing.name, "pool-replay");
  CheckResult replayed;
  {
    EnvVar env("FIBERCHECK_REPLAY", failing.case_line);
    replayed = fibercheck::check([](Done d) { pool(d, true); }, o);
  }
  EXPECT_TRUE(replayed.replayed);
  EXPECT_FALSE(replayed);
  EXPECT_EQ(replayed.cases_run, 1u);
  EXPECT_EQ(replayed.outcome.trace_hash, failing.outcome.trace_hash);
  EXPECT_EQ(replayed.report.find("trace mismatch"), std::string::npos) << replayed.report;
  EXPECT_NE(replayed.report.find("trace:\n"), std::string::npos) << "replay prints the event log";
  // The fixed pool under the same case line: clean, and the trace differs.
  {
    EnvVar env("FIBERCHECK_REPLAY", failing.case_line);
    const CheckResult fixed = fibercheck::check([](Done d) { pool(d, false); }, o);
    EXPECT_TRUE(fixed.replayed);
    EXPECT_FALSE(fixed) << "the recorded trace hash no longer matches";
    EXPECT_TRUE(fixed.outcome.live.empty()) << fixed.report;
  }
}

TEST(Check, AReplayLineForAnotherCheckSkipsThisOne) {
  EnvVar env("FIBERCHECK_REPLAY",
             "fibercheck-case v1 strategy=random seed=1 cancel=3 max-steps=100 root=other");
  const CheckResult r = fibercheck::check([](Done d) { pool(d, true); }, quick());
  EXPECT_TRUE(r);
  EXPECT_TRUE(r.skipped);
  EXPECT_EQ(r.cases_run, 0u);
}

TEST(Check, AMalformedReplayLineFailsWithTheColumn) {
  EnvVar env("FIBERCHECK_REPLAY", "fibercheck-case v1 strategy=sideways root=x");
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, quick());
  EXPECT_FALSE(r);
  EXPECT_NE(r.report.find("column 29"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("expected fifo, random, pct or replay"), std::string::npos) << r.report;
}

TEST(Check, ARootThatNeverFinishesWithoutCancellationFailsTheCompletionRun) {
  const CheckResult r = fibercheck::check(
      [](Done done) {
        Scope scope(done);
        Chan<int> never(0, "never");
        scope.spawn("waiter", [never](Done d) { (void)never.recv(d); });
        scope.join();
      },
      quick());
  ASSERT_FALSE(r);
  EXPECT_NE(r.report.find("expected: without cancellation, root returns by itself"),
            std::string::npos)
      << r.report;
  EXPECT_NE(r.case_line.find("cancel=none cancel-when-idle=0"), std::string::npos) << r.case_line;
  // The same root, declared to run until done: every cancellation ends it.
  CheckOptions until_done = quick();
  until_done.completion = false;
  until_done.max_cancel_step = 50;
  EXPECT_TRUE(fibercheck::check(
      [](Done done) {
        Scope scope(done);
        Chan<int> never(0, "never");
        scope.spawn("waiter", [never](Done d) { (void)never.recv(d); });
        scope.join();
      },
      until_done));
}

// A plain Boost.Fiber wait cannot be unwound (Boost.Fiber has no interruption): still
// caught, reported as
// unreclaimable, and the thread it parked does not stop later checks.
TEST(Check, ALeakInAPlainBoostPrimitiveIsReportedUnreclaimable) {
  // Never destroyed: the fiber waiting on them stays parked for the life of the
  // process, and destroying a condition variable with a waiter queued is undefined
  // (Boost's debug build asserts `wait_queue_.empty()` at exit).
  static auto& m = *new boost::fibers::mutex;
  static auto& cv = *new boost::fibers::condition_variable;
  CheckOptions o = quick(4);
  const CheckResult r = fibercheck::check(
      [](Done) {
        boost::fibers::fiber([] {
          std::unique_lock<boost::fibers::mutex> lk(m);
          cv.wait(lk);
        }).detach();
      },
      o);
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.outcome.unreclaimed.empty()) << r.report;
  EXPECT_NE(r.report.find("unreclaimable"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("not shrunk"), std::string::npos) << r.report;
  EXPECT_TRUE(fibercheck::check([](Done d) { pool(d, false); }, quick(8)))
      << "later checks still run";
}

TEST(Check, ShardsTakeDisjointCasesWhoseUnionIsTheUnshardedSequence) {
  CheckOptions o = quick(10);
  o.shard = fibercheck::Shard{0, 2};
  const CheckResult a = fibercheck::check([](Done d) { pool(d, false); }, o);
  o.shard = fibercheck::Shard{1, 2};
  const CheckResult b = fibercheck::check([](Done d) { pool(d, false); }, o);
  o.shard.reset();
  o.cases = 20;
  const CheckResult all = fibercheck::check([](Done d) { pool(d, false); }, o);
  std::set<std::uint64_t> sa(a.case_seeds.begin(), a.case_seeds.end());
  std::set<std::uint64_t> sb(b.case_seeds.begin(), b.case_seeds.end());
  std::set<std::uint64_t> sall(all.case_seeds.begin(), all.case_seeds.end());
  ASSERT_EQ(sa.size(), 10u);
  ASSERT_EQ(sb.size(), 10u);
  for (auto s : sa) EXPECT_EQ(sb.count(s), 0u);
  std::set<std::uint64_t> both = sa;
  both.insert(sb.begin(), sb.end());
  EXPECT_EQ(both, sall);
}

TEST(Check, GoogleTestShardVariablesChooseTheShard) {
  {
    EnvVar total("GTEST_TOTAL_SHARDS", "3"), index("GTEST_SHARD_INDEX", "2");
    const fibercheck::Shard s = fibercheck::shard_from_env();
    EXPECT_EQ(s.index, 2u);
    EXPECT_EQ(s.total, 3u);
    const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, quick(2));
    EXPECT_EQ(r.shard.index, 2u);
    ASSERT_EQ(r.case_seeds.size(), 2u);
    EXPECT_EQ(r.case_seeds[1], fibercheck::case_seed(11, 2 + 3));
  }
  {
    EnvVar total("GTEST_TOTAL_SHARDS", "2"), index("GTEST_SHARD_INDEX", "2");
    EXPECT_THROW((void)fibercheck::shard_from_env(), std::invalid_argument);
  }
  {
    EnvVar total("GTEST_TOTAL_SHARDS", "two"), index("GTEST_SHARD_INDEX", "0");
    EXPECT_THROW((void)fibercheck::shard_from_env(), std::invalid_argument);
  }
}

TEST(Check, ATimeBudgetStopsTheCheckAndReportsTheCasesReached) {
  CheckOptions o = quick(1000);
  o.time_budget_seconds = 1e-9;  // spent once the first case has run
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_TRUE(r);
  EXPECT_TRUE(r.out_of_time);
  EXPECT_EQ(r.cases_run, 1u);
  EnvVar env("FIBERCHECK_TIME_BUDGET", "soon");
  EXPECT_THROW((void)fibercheck::check([](Done d) { pool(d, false); }, CheckOptions{}),
               std::invalid_argument);
}

TEST(Check, RcParamsSetTheSeedAndTheNumberOfCases) {
  EnvVar env("RC_PARAMS", "verbose_progress=1 seed=7 max_success=13");
  CheckOptions o;
  o.print = false;
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_EQ(r.seed, 7u);
  EXPECT_EQ(r.cases_run, 13u);
  o.cases = 3;  // explicit options win
  o.seed = 5;
  const CheckResult explicit_opts = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_EQ(explicit_opts.seed, 5u);
  EXPECT_EQ(explicit_opts.cases_run, 3u);
}

TEST(Check, AMalformedRcParamsSeedIsRejectedByName) {
  EnvVar env("RC_PARAMS", "seed=abc");
  try {
    (void)fibercheck::check([](Done d) { pool(d, false); }, CheckOptions{});
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("RC_PARAMS: seed='abc'"), std::string::npos) << e.what();
  }
}

TEST(Check, ShardedRapidCheckParamsGetADistinctSeedPerShard) {
  std::string first, second;
  {
    EnvVar rc("RC_PARAMS", "seed=99 max_success=5"), total("GTEST_TOTAL_SHARDS", "2"),
        index("GTEST_SHARD_INDEX", "0");
    fibercheck::shard_rc_params();
    first = std::getenv("RC_PARAMS");
  }
  {
    EnvVar rc("RC_PARAMS", "seed=99 max_success=5"), total("GTEST_TOTAL_SHARDS", "2"),
        index("GTEST_SHARD_INDEX", "1");
    fibercheck::shard_rc_params();
    second = std::getenv("RC_PARAMS");
  }
  EXPECT_EQ(first, "max_success=\"5\" seed=" + std::to_string(fibercheck::case_seed(99, 0)));
  EXPECT_EQ(second, "max_success=\"5\" seed=" + std::to_string(fibercheck::case_seed(99, 1)));
}

// The explorer hook: here a small exhaustive search over cancellation steps under
// FIFO scheduling stands in for the DFS explorer.
TEST(Check, AnExplorerReplacesSamplingAndItsFindIsShrunkAndReported) {
  int calls = 0;
  CheckOptions o = quick();
  o.explorer =
      [&calls](const std::function<void(Done)>& root) -> std::optional<fibercheck::FoundCase> {
    ++calls;
    for (std::uint64_t step = 0; step < 200; ++step) {
      fibercheck::RunOptions ro;
      ro.strategy.kind = fibercheck::sched::StrategyKind::fifo;
      ro.cancel_at_step = step;
      ro.cancel_when_idle = true;
      if (!fibercheck::run(root, ro).clean()) return fibercheck::FoundCase{ro.strategy, step};
    }
    return std::nullopt;
  };
  const CheckResult bad = fibercheck::check([](Done d) { pool(d, true); }, o);
  EXPECT_EQ(calls, 1);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.outcome.live.size() >= 2) << bad.report;
  EXPECT_NE(bad.report.find("send on chan 'results'"), std::string::npos) << bad.report;
  const CheckResult good = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_EQ(calls, 2);
  EXPECT_TRUE(good) << good.report;
}

TEST(Check, TheDfsExplorerFindsTheLeakAndExhaustsTheFixedPool) {
  CheckOptions o = quick();
  fibercheck::sched::ExploreOptions e;
  e.max_preemptions = 1;
  e.max_runs = 3000;  // keeps the test short; the leak is found well within it
  o.explorer = fibercheck::dfs_explorer(e);
  const CheckResult bad = fibercheck::check([](Done d) { pool(d, true); }, o);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.report.find("send on chan 'results'"), std::string::npos) << bad.report;
  const CheckResult good = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_TRUE(good) << good;
}

// A loader deadlocks inside Once::call: its function receives from a channel only the
// loader itself would close. Beside it a poller loops select_or_default; it watches
// `started` for its first 50 polls only, then polls a channel nobody uses until
// done closes. Under a schedule where the loader runs early, the poller leaves and the
// run is quiescent with the loader stuck; where the poller runs first (the
// non-preemptive default: it was spawned first), the completion run ends by the step
// budget instead. Shrinking must keep the deadlock, not swap it for the budget.
void once_deadlock_beside_poller(Done done) {
  Scope scope(done);
  Chan<int> started(0, "started"), never(0, "never"), data(0, "data");
  fibercheck::Once once("config");
  scope.spawn("poller", [started, never](Done d) {
    for (int polls = 0;; ++polls) {
      fibercheck::Recv<int> v, s;
      const fibercheck::Selected r =
          polls < 50 ? fibercheck::select_or_default(
                           d, {fibercheck::on_recv(never, v), fibercheck::on_recv(started, s)})
                     : fibercheck::select_or_default(d, {fibercheck::on_recv(never, v)});
      if (r.status == Status::cancelled) return;
      if (polls < 50 && r.index == 1) return;  // the loader has started
    }
  });
  scope.spawn("loader", [started, data, once](Done) {
    started.close();
    once.call([&] { (void)data.recv(); });  // only this fiber would close data
    data.close();
  });
  scope.join();
}

TEST(Check, ShrinkingKeepsTheDeadlockInsteadOfAStepBudget) {
  CheckOptions o = quick(8);
  o.max_steps = 20000;
  const CheckResult r = fibercheck::check(once_deadlock_beside_poller, o);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.outcome.verdict, fibercheck::Verdict::quiescent) << r.report;
  EXPECT_EQ(r.report.find("step budget"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("root/loader"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("recv on chan 'data'"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("same failure"), std::string::npos) << r.report;
  bool loader = false;
  for (const auto& f : r.outcome.live)
    loader =
        loader || (f.path == "root/loader" && f.blocked_on.find("'data'") != std::string::npos);
  EXPECT_TRUE(loader) << r.report;
}

TEST(CheckCase, LinesRoundTripAndTopologyLinesPointToTheTool) {
  fibercheck::harness::RootCase c;
  c.strategy.kind = fibercheck::sched::StrategyKind::replay;
  c.strategy.choices = {0, 2, 1};
  c.cancel_step = 14;
  c.trace_hash = 0x9f3a01c2d4e5f607ull;
  c.root = "Crawler.Ends:12";
  const std::string line = fibercheck::harness::root_case_line(c);
  EXPECT_EQ(line,
            "fibercheck-case v1 strategy=replay choices=0.2.1 cancel=14 max-steps=200000 "
            "trace=9f3a01c2d4e5f607 root=Crawler.Ends:12");
  const auto back = fibercheck::harness::parse_root_case(line);
  EXPECT_EQ(fibercheck::harness::root_case_line(back), line);
  try {
    (void)fibercheck::harness::parse_root_case(
        "fibercheck-case v1 strategy=random seed=1 topology=fc1 stage");
    FAIL() << "expected a ParseError";
  } catch (const fibercheck::harness::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("fibercheck replay"), std::string::npos) << e.what();
  }
}

// Each rejection of a root case line: the column, and what was expected there.
TEST(CheckCase, BadRootLinesAreRejectedWithTheColumnAndWhatWasExpected) {
  struct Bad {
    std::string line;
    std::size_t column;
    std::string expected;
  };
  const std::string p = "fibercheck-case v1 ";
  const std::vector<Bad> bad = {
      {"fibercheck-case v2 strategy=random root=A", 17,
       "this fibercheck reads fibercheck-case v1 lines; found v2"},
      {p + "strategy=random seed=1", p.size() + 23, "expected root=<check name> at the end"},
      {p + "seed=1 root=A", p.size() + 14, "expected strategy=..."},
      {p + "strategy=random root=A seed=1", p.size() + 22,
       "the check's name after root=, as the last key"},
      {p + "strategy=random root=", p.size() + 22, "the check's name after root="},
      {p + "strategy=random colour=red root=A", p.size() + 17,
       "expected one of strategy, seed, choices, pct-depth, cancel, cancel-when-idle, "
       "max-steps, trace, root; found 'colour'"},
      {p + "strategy=random seed=x1 root=A", p.size() + 22, "expected a whole number for seed"},
      {p + "strategy=sometimes root=A", p.size() + 10, "expected fifo, random, pct or replay"},
      {p + "strategy=random max-steps=0 root=A", p.size() + 27, "max-steps from 1 to 100000000"},
  };
  for (const Bad& b : bad) {
    try {
      const auto c = fibercheck::harness::parse_root_case(b.line);
      ADD_FAILURE() << "accepted: " << b.line << " (root " << c.root << ")";
    } catch (const fibercheck::harness::ParseError& e) {
      EXPECT_EQ(e.column(), b.column) << b.line << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find(b.expected), std::string::npos)
          << b.line << ": " << e.what();
    }
  }
  // Trailing blanks and a newline are not part of the check's name.
  EXPECT_EQ(fibercheck::harness::parse_root_case(p + "strategy=fifo root=Pool.Ends:3 \n").root,
            "Pool.Ends:3");
}

}  // namespace
