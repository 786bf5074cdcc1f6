// User-defined kinds: registered from a test binary, mixed into random trees with
// the bundled kinds, named by the text form, listed and replayed by cli_main, and
// checked with check_kind (a correct kind passes; a leaky one is caught, shrunk,
// and replays through FIBERCHECK_REPLAY).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "fibercheck/harness/check_kind.hpp"
#include "fibercheck/harness/cli_main.hpp"
#include "fibercheck/harness/gtest.hpp"
#include "fibercheck/harness/kind.hpp"
#include "fibercheck/harness/node_run.hpp"
#include "generate/generate.hpp"
#include "model/case_line.hpp"
#include "model/text_form.hpp"

namespace {

using namespace fibercheck::harness;

// batcher: sums every `size` values into one, then, when its input ends or done
// closes, sends a last value: how many batches it sent. The leaky variant sends
// that summary without watching done: once done closes, nobody downstream takes it.
KindInfo batcher(const std::string& name, bool leaky) {
  KindInfo k;
  k.name = name;
  k.description =
      leaky ? "batcher whose summary send ignores done" : "sums every size values into one";
  k.mutant = leaky;
  k.params = {{"size", 1, 4, 2}};
  k.start = [leaky](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Value sum = 0, batches = 0;
    std::int64_t n = 0;
    while (auto v = r.recv(r.in)) {
      sum += *v;
      if (++n < r.param("size")) continue;
      if (r.send(r.out, sum) != fibercheck::Status::ok) break;
      ++batches;
      sum = 0;
      n = 0;
    }
    if (!leaky) {
      (void)r.send(r.out, batches);
    } else if (r.out.send(batches) == fibercheck::Status::ok) {
      r.note_sent(r.out, batches);
    }
  };
  return k;
}

const bool kRegistered = [] {
  register_kind(batcher("batcher", false));
  register_kind(batcher("leaky-batcher", true));
  return true;
}();

class EnvVar {
 public:
  EnvVar(const char* n, const std::string& v) : n_(n) { setenv(n, v.c_str(), 1); }
  ~EnvVar() { unsetenv(n_); }

