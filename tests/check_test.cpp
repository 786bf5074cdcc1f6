// check(): a user's root over many schedules and cancellation points; failures
// shrunk, reported with the fiber named, and replayed through FIBERCHECK_REPLAY;
// sharding, time budget and RC_PARAMS.
#include "fibercheck/harness/check.hpp"

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#include <cstdlib>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "check/check_case.hpp"
#include "check/check_names.hpp"
#include "check/check_plan.hpp"
#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/check_kind.hpp"
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

// A check outside any GoogleTest test: the test-name provider answers "" while it
// lives, as in a program without GoogleTest.
class OutsideATest {
 public:
  OutsideATest() { fibercheck::detail::set_test_name_provider(&none); }
  ~OutsideATest() {
    fibercheck::detail::set_test_name_provider(&fibercheck::gtest::detail::current_test);
  }

 private:
  static std::string none() { return {}; }
};

TEST(Check, ACorrectPoolPassesEveryCase) {
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, quick());
  EXPECT_TRUE(r) << r;
  EXPECT_EQ(r.cases_run, 40u);
  std::ostringstream shown;
  shown << r;
  EXPECT_EQ(shown.str().rfind("ok: check 'Check.ACorrectPoolPassesEveryCase': 40 case(s)", 0), 0u)
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
  // Named after the test that ran it (gtest.hpp); the line of the call is only a hint.
  EXPECT_EQ(r.name, "Check.ALeakyPoolFailsWithTheStuckWorkerNamedAndAReplayLine");
  EXPECT_NE(r.site.find("check_test.cpp:"), std::string::npos) << r.site;
  EXPECT_NE(r.report.find("check '" + r.name + "' (at " + r.site + ") failed"), std::string::npos)
      << r.report;
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

// Names hold no line number: the k-th check call site a test reaches is "Suite.Test#k"
// (the first plain "Suite.Test"); a call site in a loop keeps its name.
TEST(CheckNames, CallSitesOfATestAreNumberedInTheOrderReached) {
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i)
    names.push_back(fibercheck::check([](Done d) { pool(d, false); }, quick(2)).name);
  names.push_back(fibercheck::check([](Done d) { pool(d, false); }, quick(2)).name);
  CheckOptions kind = quick(2);
  names.push_back(fibercheck::harness::check_kind("pipe", kind).name);
  const std::string t = "CheckNames.CallSitesOfATestAreNumberedInTheOrderReached";
  EXPECT_EQ(names, (std::vector<std::string>{t, t, t, t + "#2", t + "#3"}));
}

TEST(CheckNames, AnExplicitNameWinsAndTakesItsPlaceInTheCount) {
  CheckOptions named = quick(2);
  named.name = "pool ends";
  EXPECT_EQ(fibercheck::check([](Done d) { pool(d, false); }, named).name, "pool_ends");
  EXPECT_EQ(fibercheck::check([](Done d) { pool(d, false); }, quick(2)).name,
            "CheckNames.AnExplicitNameWinsAndTakesItsPlaceInTheCount#2");
}

// Two checks in one function, as a program without GoogleTest has them.
std::pair<CheckResult, CheckResult> two_checks_in_a_function() {
  CheckResult a = fibercheck::check([](Done d) { pool(d, false); }, quick(2));
  CheckResult b = fibercheck::check([](Done d) { pool(d, false); }, quick(2));
  return {std::move(a), std::move(b)};
}

// Outside a test: the file and the function that calls check(), numbered the same way.
TEST(CheckNames, OutsideATestTheFileAndFunctionNameTheCheck) {
  OutsideATest outside;
  const auto [a, b] = two_checks_in_a_function();
  EXPECT_EQ(a.name, "check_test.cpp:two_checks_in_a_function");
  EXPECT_EQ(b.name, "check_test.cpp:two_checks_in_a_function#2");
  EXPECT_NE(a.site, b.site) << "the line is a hint beside the name, not part of it";
}

