// A kind of your own built on Boost.Fiber's buffered_channel (boost_pool_kind.hpp),
// registered from a test binary and run through the tool's commands the way a user
// runs theirs: listed by `kinds`, checked in random trees and in a tree of its own by
// `run`, planted as a mutant, and replayed. The fixed pool holds; the leaky one is
// found, with the workers left in the Boost channel's pop named.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "boost_api/boost_pool_kind.hpp"
#include "boost_api/test_support.hpp"
#include "fibercheck/harness/check_kind.hpp"
#include "fibercheck/harness/cli_main.hpp"
#include "fibercheck/harness/gtest.hpp"

namespace {

using namespace examples::boost_api;
using namespace examples::boost_api::test;

const bool kRegistered = [] {
  fibercheck::harness::register_kind(boost_pool_kind(false));
  fibercheck::harness::register_kind(boost_pool_kind(true));
  return true;
}();

// Runs the tool's command line in this process; returns its exit status and, in
// `out`, what it printed.
int cli(std::vector<std::string> args, std::string* out = nullptr) {
  args.insert(args.begin(), "boost_kinds_test");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  testing::internal::CaptureStdout();
  const int rc = fibercheck::cli_main(static_cast<int>(args.size()), argv.data());
  const std::string text = testing::internal::GetCapturedStdout();
  if (out) *out = text;
  return rc;
}

// The report of a leaky pool: its workers wait in the Boost channel's pop, at the line
// of forward_values that pops, started by the line of the kind that spawns them.
void expect_workers_named(const std::string& report) {
  if (kCensusNamesBoostWaits) {
    EXPECT_NE(report.find("pop on "), std::string::npos) << report;
    EXPECT_NE(report.find("buffered_channel<unsigned long>"), std::string::npos) << report;
    EXPECT_TRUE(
        mentions(report, "boost_pool_kind.hpp", line_of("boost_pool_kind.hpp", "values.pop(v)")))
        << report;
    EXPECT_TRUE(mentions(report, "boost_pool_kind.hpp",
                         line_of("boost_pool_kind.hpp", "fiber(forward_values")))
        << report;
  }
  if (unwinds_boost_waits()) {
    EXPECT_EQ(report.find("could not be unwound"), std::string::npos) << report;
  } else {
    EXPECT_NE(report.find("could not be unwound"), std::string::npos) << report;
  }
}

TEST(BoostKinds, TheKindsCommandListsThem) {
  ASSERT_TRUE(kRegistered);
  std::string out;
  EXPECT_EQ(cli({"kinds"}, &out), 0);
  EXPECT_NE(out.find("boost-pool{k=1..3}"), std::string::npos) << out;
  EXPECT_NE(out.find("[mutant] worker pool on a Boost buffered_channel that is never closed"),
            std::string::npos)
      << out;
}

TEST(BoostKinds, TheFixedPoolPassesItsCheck) {
  fibercheck::CheckOptions o;
  o.cases = 100;
  EXPECT_TRUE(fibercheck::gtest::passed(fibercheck::harness::check_kind("boost-pool", o)));
}

// Every schedule of a pipeline through the pool (DFS), and the suites over random trees
// that may mix it in: all hold.
TEST(BoostKinds, TheRunCommandChecksTheFixedPool) {
  std::string out;
  EXPECT_EQ(
      cli({"run", "--strategy", "dfs", "--topology", "fc1 pipe(gen{n=3},boost-pool{k=2},sink)"},
          &out),
      0)
      << out;
  EXPECT_NE(out.find("boost-pool{k=2}"), std::string::npos) << out;
  EXPECT_EQ(cli({"run", "--suite", "cancellation", "--cases", "40"}, &out), 0) << out;
  EXPECT_EQ(cli({"run", "--suite", "completion", "--cases", "40"}, &out), 0) << out;
}

// The run command runs its cases, and shrinks them, on one thread: a leak it cannot
// unwind would park that thread with the run unfinished.
TEST(BoostKinds, TheRunCommandFindsTheLeakyPoolAndNamesItsChannel) {
  if (!unwinds_boost_waits())
    GTEST_SKIP() << "this build cannot unwind fibers parked in Boost waits";
  std::string out;
  EXPECT_EQ(
      cli({"run", "--plant", "leaky-boost-pool", "--suite", "cancellation", "--cases", "3"}, &out),
      1)
      << out;
  EXPECT_NE(out.find("FAIL cancellation"), std::string::npos) << out;
  EXPECT_NE(out.find("leaky-boost-pool"), std::string::npos) << out;
  EXPECT_NE(out.find("boost_kinds_test replay '"), std::string::npos) << out;
  expect_workers_named(out);
}

TEST(BoostKinds, ALeakyPoolIsCaughtByItsCheckAndReplays) {
  fibercheck::CheckOptions o;
  o.cases = 20;
  const fibercheck::CheckResult r = fibercheck::harness::check_kind("leaky-boost-pool", o);
  ASSERT_FALSE(r);
  std::size_t workers = 0;
  for (const fibercheck::FiberInfo& f : r.outcome.live)
    if (f.plain && f.state == fibercheck::FiberState::blocked && !f.in_fibercheck_wait) ++workers;
  EXPECT_GE(workers, 1u) << r.report;
  expect_workers_named(r.report);
  std::string out;
  EXPECT_EQ(cli({"replay", r.case_line}, &out), 1) << out;
  EXPECT_NE(out.find("verdict: "), std::string::npos) << out;
}

}  // namespace
