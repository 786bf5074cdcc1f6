// FIBERCHECK_REPLAY, check names and time budgets seen from outside: runs the replay
// helpers (a GoogleTest binary and a plain program) as children and reads their exit
// status, output and JUnit XML. A replay line that matches no check must fail the
// process, whatever --gtest_filter selected; names must not change when lines are
// added above a check; a check cut short by its time budget must say so.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

struct Child {
  int status = -1;
  std::string output;
};

// Runs `program args` with `env` set (and unset again after), under a timeout.
Child run(const std::string& program, const std::string& args,
          const std::map<std::string, std::string>& env = {}) {
  for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
  const std::string cmd = "timeout 120 " + program + " " + args + " 2>&1";
  Child c;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    std::array<char, 4096> buf{};
    while (std::fgets(buf.data(), buf.size(), p)) c.output += buf.data();
    const int st = pclose(p);
    c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  }
  for (const auto& [k, v] : env) unsetenv(k.c_str());
  return c;
}

Child helper(const std::string& args, const std::map<std::string, std::string>& env = {}) {
  return run(FIBERCHECK_REPLAY_HELPER, args, env);
}
Child plain(const std::string& args, const std::map<std::string, std::string>& env = {}) {
  return run(FIBERCHECK_REPLAY_PLAIN_HELPER, args, env);
}

// The case line of the first FIBERCHECK_REPLAY='...' command in `out`.
std::string replay_line(const std::string& out) {
  const std::string key = "FIBERCHECK_REPLAY='";
  const std::size_t at = out.find(key);
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size();
  return out.substr(start, out.find('\'', start) - start);
}