// The line is not part of the name: two tests whose first check sits on different
// lines name it the same way, after the test alone.
std::string first_check_name_at_one_line() {
  return fibercheck::check([](Done d) { pool(d, false); }, quick(1)).name;
}
std::string first_check_name_at_another_line() {
  return fibercheck::check([](Done d) { pool(d, false); }, quick(1)).name;
}
TEST(CheckNames, ALineAddedAboveTheCheckKeepsItsName) {
  EXPECT_EQ(first_check_name_at_one_line(), "CheckNames.ALineAddedAboveTheCheckKeepsItsName");
}
TEST(CheckNames, ALineAddedAboveTheCheckKeepsItsNameToo) {
  EXPECT_EQ(first_check_name_at_another_line(),
            "CheckNames.ALineAddedAboveTheCheckKeepsItsNameToo");
}

// What the exit check says when no check took the line: the checks reached, with
// where they are, and the one whose name is close to the line's.
TEST(CheckNames, AnUnmatchedReplayLineListsTheChecksReachedAndTheCloseOne) {
  const CheckResult reached = fibercheck::check([](Done d) { pool(d, false); }, quick(1));
  EXPECT_FALSE(fibercheck::harness::unmatched_replay_message()) << "no FIBERCHECK_REPLAY";
  const std::string p = "fibercheck-case v1 strategy=random seed=1 cancel=3 max-steps=100 root=";
  {
    // The name a line printed before names lost their line number would carry.
    EnvVar env("FIBERCHECK_REPLAY", p + reached.name + ":412");
    const CheckResult skipped = fibercheck::check([](Done d) { pool(d, false); }, quick(1));
    EXPECT_TRUE(skipped.skipped);
    const auto msg = fibercheck::harness::unmatched_replay_message();
    ASSERT_TRUE(msg);
    EXPECT_NE(msg->find("FIBERCHECK_REPLAY matched no check, so nothing was replayed: the line "
                        "is for check '" +
                        reached.name + ":412'"),
              std::string::npos)
        << *msg;
    EXPECT_NE(msg->find("  '" + reached.name + "' (at " + reached.site + ")\n"), std::string::npos)
        << *msg;
    EXPECT_NE(msg->find("  '" + reached.name + "#2' (at "), std::string::npos) << *msg;
    EXPECT_NE(msg->find("is close to '" + reached.name + "'"), std::string::npos) << *msg;
  }
  {
    EnvVar env("FIBERCHECK_REPLAY", p + "Elsewhere.Entirely");
    const auto msg = fibercheck::harness::unmatched_replay_message();
    ASSERT_TRUE(msg);
    EXPECT_EQ(msg->find("is close to"), std::string::npos) << *msg;
  }
  {
    // Taken by the check it names: nothing to say.
    EnvVar env("FIBERCHECK_REPLAY", p + reached.name + "#3");
    const CheckResult replayed = fibercheck::check([](Done d) { pool(d, false); }, quick(1));
    EXPECT_TRUE(replayed.replayed);
    EXPECT_FALSE(fibercheck::harness::unmatched_replay_message());
  }
}

TEST(CheckNames, ATreeCaseLineIsAnotherChecksLineAndSkips) {
  EnvVar env("FIBERCHECK_REPLAY",
             "fibercheck-case v1 strategy=random seed=1 cancel=3 max-steps=100 topology=fc1 "
             "pipe{cap=0}(gen{n=2},sink)");
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, quick());
  EXPECT_TRUE(r.skipped);
  EXPECT_TRUE(r) << r;
  const auto msg = fibercheck::harness::unmatched_replay_message();
  ASSERT_TRUE(msg) << "no check_kind took it";
  EXPECT_NE(msg->find("the line is a tree case (topology=)"), std::string::npos) << *msg;
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

