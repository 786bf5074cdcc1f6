// fibercheck::harness without GoogleTest: fibercheck::check explores schedules and
// cancellation points of the pool, reports the worker that ignores done by name, and
// passes the correct pool. Exits non-zero when either result is wrong.
#include <cstdio>
#include <fibercheck/fibercheck.hpp>
#include <fibercheck/harness/check.hpp>
#include <string>

#include "pool.hpp"

int main() {
  fibercheck::CheckOptions o;
  o.cases = 200;
  o.print = false;
  const fibercheck::CheckResult fixed =
      fibercheck::check([](fibercheck::Done d) { consumer::pool(d, false); }, o);
  if (!fixed.ok) {
    std::fprintf(stderr, "harness_check: the correct pool failed\n%s\n", fixed.report.c_str());
    return 1;
  }
  const fibercheck::CheckResult leaky =
      fibercheck::check([](fibercheck::Done d) { consumer::pool(d, true); }, o);
  if (leaky.ok || leaky.report.find("root/worker") == std::string::npos ||
      leaky.report.find("send on chan 'results'") == std::string::npos) {
    std::fprintf(stderr, "harness_check: the leaking worker was not reported by name\n%s\n",
                 leaky.report.c_str());
    return 1;
  }
  std::printf("harness_check: %llu cases clean; the leak reported as\n%s\n",
              static_cast<unsigned long long>(fixed.cases_run), leaky.report.c_str());
  return 0;
}
