// The fibercheck tool behind fibercheck::cli_main (cli_main.hpp): its command line,
// one CLI11 subcommand a command, each with its own options (commands.hpp);
// tool_main.cpp is the `fibercheck` executable.
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "cli/commands.hpp"
#include "fibercheck/harness/cli_main.hpp"
#include "report/failure.hpp"

#ifndef FIBERCHECK_VERSION
#error "FIBERCHECK_VERSION (the project's version) must be defined by the build"
#endif

namespace fibercheck::cli {

namespace {

constexpr const char* kExitStatus =
    "exit status:\n"
    "  0  all held: every property held, the case ran clean, every stress run ended\n"
    "  1  a failure: a property failed; the case leaks, fails, or its trace differs from the\n"
    "     line's; a stress run did not end or lost a value; a stress-leaks case did not leak\n"
    "     or could not be unwound\n"
    "  2  bad input: a missing or unknown command, an unknown option, an option that does not\n"
    "     apply to the command or to its mode, a bad value, a malformed case line, a file\n"
    "     that cannot be read or written\n"
    "  3  internal error: fibercheck itself failed\n"
    "  4  partial: run's --time-budget ran out before every case ran, and none failed\n"
    "     (a failure takes precedence: 1)";

using Runner = int (*)(const CLI::App&);
using Commands = std::vector<std::pair<const CLI::App*, Runner>>;

// The program's own help; App::help() would show the chosen command's instead.
std::string program_help(const CLI::App& tool) {
  return tool.get_formatter()->make_help(&tool, tool.get_name(), CLI::AppFormatMode::Normal);
}

const CLI::App* find_command(const CLI::App& tool, const std::string& name) {
  for (const CLI::App* c : tool.get_subcommands({}))
    if (c->get_name() == name) return c;
  return nullptr;
}

CLI::App* add_help(CLI::App& tool) {
  CLI::App* help = add_command(tool, "help", "print this help, or a command's: help COMMAND");
  help->add_option("COMMAND", "the command whose options to list")->type_name("");
  help->footer("exit status: 0 printed, 2 bad input (an unknown command)");
  return help;
}

int cmd_help(const CLI::App& help) {
  const CLI::App& tool = *help.get_parent();
  const std::vector<std::string>& named = help.get_option("COMMAND")->results();
  if (named.empty()) {
    std::fputs(program_help(tool).c_str(), stdout);
    return 0;
  }
  const CLI::App* command = find_command(tool, named.front());
  if (command == nullptr || command == &help)
    throw UsageError("help: unknown command '" + named.front().substr(0, 40) + "'");
  std::fputs(command->help(tool.get_name()).c_str(), stdout);
  return 0;
}

// Every command the tool has, declared on `tool`, with what runs it.
Commands add_commands(CLI::App& tool) {
  return {{add_run(tool), cmd_run},
          {add_replay(tool), cmd_replay},
          {add_kinds(tool), cmd_kinds},
          {add_stress(tool), cmd_stress},
          {add_stress_leaks(tool), cmd_stress_leaks},
          {add_help(tool), cmd_help}};
}

void declare_program(CLI::App& tool) {
  use_conventions(tool);
  tool.description(
      "fibercheck checks concurrent fiber code for leaks: property suites over random trees\n"
      "of fiber kinds, case lines that replay a failure exactly, stress runs on real threads.");
  tool.set_version_flag("--version", "fibercheck " FIBERCHECK_VERSION,
                        "print the version (fibercheck " FIBERCHECK_VERSION ") and exit");
  tool.require_subcommand(1);
  tool.footer("`" + tool.get_name() + " COMMAND --help` lists the options of a command.\n\n" +
              kExitStatus);
}

std::string program_name(int argc, char** argv) {
  if (argc < 1 || argv[0] == nullptr) return "fibercheck";
  const std::string self = argv[0];
  return self.substr(self.rfind('/') + 1);
}

int run_command(const Commands& commands, const CLI::App& chosen) {
  for (const auto& [app, run] : commands)
    if (app == &chosen) return run(chosen);
  throw std::logic_error("no runner for the command " + chosen.get_name());
}

// What follows a usage error: the program's help when no command was chosen,
// else where the command's options are listed.
void print_usage_hint(const CLI::App& tool) {
  const std::vector<CLI::App*> chosen = tool.get_subcommands();
  if (chosen.empty() || chosen.front()->get_name() == "help") {
    std::fputs(program_help(tool).c_str(), stderr);
    return;
  }
  std::fprintf(stderr, "%s\n", usage_hint(tool).c_str());
}

}  // namespace

}  // namespace fibercheck::cli

int fibercheck::cli_main(int argc, char** argv) {
  using namespace fibercheck::cli;
  const std::string name = program_name(argc, argv);
  // Inside a user's binary, its case lines replay through that binary.
  if (name != "fibercheck") harness::set_replay_command(std::string(argv[0]) + " replay");
  CLI::App tool{"", name};
  try {
    declare_program(tool);
    const Commands commands = add_commands(tool);
    if (!parse(tool, argc, argv)) return 0;  // --help or --version
    return run_command(commands, chosen_command(tool));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "fibercheck: %s\n", e.what());
    print_usage_hint(tool);
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fibercheck: internal error: %s\n", e.what());
    return 3;
  }
}
