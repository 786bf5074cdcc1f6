// fibercheck::check inside RapidCheck properties, and sharding of the property
// suites: under GoogleTest sharding every shard's RapidCheck seed differs
// (check.hpp shard_rc_params, applied before RapidCheck reads RC_PARAMS).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/check.hpp"
#include "fibercheck/harness/gtest.hpp"

namespace {

// Runs before main, so before RapidCheck reads its configuration.
const bool kShardedSeeds = (fibercheck::shard_rc_params(), true);

using fibercheck::Chan;
using fibercheck::Done;
using fibercheck::Scope;

// `workers` fibers take jobs until the feeder closes the channel or done closes.
void pool(Done done, int workers, int jobs_count, bool buggy) {
  Scope scope(done);
  Chan<int> jobs(0, "jobs"), results(0, "results");
  scope.spawn("feeder", [jobs, jobs_count](Done d) {
    for (int i = 0; i < jobs_count; ++i)
      if (jobs.send(d, i) != fibercheck::Status::ok) break;
    jobs.close();
  });
  for (int w = 0; w < workers; ++w)
    scope.spawn("worker-" + std::to_string(w), [jobs, results, buggy](Done d) {
      while (auto j = jobs.recv(d))
        if ((buggy ? results.send(*j) : results.send(d, *j)) != fibercheck::Status::ok) return;
    });
  for (int i = 0; i < jobs_count; ++i)
    if (!results.recv(done)) break;
}

// Any number of workers and jobs: closing done ends every worker.
RC_GTEST_PROP(CheckApi, AnyPoolSizeEndsWhenDoneCloses, ()) {
  const int workers = *rc::gen::inRange(1, 5);
  const int jobs = *rc::gen::inRange(0, 8);
  fibercheck::CheckOptions o;
  o.cases = 10;
  const fibercheck::CheckResult r =
      fibercheck::check([=](Done d) { pool(d, workers, jobs, false); }, o);
  RC_ASSERT(r);
}

// The same with the bug: RapidCheck finds a pool that leaks, and the failure
// message is fibercheck's report naming the worker.
TEST(CheckApi, ABuggyPoolFailsTheRapidCheckPropertyWithTheReport) {
  const auto result = rc::detail::checkTestable([] {
    const int workers = *rc::gen::inRange(1, 5);
    const int jobs = *rc::gen::inRange(1, 8);
    fibercheck::CheckOptions o;
    o.cases = 20;
    o.print = false;
    const fibercheck::CheckResult r =
        fibercheck::check([=](Done d) { pool(d, workers, jobs, true); }, o);
    RC_ASSERT(r);
  });
  ASSERT_TRUE(result.template is<rc::detail::FailureResult>());
  const std::string msg = result.template get<rc::detail::FailureResult>().description;
  EXPECT_NE(msg.find("root/worker-"), std::string::npos) << msg;
  EXPECT_NE(msg.find("send on chan 'results'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("FIBERCHECK_REPLAY='fibercheck-case v1 "), std::string::npos) << msg;
}

std::string run_self(const std::string& env) {
  const std::string cmd = env + " timeout 120 /proc/" + std::to_string(::getpid()) +
                          "/exe --gtest_filter=TextForm.*:CheckApi.AnyPool* 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) out += buf.data();
  pclose(p);
  return out;
}

std::string seed_in(const std::string& out) {
  const std::size_t line = out.find("Using configuration:");
  if (line == std::string::npos) return "";
  const std::string key = "seed=";
  const std::size_t at = out.find(key, line);
  if (at == std::string::npos) return "";
  const std::size_t from = at + key.size();
  return out.substr(from, out.find_first_not_of("0123456789", from) - from);
}

TEST(Sharding, EachShardsPropertiesUseTheirOwnRapidCheckSeed) {
  ASSERT_TRUE(kShardedSeeds);
  const std::string base = "RC_PARAMS='seed=5 max_success=3' GTEST_TOTAL_SHARDS=2";
  const std::string s0 = run_self(base + " GTEST_SHARD_INDEX=0");
  const std::string s1 = run_self(base + " GTEST_SHARD_INDEX=1");
  EXPECT_EQ(seed_in(s0), std::to_string(fibercheck::case_seed(5, 0))) << s0;
  EXPECT_EQ(seed_in(s1), std::to_string(fibercheck::case_seed(5, 1))) << s1;
  EXPECT_NE(s0.find("[  PASSED  ] 1 test"), std::string::npos) << s0;
  EXPECT_NE(s1.find("[  PASSED  ] 1 test"), std::string::npos) << s1;
}

}  // namespace