// A plain Boost.Fiber condition variable wait is unwound like a fibercheck wait: the
// failure is shrunk. An unbuffered push waiting for a receiver cannot be unwound (the
// channel points at its value on the fiber's stack): still caught, reported as
// unreclaimable with its reason, and the thread it parked does not stop later checks.
TEST(Check, ALeakInAPlainBoostPrimitiveIsReportedUnreclaimable) {
#ifdef FIBERCHECK_TEST_NO_BOOST_HOOKS
  GTEST_SKIP() << "Boost.Fiber is static here: fibercheck does not hook its waits";
#endif
  // Never destroyed: a waiter may stay parked on them for the life of the process.
  static auto& m = *new boost::fibers::mutex;
  static auto& cv = *new boost::fibers::condition_variable;
  const CheckResult unwound = fibercheck::check(
      [](Done) {
        boost::fibers::fiber([] {
          std::unique_lock<boost::fibers::mutex> lk(m);
          cv.wait(lk);
        }).detach();
      },
      quick(4));
  ASSERT_FALSE(unwound);
  EXPECT_TRUE(unwound.outcome.unreclaimed.empty()) << unwound.report;
  EXPECT_EQ(unwound.report.find("could not be unwound"), std::string::npos) << unwound.report;
  EXPECT_NE(unwound.report.find("shrunk in"), std::string::npos) << unwound.report;

  const CheckResult r = fibercheck::check(
      [](Done) {
        // A channel of its own each run (never destroyed): a push into one whose slot
        // an earlier run's parked pusher holds would wait in its queue, and be unwound.
        auto* ch = new boost::fibers::unbuffered_channel<int>;
        boost::fibers::fiber([ch] { ch->push(1); }).detach();
      },
      quick(4));
  ASSERT_FALSE(r);
  EXPECT_FALSE(r.outcome.unreclaimed.empty()) << r.report;
  EXPECT_NE(r.report.find("could not be unwound"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("unbuffered_channel::push"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("their thread is parked"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("not shrunk"), std::string::npos) << r.report;
  EXPECT_TRUE(fibercheck::check([](Done d) { pool(d, false); }, quick(8)))
      << "later checks still run";
}

// One big check split across 3 shards: case k runs in shard k mod 3, so the shards
// together run exactly the unsharded run's cases, each once. The pool takes a done and
// checks completion, so cancellation ranges come from the first completion runs: every
// shard runs those it needs itself, and the cases are the same cases, not just seeds.
TEST(Check, ThreeShardsTogetherRunExactlyTheUnshardedCasesEachOnce) {
  CheckOptions o = quick(40);
  const CheckResult all = fibercheck::check([](Done d) { pool(d, false); }, o);
  ASSERT_TRUE(all) << all;
  ASSERT_EQ(all.case_seeds.size(), 40u);
  std::multiset<std::uint64_t> together;
  for (std::uint64_t s = 0; s < 3; ++s) {
    o.shard = fibercheck::Shard{s, 3};
    const CheckResult part = fibercheck::check([](Done d) { pool(d, false); }, o);
    EXPECT_TRUE(part) << part;
    EXPECT_EQ(part.cases_asked, s == 0 ? 14u : 13u);
    EXPECT_EQ(part.cases_run, part.cases_asked);
    for (std::size_t i = 0; i < part.case_seeds.size(); ++i)
      EXPECT_EQ(part.case_seeds[i], all.case_seeds[s + 3 * i]) << "case " << s + 3 * i;
    together.insert(part.case_seeds.begin(), part.case_seeds.end());
  }
  EXPECT_EQ(together, std::multiset<std::uint64_t>(all.case_seeds.begin(), all.case_seeds.end()))
      << "the union is the unsharded run, and no seed runs in two shards";
}

// The same case in every shard: a leak found in shard 2 of 3 is the unsharded run's
// case with the same number and the same line.
TEST(Check, AFailingCaseIsTheSameCaseInItsShard) {
  CheckOptions o = quick(200);
  o.shrink = false;
  // One call site, so one name, and so one root= in both lines.
  auto leaky = [](const CheckOptions& opt) {
    return fibercheck::check([](Done d) { pool(d, true); }, opt);
  };
  const CheckResult all = leaky(o);
  ASSERT_FALSE(all);
  const std::uint64_t k = all.cases_run - 1;  // its index in the sequence
  o.shard = fibercheck::Shard{k % 3, 3};
  const CheckResult part = leaky(o);
  ASSERT_FALSE(part);
  EXPECT_EQ(part.case_line, all.case_line);
  const std::string shard = "shard " + std::to_string(k % 3 + 1) + " of 3";
  EXPECT_NE(part.report.find("case " + std::to_string(k + 1) + " of 200, " + shard + ")"),
            std::string::npos)
      << part.report;
}

TEST(Check, GoogleTestShardVariablesSplitChecksOutsideATestOnly) {
  {
    EnvVar total("GTEST_TOTAL_SHARDS", "3"), index("GTEST_SHARD_INDEX", "2");
    const fibercheck::Shard s = fibercheck::shard_from_env();
    EXPECT_EQ(s.index, 2u);
    EXPECT_EQ(s.total, 3u);
    // Inside a test: GoogleTest gave this test to this shard alone; every case runs.
    const CheckResult in_test = fibercheck::check([](Done d) { pool(d, false); }, quick(6));
    EXPECT_EQ(in_test.shard.total, 1u);
    EXPECT_EQ(in_test.cases_run, 6u);
    // Outside a test: shard 3 of 3 takes cases 2 and 5 of 6.
    OutsideATest outside;
    const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, quick(6));
    EXPECT_EQ(r.shard.index, 2u);
    EXPECT_EQ(r.cases_asked, 2u);
    ASSERT_EQ(r.case_seeds.size(), 2u);
    EXPECT_EQ(r.case_seeds[0], fibercheck::case_seed(11, 2));
    EXPECT_EQ(r.case_seeds[1], fibercheck::case_seed(11, 5));
    std::ostringstream shown;
    shown << r;
    EXPECT_NE(shown.str().find("shard 3 of 3"), std::string::npos) << shown.str();
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

// FIBERCHECK_SHARD=I/N splits a check inside a GoogleTest test, where GoogleTest's
// own variables do not: 3 machines with 1/3, 2/3 and 3/3 run exactly the cases of
// the unsharded check, each once. Set together with GoogleTest's variables, it wins.
TEST(Check, FibercheckShardSplitsACheckInsideATest) {
  auto run = [] { return fibercheck::check([](Done d) { pool(d, false); }, quick(20)); };
  const CheckResult all = run();
  ASSERT_TRUE(all) << all.report;
  ASSERT_EQ(all.case_seeds.size(), 20u);
  std::multiset<std::uint64_t> together;
  for (std::uint64_t i = 1; i <= 3; ++i) {
    const std::string spec = std::to_string(i) + "/3";
    EnvVar shard("FIBERCHECK_SHARD", spec);
    EnvVar total("GTEST_TOTAL_SHARDS", "2"), index("GTEST_SHARD_INDEX", "1");
    const CheckResult part = run();
    ASSERT_TRUE(part) << part.report;
    EXPECT_EQ(part.shard.index, i - 1) << spec;
    EXPECT_EQ(part.shard.total, 3u) << spec;
    EXPECT_EQ(part.cases_asked, fibercheck::harness::cases_in_shard(20, {i - 1, 3})) << spec;
    EXPECT_EQ(part.cases_run, part.cases_asked) << spec;
    for (std::size_t n = 0; n < part.case_seeds.size(); ++n)
      EXPECT_EQ(part.case_seeds[n], all.case_seeds[i - 1 + 3 * n]) << spec << " case " << n;
    std::ostringstream shown;
    shown << part;
    EXPECT_NE(shown.str().find("shard " + std::to_string(i) + " of 3"), std::string::npos)
        << shown.str();
    together.insert(part.case_seeds.begin(), part.case_seeds.end());
  }
  const std::multiset<std::uint64_t> unsharded(all.case_seeds.begin(), all.case_seeds.end());
  EXPECT_EQ(together, unsharded) << "the shards' cases are disjoint and make up the whole run";
}

// A shard's failure report and its time-budget line say which shard, from 1.
TEST(Check, FibercheckShardIsNamedInReportsAndPartialLines) {
  EnvVar shard("FIBERCHECK_SHARD", "2/3");
  CheckOptions o = quick(200);
  o.shrink = false;
  const CheckResult failed = fibercheck::check([](Done d) { pool(d, true); }, o);
  ASSERT_FALSE(failed);
  EXPECT_EQ((failed.cases_run - 1) % 3, 0u) << "only shard 2's cases ran before the failure";
  EXPECT_NE(failed.report.find(", shard 2 of 3)"), std::string::npos) << failed.report;
  o.time_budget_seconds = 1e-9;
  testing::internal::CaptureStderr();
  const CheckResult partial = fibercheck::check([](Done d) { pool(d, false); }, o);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(partial.out_of_time);
  EXPECT_NE(partial.partial.find("after 1 of 67 cases (shard 2 of 3)"), std::string::npos)
      << partial.partial;
  EXPECT_NE(err.find(partial.partial), std::string::npos) << err;
}

TEST(Check, FibercheckShardRejectsWhatIsNotIOfN) {
  struct Bad {
    const char* value;
    const char* why;
  };
  for (const Bad& bad :
       {Bad{"3", "FIBERCHECK_SHARD='3' is not I/N"},
        Bad{"a/b", "FIBERCHECK_SHARD='a/b' is not I/N"},
        Bad{"0/3",
            "FIBERCHECK_SHARD='0/3': shards count from 1, as GoogleTest "
            "prints them; the first of 3 is FIBERCHECK_SHARD=1/3"},
        Bad{"4/3", "FIBERCHECK_SHARD='4/3': there is no shard 4 of 3; I is 1 to 3"},
        Bad{"1/0", "FIBERCHECK_SHARD='1/0' asks for 0 shards"}}) {
    EnvVar shard("FIBERCHECK_SHARD", bad.value);
    for (int site = 0; site < 2; ++site) {
      try {
        if (site == 0) {
          (void)fibercheck::shard_from_fibercheck_env();
        } else {
          (void)fibercheck::check([](Done d) { pool(d, false); }, quick(3));
        }
        ADD_FAILURE() << "FIBERCHECK_SHARD=" << bad.value << " was accepted";
      } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        EXPECT_EQ(what.rfind(bad.why, 0), 0u) << what;
        EXPECT_NE(what.find("write FIBERCHECK_SHARD=I/N"), std::string::npos) << what;
        EXPECT_NE(what.find("FIBERCHECK_SHARD=2/3 for the second of 3"), std::string::npos) << what;
      }
    }
  }
  EnvVar empty("FIBERCHECK_SHARD", "");
  EXPECT_FALSE(fibercheck::shard_from_fibercheck_env().has_value()) << "empty is unset";
}

TEST(Check, CheckOptionsShardWinsOverFibercheckShard) {
  EnvVar shard("FIBERCHECK_SHARD", "1/3");
  const std::optional<fibercheck::Shard> env = fibercheck::shard_from_fibercheck_env();
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->index, 0u);
  EXPECT_EQ(env->total, 3u);
  CheckOptions o = quick(6);
  o.shard = fibercheck::Shard{1, 2};
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_EQ(r.shard.index, 1u);
  EXPECT_EQ(r.shard.total, 2u);
  ASSERT_EQ(r.case_seeds.size(), 3u);
  EXPECT_EQ(r.case_seeds[0], fibercheck::case_seed(11, 1));
  EXPECT_EQ(r.case_seeds[2], fibercheck::case_seed(11, 5));
  EnvVar bad("FIBERCHECK_SHARD", "0/3");
  EXPECT_NO_THROW((void)fibercheck::check([](Done d) { pool(d, false); }, o))
      << "a shard given in the options does not read the variable";
}

TEST(Check, ShardTextCountsFromOneAsGoogleTestPrintsIt) {
  EXPECT_EQ(fibercheck::harness::shard_text({1, 3}), "shard 2 of 3");
  EXPECT_EQ(fibercheck::harness::cases_in_shard(10, {0, 3}), 4u);
  EXPECT_EQ(fibercheck::harness::cases_in_shard(10, {2, 3}), 3u);
  EXPECT_EQ(fibercheck::harness::cases_in_shard(2, {2, 3}), 0u);
  EnvVar rc("RC_PARAMS", "seed=99"), total("GTEST_TOTAL_SHARDS", "3"),
      index("GTEST_SHARD_INDEX", "1");
  testing::internal::CaptureStderr();
  fibercheck::shard_rc_params();
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("fibercheck: shard 2 of 3: RapidCheck seed"), std::string::npos) << err;
}

TEST(Check, ATimeBudgetStopsTheCheckAndSaysSo) {
  CheckOptions o = quick(1000);
  o.time_budget_seconds = 1e-9;  // spent once the first case has run
  testing::internal::CaptureStderr();
  const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, o);
  const std::string err = testing::internal::GetCapturedStderr();
  EXPECT_TRUE(r);
  EXPECT_TRUE(r.out_of_time);
  EXPECT_EQ(r.cases_run, 1u);
  EXPECT_EQ(r.cases_asked, 1000u);
  const std::string line = "fibercheck: check '" + r.name +
                           "' stopped by CheckOptions::time_budget_seconds = 1e-09 after 1 of "
                           "1000 cases";
  EXPECT_EQ(r.partial, line);
  EXPECT_NE(err.find(line + "\n"), std::string::npos) << "printed even with print = false\n" << err;
  std::ostringstream shown;
  shown << r;
  EXPECT_NE(shown.str().find("1 of 1000 case(s)"), std::string::npos) << shown.str();
  // A budget that outlasts the check: not cut short, nothing said.
  o.cases = 3;
  o.time_budget_seconds = 3600;
  const CheckResult whole = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_FALSE(whole.out_of_time);
  EXPECT_TRUE(whole.partial.empty());
}