 private:
  const char* n_;
};

int cli(std::vector<std::string> args, std::string* out = nullptr) {
  args.insert(args.begin(), "user_kinds_test");
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

TEST(UserKinds, RegisteredKindsAreListedByTheKindsCommand) {
  ASSERT_TRUE(kRegistered);
  std::string out;
  EXPECT_EQ(cli({"kinds"}, &out), 0);
  EXPECT_NE(out.find("batcher{size=1..4}"), std::string::npos) << out;
  EXPECT_NE(out.find("leaky-batcher{size=1..4}"), std::string::npos) << out;
  EXPECT_NE(out.find("[mutant] batcher whose summary send ignores done"), std::string::npos) << out;
}

// fibercheck::gtest_main hands the tool's commands to cli_main.
TEST(UserKinds, TheTestBinaryItselfAnswersTheKindsCommand) {
  const std::string cmd = "timeout 60 /proc/" + std::to_string(::getpid()) + "/exe kinds 2>&1";
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  EXPECT_EQ(pclose(p), 0) << out;
  EXPECT_NE(out.find("batcher{size=1..4}"), std::string::npos) << out;
  EXPECT_NE(out.find("pipe{cap=0..16}"), std::string::npos) << out;
}

TEST(UserKinds, RandomTreesMixThemWithTheBundledKinds) {
  GenOptions g;
  g.max_nodes = 12;
  bool user = false, bundled = false;
  for (std::uint64_t seed = 0; seed < 200 && !(user && bundled); ++seed) {
    fibercheck::sched::Rng rng(seed);
    const std::string text = print(random_topology(rng, g));
    if (text.find("batcher") != std::string::npos &&
        text.find("leaky-batcher") == std::string::npos) {
      user = true;
      bundled = bundled || text.find("pipe(") != std::string::npos ||
                text.find("stage") != std::string::npos;
    }
  }
  EXPECT_TRUE(user && bundled) << "no tree of 200 mixed batcher with bundled kinds";
}

TEST(UserKinds, TheTextFormNamesThem) {
  const Topology t = parse("fc1 pipe(gen{n=3},batcher{size=3},sink)");
  EXPECT_EQ(t.children.at(1).kind, "batcher");
  EXPECT_EQ(t.children.at(1).param("size"), 3);
  EXPECT_EQ(print(t), "fc1 pipe{cap=0}(gen{n=3},batcher{size=3},sink)");
  EXPECT_THROW((void)parse("fc1 batcher{size=9}"), ParseError);
}

TEST(UserKinds, ACorrectKindPassesItsCheck) {
  fibercheck::CheckOptions o;
  o.cases = 60;
  EXPECT_TRUE(fibercheck::gtest::passed(check_kind("batcher", o)));
}

TEST(UserKinds, ALeakyKindIsCaughtShrunkAndReplayedInThisBinary) {
  fibercheck::CheckOptions o;
  o.cases = 200;
  const fibercheck::CheckResult r = check_kind("leaky-batcher", o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.case_line.find("leaky-batcher"), std::string::npos) << r.report;
  EXPECT_FALSE(r.outcome.live.empty()) << r.report;
  bool flush_stuck = false;
  for (const auto& f : r.outcome.live)
    flush_stuck = flush_stuck || f.blocked_on.find("send on chan") != std::string::npos;
  EXPECT_TRUE(flush_stuck) << r.report;
  EXPECT_NE(r.report.find("replay: FIBERCHECK_REPLAY='" + r.case_line + "'"), std::string::npos)
      << r.report;
  EXPECT_LE(parse_case(r.case_line).spec.topology.size(), 3u) << r.report;
  {
    EnvVar env("FIBERCHECK_REPLAY", r.case_line);
    const fibercheck::CheckResult again = check_kind("leaky-batcher", o);
    EXPECT_TRUE(again.replayed);
    EXPECT_FALSE(again);
    EXPECT_EQ(again.report.find("trace mismatch"), std::string::npos) << again.report;
    const fibercheck::CheckResult other = check_kind("batcher", o);
    EXPECT_TRUE(other.skipped || other.replayed) << "the line may use batcher too";
  }
  // The tool's replay command, run inside this binary, knows the kind too.
  std::string out;
  EXPECT_EQ(cli({"replay", r.case_line}, &out), 1) << out;
  EXPECT_NE(out.find("verdict: leak"), std::string::npos) << out;
}

// A root case line (root=) is another check's: check_kind skips it, and fails only
// on a line that is no case line at all.
TEST(UserKinds, ACheckKindSkipsARootChecksLine) {
  fibercheck::CheckOptions o;
  o.cases = 10;
  {
    EnvVar env("FIBERCHECK_REPLAY",
               "fibercheck-case v1 strategy=random seed=1 cancel=3 max-steps=100 root=Pool.Ends");
    const fibercheck::CheckResult r = check_kind("batcher", o);
    EXPECT_TRUE(r) << r.report;
    EXPECT_TRUE(r.skipped);
    EXPECT_EQ(r.cases_run, 0u);
  }
  {
    EnvVar env("FIBERCHECK_REPLAY", "fibercheck-case v1 strategy=sideways topology=fc1 sink");
    const fibercheck::CheckResult r = check_kind("batcher", o);
    EXPECT_FALSE(r);
    EXPECT_NE(r.report.find("FIBERCHECK_REPLAY: "), std::string::npos) << r.report;
  }
}

// check_kind() calls are named like check() calls, and counted among a test's checks.
TEST(UserKinds, KindChecksAreNamedAfterTheTestAmongItsChecks) {
  fibercheck::CheckOptions o;
  o.cases = 4;
  const fibercheck::CheckResult kind = check_kind("batcher", o);
  const fibercheck::CheckResult root = fibercheck::check([](fibercheck::Done) {}, o);
  EXPECT_EQ(kind.name, "UserKinds.KindChecksAreNamedAfterTheTestAmongItsChecks");
  EXPECT_EQ(root.name, "UserKinds.KindChecksAreNamedAfterTheTestAmongItsChecks#2");
  EXPECT_NE(kind.site.find("user_kinds_test.cpp:"), std::string::npos) << kind.site;
}

// One sequence split across 3 shards: together exactly the unsharded cases.
TEST(UserKinds, ShardsSplitAKindChecksCases) {
  fibercheck::CheckOptions o;
  o.cases = 12;
  o.seed = 5;
  auto run = [](const fibercheck::CheckOptions& opt) { return check_kind("batcher", opt); };
  const fibercheck::CheckResult all = run(o);
  std::multiset<std::uint64_t> together;
  for (std::uint64_t s = 0; s < 3; ++s) {
    o.shard = fibercheck::Shard{s, 3};
    const fibercheck::CheckResult part = run(o);
    EXPECT_EQ(part.cases_run, 4u);
    together.insert(part.case_seeds.begin(), part.case_seeds.end());
  }
  EXPECT_EQ(together, std::multiset<std::uint64_t>(all.case_seeds.begin(), all.case_seeds.end()));
}

// FIBERCHECK_SHARD splits a kind check inside a GoogleTest test just the same.
TEST(UserKinds, FibercheckShardSplitsAKindCheckInsideATest) {
  fibercheck::CheckOptions o;
  o.cases = 12;
  o.seed = 5;
  auto run = [](const fibercheck::CheckOptions& opt) { return check_kind("batcher", opt); };
  const fibercheck::CheckResult all = run(o);
  ASSERT_EQ(all.case_seeds.size(), 12u);
  std::multiset<std::uint64_t> together;
  for (int i = 1; i <= 3; ++i) {
    EnvVar shard("FIBERCHECK_SHARD", std::to_string(i) + "/3");
    const fibercheck::CheckResult part = run(o);
    EXPECT_EQ(part.shard.index, static_cast<std::uint64_t>(i - 1));
    EXPECT_EQ(part.shard.total, 3u);
    EXPECT_EQ(part.cases_run, 4u);
    together.insert(part.case_seeds.begin(), part.case_seeds.end());
  }
  EXPECT_EQ(together, std::multiset<std::uint64_t>(all.case_seeds.begin(), all.case_seeds.end()));
  EnvVar bad("FIBERCHECK_SHARD", "4/3");
  EXPECT_THROW((void)run(o), std::invalid_argument);
}

TEST(UserKinds, TheRunCommandChecksTreesWithThem) {
  std::string out;
  EXPECT_EQ(cli({"run", "--suite", "cancellation", "--cases", "40"}, &out), 0) << out;
  EXPECT_EQ(cli({"run", "--plant", "leaky-batcher", "--cases", "40"}, &out), 1) << out;
  EXPECT_NE(out.find("leaky-batcher"), std::string::npos) << out;
  EXPECT_NE(out.find("user_kinds_test replay '"), std::string::npos) << "replay names this binary\n"
                                                                     << out;
}

}  // namespace
