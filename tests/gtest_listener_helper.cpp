// A test binary for gtest_listener_test: some tests leave fibers behind (the leak
// listener must fail exactly those), some leave fibers the options ignore, some
// are clean. Not run by ctest directly: its failures are the expected output.
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/operations.hpp>

#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/gtest.hpp"

namespace {

using fibercheck::Chan;
using fibercheck::Done;

// A reader of a channel nobody writes to or closes, with no done to watch.
void stuck_reader(const std::string& name) {
  Chan<int> never(0, "never");
  fibercheck::go(name, [never] { (void)never.recv(); });
}

constexpr unsigned kIgnoredSiteLine = __LINE__ + 3;
void spawn_at_ignored_site() {
  Chan<int> never(0, "never");
  fibercheck::go("site-ignored", [never] { (void)never.recv(); });
}

TEST(Helper, LeavesABlockedFiber) { stuck_reader("stuck-reader"); }

TEST(Helper, Clean) {
  fibercheck::Scope scope(Done{});
  scope.spawn("short-lived", [] { boost::this_fiber::yield(); });
  scope.join();
}

TEST(Helper, LeavesAPlainBoostFiber) {
  static boost::fibers::mutex m;
  static boost::fibers::condition_variable cv;
  boost::fibers::fiber([] {
    std::unique_lock<boost::fibers::mutex> lk(m);
    cv.wait(lk);
  }).detach();
}

TEST(Helper, LeavesOnlyIgnoredFibers) {
  stuck_reader("metrics-flusher");
  fibercheck::go("background", [] { stuck_reader("worker"); });
  spawn_at_ignored_site();
}

// A fiber that is still finishing when the test body returns is not a leak.
TEST(Helper, AFiberThatFinishesSoonIsNotALeak) {
  fibercheck::go("finishing", [] {
    for (int i = 0; i < 5; ++i) boost::this_fiber::yield();
  });
  EXPECT_TRUE(fibercheck::gtest::no_live_fibers());
}

TEST(Helper, CheckAssertionReportsTheLeak) {
  FIBERCHECK_EXPECT_NO_LEAK([](Done done) {
    fibercheck::Scope scope(done);
    Chan<int> results(0, "results");
    scope.spawn("producer", [results] { (void)results.send(1); });  // never read, no done
  });
}

}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  namespace fg = fibercheck::gtest;
  return fg::verify_test_main(
      {.ignore = {
           fg::ignore_name("metrics-flusher"), fg::ignore_path_prefix("background/"),
           fg::ignore_site("gtest_listener_helper.cpp:" + std::to_string(kIgnoredSiteLine))}});
}
