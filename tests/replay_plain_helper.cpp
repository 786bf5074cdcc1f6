// A program without GoogleTest for replay_exit_test: two checks in one function,
// the second of a leaky pool when the argument is `leaky`. Its exit status is 0 when
// both pass; FIBERCHECK_REPLAY set to a line that neither takes must make it 1.
//   fibercheck_replay_plain_helper clean|leaky
#include <cstdio>
#include <cstring>

#include "fibercheck/harness/check.hpp"
#include "replay_helper_roots.hpp"

namespace {

int run_checks(bool leaky) {
  fibercheck::CheckOptions o;
  o.cases = 20;
  const fibercheck::CheckResult first = fibercheck::check(replay_helper::clean_pool, o);
  const fibercheck::CheckResult second =
      fibercheck::check(leaky ? replay_helper::leaky_pool : replay_helper::clean_pool);
  return first.ok && second.ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "clean") != 0 && std::strcmp(argv[1], "leaky") != 0)) {
    std::fprintf(stderr, "usage: %s clean|leaky\n", argv[0]);
    return 2;
  }
  return run_checks(std::strcmp(argv[1], "leaky") == 0);
}
