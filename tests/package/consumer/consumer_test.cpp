// Written against the installed headers only: a worker pool checked with
// fibercheck::check, once correct and once with a worker that ignores done.
#include <fibercheck/fibercheck.hpp>
#include <fibercheck/harness/check.hpp>
#include <fibercheck/harness/gtest.hpp>
#include <gtest/gtest.h>

#include <string>

namespace {

// Workers take jobs from a channel and send results; the feeder stops on done.
void pool(fibercheck::Done done, bool forget_done_on_send) {
  fibercheck::Chan<int> jobs(0, "jobs");
  fibercheck::Chan<int> results(0, "results");
  fibercheck::Scope scope(done, "pool");
  scope.spawn("feeder", [jobs](fibercheck::Done d) {
    for (int i = 0; i < 3; ++i)
      if (jobs.send(d, i) != fibercheck::Status::ok) break;
    jobs.close();
  });
  for (int w = 0; w < 2; ++w)
    scope.spawn("worker", [jobs, results, forget_done_on_send](fibercheck::Done d) {
      while (auto j = jobs.recv(d)) {
        if (forget_done_on_send) {
          results.send(fibercheck::Done(), *j * 2);  // blocks for good once nobody reads
        } else if (results.send(d, *j * 2) != fibercheck::Status::ok) {
          return;
        }
      }
    });
  scope.spawn("collector", [results](fibercheck::Done d) {
    for (int n = 0; n < 3; ++n)
      if (!results.recv(d)) return;
  });
  scope.join();
}

TEST(InstalledPackage, ACorrectPoolPasses) {
  FIBERCHECK_EXPECT_NO_LEAK([](fibercheck::Done d) { pool(d, false); });
}

TEST(InstalledPackage, AWorkerIgnoringDoneIsReportedByName) {
  fibercheck::CheckOptions o;
  o.cases = 200;
  const fibercheck::CheckResult r = fibercheck::check([](fibercheck::Done d) { pool(d, true); }, o);
  ASSERT_FALSE(r.ok);
  EXPECT_NE(r.report.find("root/worker"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("send on chan 'results'"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("FIBERCHECK_REPLAY="), std::string::npos) << r.report;
}

}  // namespace
