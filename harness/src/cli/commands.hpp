// commands.hpp: the fibercheck tool's subcommands. Each returns the exit status:
// 0 all held / clean, 1 a property failed / the case leaks, 2 bad input.
#pragma once

#include "cli/args.hpp"

namespace fibercheck::cli {

int cmd_run(const Args& a);
int cmd_run_dfs(const Args& a);  // run --strategy dfs
int cmd_replay(const Args& a);
int cmd_kinds(const Args& a);
int cmd_stress(const Args& a);
int cmd_stress_leaks(const Args& a);

}  // namespace fibercheck::cli
