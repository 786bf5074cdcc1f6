// Runs the seed's doWork example twice, leaking and fixed, and prints what
// fibercheck reports for each.
#include <cstdio>

#include "do_work.hpp"

int main() {
  fibercheck::Outcome leak = fibercheck::run(examples::leaky_do_work);
  std::printf("doWork(nil):\n%s\n\n", leak.summary().c_str());
  fibercheck::Outcome fixed = fibercheck::run(examples::fixed_do_work);
  std::printf("doWork(done, nil):\n%s\n", fixed.summary().c_str());
  return leak.verdict == fibercheck::Verdict::quiescent && fixed.clean() ? 0 : 1;
}
