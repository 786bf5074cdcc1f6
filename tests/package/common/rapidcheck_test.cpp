// fibercheck::gtest with GoogleTest's own main, and <fibercheck/harness/rapidcheck.hpp>:
// an RC_ASSERT failing inside a fiber is reported as a RapidCheck assertion with its
// expression, which the runtime alone (it knows nothing of RapidCheck) could not say.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <fibercheck/fibercheck.hpp>
#include <fibercheck/harness/gtest.hpp>
#include <fibercheck/harness/rapidcheck.hpp>
#include <string>

#include "pool.hpp"

namespace {

TEST(ConsumerRapidCheck, AnRcAssertInAFiberIsReportedWithItsExpression) {
  const fibercheck::Outcome out = fibercheck::run([](fibercheck::Done done) {
    fibercheck::Scope s(done);
    s.spawn("checker", [] {
      const int balance = 3;
      RC_ASSERT(balance == 4);
    });
    s.join();
  });
  EXPECT_EQ(out.verdict, fibercheck::Verdict::exception) << out.summary();
  EXPECT_NE(out.error.find("fiber 'root/checker' threw: RapidCheck assertion"), std::string::npos)
      << out.error;
  EXPECT_NE(out.error.find("balance == 4"), std::string::npos) << out.error;
}

TEST(ConsumerRapidCheck, TheCorrectPoolPassesWithFibercheckGtestAlone) {
  FIBERCHECK_EXPECT_NO_LEAK([](fibercheck::Done d) { consumer::pool(d, false); });
}

}  // namespace
