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
#include <cstdlib>
#include <optional>
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
// The likely cause of an unmatched replay line that the filter gives.
inline std::string replay_hint() {
  const std::string filter = GTEST_FLAG_GET(filter);
  if (filter.empty() || filter == "*") return {};
  const int selected = ::testing::UnitTest::GetInstance()->test_to_run_count();
  std::string s = "--gtest_filter=";
  s += filter;
  if (selected == 0) {
    s += " selected no test of this binary: the filter is the likely cause (the replay "
         "command as printed filters for the test that ran the check)";
  } else {
    s += " selected ";
    s += std::to_string(selected);
    s += " test(s), and none of them reached that check: if it is in another test, the "
         "filter is the likely cause (the replay command as printed filters for the test "
         "that ran the check)";
  }
  return s;
}

// After the tests: a replay line no check took fails the run, in its output and XML.
class ReplayEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    const std::optional<std::string> msg = ::fibercheck::detail::unmatched_replay_message();
    if (!msg) return;
    ::fibercheck::detail::settle_replay();
    GTEST_MESSAGE_AT_(nullptr, -1, msg->c_str(), ::testing::TestPartResult::kNonFatalFailure);
  }
};

// The current test's checks cut short by their time budget, as one property value.
inline std::string& partial_checks() {
  static std::string value;
  return value;
}

inline void observe_check(const CheckResult& r) {
  if (r.partial.empty()) return;
  if (::testing::UnitTest::GetInstance()->current_test_info() == nullptr) return;
  std::string& v = partial_checks();
  if (!v.empty()) v += "; ";
  v += r.partial.substr(r.partial.rfind("fibercheck: ", 0) == 0 ? 12 : 0);
  ::testing::Test::RecordProperty("fibercheck_partial", v);
}

class CheckHooksListener : public ::testing::EmptyTestEventListener {
 public:
  // Armed once tests are about to run (not for `./my_tests kinds` or
  // --gtest_list_tests): catches a replay line when no test runs at all, where the
  // environment's TearDown is never called.
  void OnTestProgramStart(const ::testing::UnitTest&) override {
    if (const char* line = std::getenv("FIBERCHECK_REPLAY"); line && *line)
      ::fibercheck::detail::arm_replay_exit_check();
  }
  void OnTestStart(const ::testing::TestInfo&) override { partial_checks().clear(); }
};

// Installs, once, what including this header brings to every check of the binary:
// checks named after the test that runs them (check.hpp CheckOptions::name); a
// FIBERCHECK_REPLAY line that no check took fails the run (a failure after the
// tests, or, when no test ran, the exit status) listing the checks reached and the
// --gtest_filter as a likely cause; a check cut short by its time budget recorded
// as the test's `fibercheck_partial` property (in --gtest_output=xml). Inline, so a
// binary that includes this header for FIBERCHECK_EXPECT_NO_LEAK alone needs no
// more than fibercheck::harness.
inline bool install_check_hooks() {
  static const bool installed = [] {
    ::fibercheck::detail::set_test_name_provider(&current_test);
    ::fibercheck::detail::set_check_observer(&observe_check);
    ::fibercheck::detail::set_replay_hint(&replay_hint);
    ::testing::AddGlobalTestEnvironment(new ReplayEnvironment);
    ::testing::UnitTest::GetInstance()->listeners().Append(new CheckHooksListener);
    return true;
  }();
  return installed;
}
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
