// cli_main.hpp: the fibercheck tool (run, replay, kinds, stress, stress-leaks, help;
// --help on each, --version) as a function, so a test binary that registers its own
// kinds (kind.hpp register_kind) can list them, check random trees that mix them
// with the bundled ones, and replay a case line that names them:
//
//   int main(int argc, char** argv) {
//     register_my_kinds();
//     return fibercheck::cli_main(argc, argv);  // ./my_kinds kinds | run | replay '...'
//   }
//
// Replay lines it prints name this binary (argv[0]) instead of `fibercheck`.
#pragma once

#include "fibercheck/config.hpp"

namespace fibercheck {

// Runs the command in argv[1]; returns the exit status: 0 all held (clean),
// 1 a failure (a leak), 2 bad input, 3 an internal error.
int cli_main(int argc, char** argv);

}  // namespace fibercheck