// `line` naming another check.
std::string with_root(const std::string& line, const std::string& root) {
  return line.substr(0, line.find(" root=")) + " root=" + root;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string xml_path(const std::string& tag) {
  return ::testing::TempDir() + "fibercheck_replay_" + tag + "_" + std::to_string(::getpid()) +
         ".xml";
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

// The leaky check's line, printed by a normal run.
const std::string& leaky_pool_line() {
  static const std::string line = [] {
    const Child c = helper("--gtest_filter=Replay.LeakyPool");
    EXPECT_EQ(c.status, 1) << c.output;
    return replay_line(c.output);
  }();
  return line;
}

TEST(ReplayExit, AMatchingLineReplaysItsCheckInTheTestTheCommandFilters) {
  const Child first = helper("--gtest_filter=Replay.LeakyPool");
  ASSERT_EQ(first.status, 1) << first.output;
  const std::string line = replay_line(first.output);
  ASSERT_TRUE(has(line, " root=Replay.LeakyPool")) << first.output;
  EXPECT_TRUE(
      has(first.output, "fibercheck: check 'Replay.LeakyPool' (at tests/replay_helper.cpp:"))
      << first.output;
  EXPECT_TRUE(has(first.output, "' " FIBERCHECK_REPLAY_HELPER " --gtest_filter=Replay.LeakyPool"))
      << first.output;
  const Child again = helper("--gtest_filter=Replay.LeakyPool", {{"FIBERCHECK_REPLAY", line}});
  EXPECT_EQ(again.status, 1) << "the leak is replayed, and fails\n" << again.output;
  EXPECT_TRUE(has(again.output, "fibercheck: replay of check 'Replay.LeakyPool' (at "))
      << again.output;
  EXPECT_FALSE(has(again.output, "trace mismatch")) << again.output;
  EXPECT_FALSE(has(again.output, "matched no check")) << again.output;
}

// Every check skips a line naming no check of the binary, and the tests pass: the
// binary must fail anyway, listing the checks it reached and the one the name is
// close to, in its output and its XML.
TEST(ReplayExit, ALineNamingNoCheckFailsTheBinaryListingTheChecksItReached) {
  const std::string line = leaky_pool_line();
  ASSERT_FALSE(line.empty());
  const std::string xml = xml_path("unmatched");
  std::remove(xml.c_str());
  const Child c =
      helper("--gtest_filter=Replay.LeakyPool:Replay.TwoChecks --gtest_output=xml:" + xml,
             {{"FIBERCHECK_REPLAY", with_root(line, "Replay.LeakyPol")}});
  EXPECT_EQ(c.status, 1) << c.output;
  EXPECT_TRUE(has(c.output, "[       OK ] Replay.LeakyPool")) << "its check skipped\n" << c.output;
  EXPECT_TRUE(has(c.output,
                  "FIBERCHECK_REPLAY matched no check, so nothing was replayed: the "
                  "line is for check 'Replay.LeakyPol'"))
      << c.output;
  EXPECT_TRUE(has(c.output,
                  "checks this process reached (3):\n"
                  "  'Replay.LeakyPool' (at tests/replay_helper.cpp:"))
      << c.output;
  EXPECT_TRUE(has(c.output, "  'Replay.TwoChecks' (at tests/replay_helper.cpp:")) << c.output;
  EXPECT_TRUE(has(c.output, "  'Replay.TwoChecks#2' (at tests/replay_helper.cpp:")) << c.output;
  EXPECT_TRUE(has(c.output, "'Replay.LeakyPol' is close to 'Replay.LeakyPool'")) << c.output;
  const std::string x = read_file(xml);
  EXPECT_TRUE(has(x, "FIBERCHECK_REPLAY matched no check")) << x;
  EXPECT_TRUE(has(x, "<failure")) << x;
}

TEST(ReplayExit, AFilterThatSelectsNoTestIsNamedAsTheLikelyCause) {
  const std::string line = leaky_pool_line();
  ASSERT_FALSE(line.empty());
  const Child none = helper("--gtest_filter=Replay.LeakyPoool", {{"FIBERCHECK_REPLAY", line}});
  EXPECT_EQ(none.status, 1) << none.output;
  EXPECT_TRUE(has(none.output, "this process reached no check() or check_kind() call"))
      << none.output;
  EXPECT_TRUE(has(none.output,
                  "--gtest_filter=Replay.LeakyPoool selected no test of this binary: "
                  "the filter is the likely cause"))
      << none.output;
  const Child other = helper("--gtest_filter=Replay.NoCheck", {{"FIBERCHECK_REPLAY", line}});
  EXPECT_EQ(other.status, 1) << other.output;
  EXPECT_TRUE(has(other.output,
                  "--gtest_filter=Replay.NoCheck selected 1 test(s), and none of "
                  "them reached that check"))
      << other.output;
}

TEST(ReplayExit, AMalformedLineFailsWithItsColumn) {
  const Child c = helper("--gtest_filter=Replay.LeakyPool",
                         {{"FIBERCHECK_REPLAY", "fibercheck-case v1 strategy=sideways root=x"}});
  EXPECT_EQ(c.status, 1) << c.output;
  EXPECT_TRUE(has(c.output, "column 29")) << c.output;
  EXPECT_TRUE(has(c.output, "[  FAILED  ] Replay.LeakyPool")) << c.output;
}

// Two checks in one test: distinct names, the same in every run; the second's line
// replays the second while the first skips.
TEST(ReplayExit, TwoChecksInOneTestHaveDistinctStableNames) {
  const Child a = helper("--gtest_filter=Replay.TwoChecks");
  const Child b = helper("--gtest_filter=Replay.TwoChecks");
  ASSERT_EQ(a.status, 1) << a.output;
  const std::string line = replay_line(a.output);
  EXPECT_TRUE(has(line, " root=Replay.TwoChecks#2")) << a.output;
  EXPECT_EQ(line, replay_line(b.output));
  EXPECT_TRUE(has(a.output, "fibercheck: check 'Replay.TwoChecks#2' (at tests/replay_helper.cpp:"))
      << a.output;
  const Child replay = helper("--gtest_filter=Replay.TwoChecks", {{"FIBERCHECK_REPLAY", line}});
  EXPECT_EQ(replay.status, 1) << replay.output;
  EXPECT_TRUE(has(replay.output, "skipping check 'Replay.TwoChecks' (at ")) << replay.output;
  EXPECT_TRUE(has(replay.output, "fibercheck: replay of check 'Replay.TwoChecks#2' (at "))
      << replay.output;
  EXPECT_FALSE(has(replay.output, "matched no check")) << replay.output;
}

// The line printed before an edit that added lines above the check still finds it.
TEST(ReplayExit, ANameSurvivesLinesAddedAboveTheCheck) {
  const Child before = helper("--gtest_filter=Replay.EditedTest");
  ASSERT_EQ(before.status, 1) << before.output;
  const std::string line = replay_line(before.output);
  ASSERT_TRUE(has(line, " root=Replay.EditedTest")) << before.output;
  const std::string site = "check 'Replay.EditedTest' (at tests/replay_helper.cpp:";
  ASSERT_TRUE(has(before.output, site)) << before.output;
  const std::size_t at = before.output.find(site) + site.size();
  const std::string line_before = before.output.substr(at, before.output.find(')', at) - at);
  const Child after = helper("--gtest_filter=Replay.EditedTest",
                             {{"FIBERCHECK_REPLAY", line}, {"REPLAY_HELPER_EDITED", "1"}});
  EXPECT_EQ(after.status, 1) << after.output;
  EXPECT_TRUE(has(after.output, "fibercheck: replay of " + site)) << after.output;
  EXPECT_FALSE(has(after.output, "replay of " + site + line_before + ")"))
      << "the check ran from another line\n"
      << after.output;
  EXPECT_FALSE(has(after.output, "trace mismatch")) << after.output;
  EXPECT_FALSE(has(after.output, "matched no check")) << after.output;
}

// A program without GoogleTest: the file and function name its checks, and an exit
// hook fails it when no check took the line, though every check skipped and main
// returned 0.
TEST(ReplayExit, APlainProgramFailsAtExitWhenNoCheckTookTheLine) {
  const Child leaky = plain("leaky");
  ASSERT_EQ(leaky.status, 1) << leaky.output;
  const std::string line = replay_line(leaky.output);
  EXPECT_TRUE(has(line, " root=replay_plain_helper.cpp:run_checks#2")) << leaky.output;
  EXPECT_TRUE(has(leaky.output,
                  "check 'replay_plain_helper.cpp:run_checks#2' (at "
                  "tests/replay_plain_helper.cpp:"))
      << leaky.output;

  const Child replay = plain("leaky", {{"FIBERCHECK_REPLAY", line}});
  EXPECT_EQ(replay.status, 1) << replay.output;
  EXPECT_TRUE(has(replay.output, "replay of check 'replay_plain_helper.cpp:run_checks#2'"))
      << replay.output;
  EXPECT_FALSE(has(replay.output, "matched no check")) << replay.output;

  EXPECT_EQ(plain("clean").status, 0);
  const Child unmatched =
      plain("clean", {{"FIBERCHECK_REPLAY", with_root(line, "replay_plain_helper.cpp:run")}});
  EXPECT_EQ(unmatched.status, 1) << unmatched.output;
  EXPECT_TRUE(has(unmatched.output, "FIBERCHECK_REPLAY matched no check")) << unmatched.output;
  EXPECT_TRUE(has(unmatched.output, "  'replay_plain_helper.cpp:run_checks' (at "))
      << unmatched.output;
  EXPECT_TRUE(has(unmatched.output, "  'replay_plain_helper.cpp:run_checks#2' (at "))
      << unmatched.output;
}

// Each check of a test gets the whole budget, and one cut short says so: a line in
// the output and the fibercheck_partial property in the XML; the test still passes.
TEST(ReplayExit, ChecksCutShortByTheBudgetSaySoInTheOutputAndTheXml) {
  const std::string xml = xml_path("budget");
  std::remove(xml.c_str());
  const Child c = helper("--gtest_filter=Replay.Budget --gtest_output=xml:" + xml,
                         {{"FIBERCHECK_TIME_BUDGET", "0.2"}});
  EXPECT_EQ(c.status, 0) << c.output;
  for (const std::string name : {"Replay.Budget", "Replay.Budget#2"}) {
    const std::string said =
        "fibercheck: check '" + name + "' stopped by FIBERCHECK_TIME_BUDGET=0.2 after ";
    ASSERT_TRUE(has(c.output, said)) << c.output;
    const std::size_t at = c.output.find(said) + said.size();
    EXPECT_GT(std::stoull(c.output.substr(at)), 1u) << "each check has its own budget\n"
                                                    << c.output;
    EXPECT_TRUE(has(c.output.substr(at, c.output.find('\n', at) - at), " of 100000000 cases"))
        << c.output;
  }
  const std::string x = read_file(xml);
  EXPECT_TRUE(has(x,
                  "<property name=\"fibercheck_partial\" value=\"check &apos;Replay.Budget&apos; "
                  "stopped by FIBERCHECK_TIME_BUDGET=0.2 after "))
      << x;
  EXPECT_TRUE(has(x, "; check &apos;Replay.Budget#2&apos; stopped by")) << x;
}

}  // namespace
