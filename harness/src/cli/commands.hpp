// commands.hpp: the fibercheck tool's commands. add_<command> declares a command
// and its options on the tool; cmd_<command> runs it once the command line is
// parsed and returns the exit status: 0 all held / clean, 1 a property failed /
// the case leaks, kExitPartial a run cut short by its time budget with no failure;
// bad input throws UsageError (exit 2).
#pragma once

#include "cli/command_line.hpp"

namespace fibercheck::cli {

// `run` did fewer cases than asked (its --time-budget ran out) and none failed. After
// 0 all held, 1 a failure, 2 bad input, 3 internal error.
inline constexpr int kExitPartial = 4;

CLI::App* add_run(CLI::App& tool);
int cmd_run(const CLI::App& run);
int cmd_run_dfs(const CLI::App& run);  // run --strategy dfs
// run's --plant, checked to name a mutant kind; "" when not given.
[[nodiscard]] std::string mutant_to_plant(const CLI::App& run);
CLI::App* add_replay(CLI::App& tool);
int cmd_replay(const CLI::App& replay);
CLI::App* add_kinds(CLI::App& tool);
int cmd_kinds(const CLI::App& kinds);
CLI::App* add_stress(CLI::App& tool);
int cmd_stress(const CLI::App& stress);
CLI::App* add_stress_leaks(CLI::App& tool);
int cmd_stress_leaks(const CLI::App& stress_leaks);

}  // namespace fibercheck::cli
