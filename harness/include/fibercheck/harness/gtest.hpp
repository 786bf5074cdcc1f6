// gtest.hpp: fibercheck in a GoogleTest suite (library fibercheck::gtest).
//
// Checks (check.hpp) as assertions:
//   FIBERCHECK_EXPECT_NO_LEAK([](fibercheck::Done d) { crawl(d); });
//   EXPECT_TRUE(fibercheck::gtest::passed(fibercheck::check(root, opts)));
//
// Fibers a test leaves behind on its own thread (goleak's VerifyNone and
// VerifyTestMain): the census of the calling thread, after fibers that are still
// ready or sleeping got `settle` time to finish. At the end of a test:
//   EXPECT_TRUE(fibercheck::gtest::no_live_fibers());
// For every test of a binary, link fibercheck::gtest_main instead of
// GTest::gtest_main (it also answers `./my_tests kinds|run|replay ...` through
// cli_main, with the kinds the binary registers), or end your own main with
//   ::testing::InitGoogleTest(&argc, argv);
//   return fibercheck::gtest::verify_test_main({.ignore =
//   {fibercheck::gtest::ignore_name("metrics")}});
// Every test that leaves a fiber fails, at the test's own file and line, with the
// census of what it left (each fiber is reported once, by the test that started it). A fiber left
// at exit would hang the process (Boost.Fiber's scheduler waits for a blocked fiber forever when
// its thread exits), so verify_test_main ends it with _Exit after the results (and
// --gtest_output files) are written.
//
// Only the calling thread's fibers are seen: fibers fibercheck starts (Scope, go)
// and, because the listener installs fibercheck's scheduler first, plain
// boost::fibers::fiber too. Runs of fibercheck::run and check() reclaim their own.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "fibercheck/census.hpp"
#include "fibercheck/config.hpp"
#include "fibercheck/harness/check.hpp"

namespace fibercheck::gtest {

// A fiber meant to outlive a test.
struct Ignore {
  enum class By { name, path_prefix, site };
  By by = By::name;
  std::string text;
  [[nodiscard]] bool matches(const FiberInfo& f) const;
};

// The fiber's name, exactly ("metrics-flusher").
[[nodiscard]] Ignore ignore_name(std::string name);
// Its census path begins with `prefix` ("root/background").
[[nodiscard]] Ignore ignore_path_prefix(std::string prefix);
// Its spawn site: "file.cpp:42" or "file.cpp", matched against the end of the
// site's file path, so "server.cpp" matches "src/net/server.cpp".
[[nodiscard]] Ignore ignore_site(std::string site);

struct VerifyOptions {
  std::vector<Ignore> ignore;
  // How long fibers still ready or sleeping may take to finish before they count.
  std::chrono::milliseconds settle{200};
  // With the leak listener installed, fibers already live when the current test
  // started are not this test's (the listener blamed them on the test that left them).
  bool only_this_test = true;
};

// The live fibers of the calling thread that no Ignore matches, after settling.
[[nodiscard]] std::vector<FiberInfo> find_live(const VerifyOptions& opt = {});
// Success, or a failure whose message lists every live fiber (path, state, what
// it waits on, spawn site).
[[nodiscard]] ::testing::AssertionResult no_live_fibers(const VerifyOptions& opt = {});
// A check's result as an assertion: the message is the report and replay line.
[[nodiscard]] ::testing::AssertionResult passed(const CheckResult& r);

// Fails every test that leaves live fibers on the thread that runs the tests.
class LeakListener : public ::testing::EmptyTestEventListener {
 public:
  explicit LeakListener(VerifyOptions opt) : opt_(std::move(opt)) {}
  void OnTestProgramStart(const ::testing::UnitTest&) override;
  void OnTestStart(const ::testing::TestInfo& info) override;
  void OnTestEnd(const ::testing::TestInfo& info) override;

 private:
  VerifyOptions opt_;
};

// Installs fibercheck's scheduler on this thread and appends a LeakListener.
// Call after InitGoogleTest and before any fiber exists on this thread.
void install_leak_listener(VerifyOptions opt = {});
// install_leak_listener, RUN_ALL_TESTS, and an exit that cannot hang on leaked
// fibers. Returns RUN_ALL_TESTS's status when no fiber is left.
int verify_test_main(VerifyOptions opt = {});

namespace detail {
inline std::string current_test() {
  const ::testing::TestInfo* t = ::testing::UnitTest::GetInstance()->current_test_info();
  return t ? std::string(t->test_suite_name()) + "." + t->name() : std::string();
}
// Installs, once, what including this header brings to every check of the binary:
// checks named after the test that runs them (check.hpp CheckOptions::name); a
// FIBERCHECK_REPLAY line that no check took fails the run (a failure after the
// tests, or, when no test ran, the exit status) listing the checks reached and the
// --gtest_filter as a likely cause; a check cut short by its time budget recorded
// as the test's `fibercheck_partial` property (in --gtest_output=xml).
bool install_check_hooks();
inline const bool kCheckHooks = install_check_hooks();
}  // namespace detail

}  // namespace fibercheck::gtest

// One line in a TEST: check `root` (and options) and fail with the report.
#define FIBERCHECK_EXPECT_NO_LEAK(...) \
  EXPECT_TRUE(::fibercheck::gtest::passed(::fibercheck::check(__VA_ARGS__)))
#define FIBERCHECK_ASSERT_NO_LEAK(...) \
  ASSERT_TRUE(::fibercheck::gtest::passed(::fibercheck::check(__VA_ARGS__)))
// At the end of a test: no fiber of this thread is left (options: VerifyOptions).
#define FIBERCHECK_EXPECT_NO_LIVE_FIBERS(...) \
  EXPECT_TRUE(::fibercheck::gtest::no_live_fibers(__VA_ARGS__))
