// example_user_check: runs fibercheck::check on one example of examples/user_check/
// and prints what it found (the README shows this output).
//   example_user_check crawler|pipeline|replicated [--buggy]
// Replay a printed case with FIBERCHECK_REPLAY='...' example_user_check ... --buggy
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "fibercheck/harness/check.hpp"
#include "user_check/crawler.hpp"
#include "user_check/pipeline.hpp"
#include "user_check/replicated.hpp"

int main(int argc, char** argv) {
  using namespace examples::user_check;
  if (argc < 2 || argc > 3 || (argc == 3 && std::strcmp(argv[2], "--buggy") != 0)) {
    std::fprintf(stderr, "usage: %s crawler|pipeline|replicated [--buggy]\n", argv[0]);
    return 2;
  }
  const std::string which = argv[1];
  const bool buggy = argc == 3;
  std::function<void(fibercheck::Done)> root;
  if (which == "crawler") {
    root = [buggy](fibercheck::Done d) {
      (void)crawl(d,
                  {"https://a.example/", "https://b.example/x", "https://c.example/yy",
                   "https://d.example/"},
                  3, buggy);
    };
  } else if (which == "pipeline") {
    root = [buggy](fibercheck::Done d) { (void)first_squares(d, 3, 10, buggy); };
  } else if (which == "replicated") {
    root = [buggy](fibercheck::Done d) { (void)first_answer(d, 3, buggy); };
  } else {
    std::fprintf(stderr, "%s: no example named '%s'; expected crawler, pipeline or replicated\n",
                 argv[0], which.c_str());
    return 2;
  }
  fibercheck::CheckOptions opt;
  opt.name = which + (buggy ? "-buggy" : "");
  const fibercheck::CheckResult r = fibercheck::check(root, opt);
  if (r.ok && !r.replayed && !r.skipped)
    std::printf("check '%s': %llu cases (seed %llu), every fiber ended\n", r.name.c_str(),
                static_cast<unsigned long long>(r.cases_run),
                static_cast<unsigned long long>(r.seed));
  return r.ok ? 0 : 1;
}
