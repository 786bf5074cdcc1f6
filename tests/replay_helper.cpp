// A test binary for replay_exit_test: checks in GoogleTest tests, so that the test
// can run it as a child with FIBERCHECK_REPLAY, --gtest_filter, FIBERCHECK_TIME_BUDGET
// and --gtest_output=xml, and read its exit status, output and XML. Not run by ctest
// directly: some of its tests fail on purpose.
#include <cstdlib>

#include "fibercheck/harness/gtest.hpp"
#include "replay_helper_roots.hpp"

namespace {

using replay_helper::clean_pool;
using replay_helper::leaky_pool;

fibercheck::CheckOptions few() {
  fibercheck::CheckOptions o;
  o.cases = 20;
  return o;
}

TEST(Replay, LeakyPool) { FIBERCHECK_EXPECT_NO_LEAK(leaky_pool); }

// Two checks: 'Replay.TwoChecks' passes, 'Replay.TwoChecks#2' leaks.
TEST(Replay, TwoChecks) {
  FIBERCHECK_EXPECT_NO_LEAK(clean_pool, few());
  FIBERCHECK_EXPECT_NO_LEAK(leaky_pool);
}

// The same test before and after an edit that adds lines above its check: with
// REPLAY_HELPER_EDITED set, the check runs from the second branch, further down.
TEST(Replay, EditedTest) {
  if (std::getenv("REPLAY_HELPER_EDITED") == nullptr) {
    FIBERCHECK_EXPECT_NO_LEAK(leaky_pool);
  } else {
    const int lines_added_above_the_check = 2;
    EXPECT_EQ(lines_added_above_the_check, 2);
    FIBERCHECK_EXPECT_NO_LEAK(leaky_pool);
  }
}

TEST(Replay, NoCheck) { SUCCEED(); }

// Two checks far too big for FIBERCHECK_TIME_BUDGET: each is cut short on its own
// budget, and says so.
TEST(Replay, Budget) {
  if (std::getenv("FIBERCHECK_TIME_BUDGET") == nullptr)
    GTEST_SKIP() << "run with FIBERCHECK_TIME_BUDGET set";
  fibercheck::CheckOptions o;
  o.cases = 100000000;
  FIBERCHECK_EXPECT_NO_LEAK(clean_pool, o);
  FIBERCHECK_EXPECT_NO_LEAK(clean_pool, o);
}

}  // namespace
