// example_do_work_check: checks the doWork example (do_work.hpp) the way you check
// your own code, with fibercheck::check, and prints what it says; the README shows
// this output, and the docs test (tests/docs/) fails when it drifts.
//   example_do_work_check leaky|fixed
#include <cstdio>
#include <cstring>

#include "do_work.hpp"
#include "fibercheck/harness/check.hpp"

int main(int argc, char** argv) {
  const bool leaky = argc == 2 && std::strcmp(argv[1], "leaky") == 0;
  if (argc != 2 || (!leaky && std::strcmp(argv[1], "fixed") != 0)) {
    std::fprintf(stderr, "usage: %s leaky|fixed\n", argv[0]);
    return 2;
  }
  fibercheck::CheckOptions opt;
  opt.name = leaky ? "leaky_do_work" : "fixed_do_work";
  opt.print = false;  // printed below, on stdout
  const fibercheck::CheckResult r =
      fibercheck::check(leaky ? examples::leaky_do_work : examples::fixed_do_work, opt);
  if (r.ok) {
    std::printf("check '%s': %llu cases, every fiber ended\n", r.name.c_str(),
                static_cast<unsigned long long>(r.cases_run));
    return 0;
  }
  std::fputs(r.report.c_str(), stdout);
  return 1;
}
