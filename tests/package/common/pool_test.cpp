// fibercheck::harness and fibercheck::gtest_main (GoogleTest with fibercheck's leak
// listener): the pool checked with FIBERCHECK_EXPECT_NO_LEAK and fibercheck::check.
#include "pool.hpp"

#include <gtest/gtest.h>

#include <fibercheck/fibercheck.hpp>
#include <fibercheck/harness/check.hpp>
#include <fibercheck/harness/gtest.hpp>
#include <string>

namespace {

TEST(Consumer, ACorrectPoolPasses) {
  FIBERCHECK_EXPECT_NO_LEAK([](fibercheck::Done d) { consumer::pool(d, false); });
}

TEST(Consumer, AWorkerIgnoringDoneIsReportedByName) {
  fibercheck::CheckOptions o;
  o.cases = 200;
  const fibercheck::CheckResult r =
      fibercheck::check([](fibercheck::Done d) { consumer::pool(d, true); }, o);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.report.find("root/worker"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("send on chan 'results'"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("FIBERCHECK_REPLAY="), std::string::npos) << r.report;
}

}  // namespace
