// The leak listener (fibercheck/harness/gtest.hpp) in a real test binary: runs
// gtest_listener_helper as a child, with JUnit XML output, and reads what it did.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

namespace {

struct Child {
  int status = -1;
  std::string output;
};

// Runs the helper with `args` under a timeout (a hang at exit is a failure too).
Child run_helper(const std::string& args) {
  const std::string cmd =
      std::string("timeout 120 ") + FIBERCHECK_LISTENER_HELPER + " " + args + " 2>&1";
  Child c;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return c;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), buf.size(), p)) c.output += buf.data();
  const int st = pclose(p);
  c.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return c;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The <testcase name="..."> element of `xml`, up to its end.
std::string testcase(const std::string& xml, const std::string& name) {
  const std::size_t at = xml.find("<testcase name=\"" + name + "\"");
  if (at == std::string::npos) return "";
  const std::size_t self_close = xml.find("/>", at);
  const std::size_t open_end = xml.find('>', at);
  if (self_close != std::string::npos && self_close + 1 == open_end)
    return xml.substr(at, open_end - at + 1);
  return xml.substr(at, xml.find("</testcase>", at) - at);
}

class Listener : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    xml_path = ::testing::TempDir() + "fibercheck_listener_" + std::to_string(::getpid()) + ".xml";
    std::remove(xml_path.c_str());
    child = run_helper("--gtest_output=xml:" + xml_path);
    xml = read_file(xml_path);
  }
  static inline std::string xml_path, xml;
  static inline Child child;
};

TEST_F(Listener, TheBinaryFailsAndExitsInsteadOfHangingOnLeakedFibers) {
  EXPECT_EQ(child.status, 1) << child.output;
  EXPECT_NE(child.output.find("still live at exit"), std::string::npos) << child.output;
}

TEST_F(Listener, ATestThatLeavesAFiberFailsNamingIt) {
  EXPECT_NE(child.output.find("[  FAILED  ] Helper.LeavesABlockedFiber"), std::string::npos)
      << child.output;
  EXPECT_NE(child.output.find("left fibers running"), std::string::npos) << child.output;
  EXPECT_NE(child.output.find(
                "stuck-reader blocked at tests/gtest_listener_helper.cpp:20: recv on chan 'never'"),
            std::string::npos)
      << child.output;
}

TEST_F(Listener, APlainBoostFiberLeftBehindIsSeenToo) {
  EXPECT_NE(child.output.find("[  FAILED  ] Helper.LeavesAPlainBoostFiber"), std::string::npos)
      << child.output;
}

TEST_F(Listener, IgnoredFibersAndCleanTestsPass) {
  EXPECT_NE(child.output.find("[       OK ] Helper.Clean"), std::string::npos) << child.output;
  EXPECT_NE(child.output.find("[       OK ] Helper.LeavesOnlyIgnoredFibers"), std::string::npos)
      << child.output;
  EXPECT_NE(child.output.find("[       OK ] Helper.AFiberThatFinishesSoonIsNotALeak"),
            std::string::npos)
      << child.output;
  EXPECT_EQ(child.output.find("metrics-flusher blocked"), std::string::npos) << child.output;
  EXPECT_EQ(child.output.find("background/worker blocked"), std::string::npos) << child.output;
  EXPECT_EQ(child.output.find("site-ignored blocked"), std::string::npos) << child.output;
}

TEST_F(Listener, ACheckAssertionCarriesTheReportAndTheReplayLine) {
  EXPECT_NE(child.output.find("[  FAILED  ] Helper.CheckAssertionReportsTheLeak"),
            std::string::npos)
      << child.output;
  EXPECT_NE(child.output.find("root/producer"), std::string::npos) << child.output;
  EXPECT_NE(child.output.find("FIBERCHECK_REPLAY='fibercheck-case v1 "), std::string::npos)
      << child.output;
  EXPECT_NE(child.output.find("--gtest_filter=Helper.CheckAssertionReportsTheLeak"),
            std::string::npos)
      << child.output;
}

TEST_F(Listener, JUnitXmlRecordsEachVerdict) {
  ASSERT_FALSE(xml.empty()) << "no XML at " << xml_path << "\n" << child.output;
  EXPECT_NE(testcase(xml, "LeavesABlockedFiber").find("<failure"), std::string::npos) << xml;
  EXPECT_NE(testcase(xml, "LeavesABlockedFiber").find("stuck-reader"), std::string::npos) << xml;
  EXPECT_NE(testcase(xml, "CheckAssertionReportsTheLeak").find("<failure"), std::string::npos)
      << xml;
  const std::string clean = testcase(xml, "Clean");
  ASSERT_FALSE(clean.empty()) << xml;
  EXPECT_EQ(clean.find("<failure"), std::string::npos) << clean;
  EXPECT_NE(xml.find("failures=\"3\""), std::string::npos) << xml;
}

// The <testcase> element's attribute `attr` ("file", "line").
std::string attribute(const std::string& element, const std::string& attr) {
  const std::string key = " " + attr + "=\"";
  const std::size_t at = element.find(key);
  if (at == std::string::npos) return "";
  const std::size_t start = at + key.size();
  return element.substr(start, element.find('"', start) - start);
}

// The listener's failure is the test's: at the TEST's file and line (as GoogleTest
// records them for the test case), not at a line inside fibercheck.
TEST_F(Listener, ALeftFiberFailureIsReportedAtTheTestsOwnLine) {
  const std::string tc = testcase(xml, "LeavesABlockedFiber");
  const std::string file = attribute(tc, "file"), line = attribute(tc, "line");
  ASSERT_NE(file.find("gtest_listener_helper.cpp"), std::string::npos) << tc;
  ASSERT_FALSE(line.empty()) << tc;
  const std::string at = file + ":" + line;
  EXPECT_NE(tc.find("<failure message=\"" + at + "&#x0A;"), std::string::npos) << tc;
  EXPECT_NE(
      child.output.find(at + ": Failure\nFailed\nfibercheck: test Helper.LeavesABlockedFiber"),
      std::string::npos)
      << child.output;
  EXPECT_EQ(child.output.find("gtest.cpp:"), std::string::npos) << child.output;
}

// The replay line the check printed, run in the helper: that one check, that one case.
TEST_F(Listener, TheCheckReplayLineReplaysInTheHelper) {
  const std::size_t at = child.output.find("FIBERCHECK_REPLAY='");
  ASSERT_NE(at, std::string::npos) << child.output;
  const std::size_t start = at + 19;
  const std::string line = child.output.substr(start, child.output.find('\'', start) - start);
  setenv("FIBERCHECK_REPLAY", line.c_str(), 1);
  const Child r = run_helper("--gtest_filter=Helper.CheckAssertionReportsTheLeak");
  unsetenv("FIBERCHECK_REPLAY");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("fibercheck: replay of check 'Helper.CheckAssertionReportsTheLeak' (at "
                          "tests/gtest_listener_helper.cpp:"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("trace:\n"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("trace mismatch"), std::string::npos) << r.output;
}

}  // namespace