TEST(Check, TheTimeBudgetVariableTakesFractionalSecondsAndNamesItselfWhenBad) {
  {
    EnvVar env("FIBERCHECK_TIME_BUDGET", "0.5");
    EXPECT_DOUBLE_EQ(fibercheck::time_budget_from_env(), 0.5);
  }
  {
    EnvVar env("FIBERCHECK_TIME_BUDGET", "0.000000001");
    const CheckResult r = fibercheck::check([](Done d) { pool(d, false); }, quick(50));
    EXPECT_TRUE(r.out_of_time);
    EXPECT_NE(r.partial.find("stopped by FIBERCHECK_TIME_BUDGET=0.000000001 after 1 of 50"),
              std::string::npos)
        << r.partial;
  }
  for (const char* bad : {"soon", "-1", "1e3", "3.", "0x10", " 2"}) {
    EnvVar env("FIBERCHECK_TIME_BUDGET", bad);
    try {
      (void)fibercheck::check([](Done d) { pool(d, false); }, CheckOptions{});
      ADD_FAILURE() << "accepted FIBERCHECK_TIME_BUDGET=" << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("FIBERCHECK_TIME_BUDGET='"), std::string::npos)
          << e.what();
    }
  }
}

// Each check of a test has its own budget: the first cannot starve the second.
TEST(Check, EachCheckOfATestGetsTheWholeBudget) {
  EnvVar env("FIBERCHECK_TIME_BUDGET", "0.05");
  CheckOptions o = quick(100000000);
  const CheckResult first = fibercheck::check([](Done d) { pool(d, false); }, o);
  const CheckResult second = fibercheck::check([](Done d) { pool(d, false); }, o);
  EXPECT_TRUE(first.out_of_time);
  EXPECT_TRUE(second.out_of_time);
  EXPECT_GT(second.cases_run, 1u) << "the second check ran on its own budget";
  EXPECT_EQ(second.name, "Check.EachCheckOfATestGetsTheWholeBudget#2");
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
