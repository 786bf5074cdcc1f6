// command_line.hpp: what the fibercheck tool, fibercheck_bench and
// fibercheck_fuzz_replay share on top of CLI11: one help layout, options whose
// values are read after parsing (whole numbers through util/numbers.hpp), and
// every mistake turned into a UsageError that says what was wrong and what is
// expected. The drivers print it after their own name and exit 2.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace fibercheck::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The conventions of every driver's command line: one help layout ("usage:",
// lowercase help lines), and arguments that are not taken kept for
// check_arguments(). Call it before adding commands, which inherit it.
void use_conventions(CLI::App& app);

// Adds the command `name` to `program`, listed under "Commands" in its help.
CLI::App* add_command(CLI::App& program, const std::string& name, const std::string& help);

// Adds `--name VALUE` to `app`, kept as text until text() or whole() reads it; given
// twice, it is rejected. `type` names the value in the help (N, S, FILE, ...).
CLI::Option* add_value(CLI::App& app, const std::string& flag, const std::string& type,
                       const std::string& help);

// Adds the switch `--name` to `app`: given or not, it takes no value.
CLI::Option* add_switch(CLI::App& app, const std::string& flag, const std::string& help);

// Whether the command line gave `flag` to `app`.
[[nodiscard]] bool given(const CLI::App& app, const std::string& flag);
// The value given to `flag`, if any.
[[nodiscard]] std::optional<std::string> text(const CLI::App& app, const std::string& flag);
// The whole number given to `flag`, from `lo` to `hi`, or `fallback` when not given.
[[nodiscard]] std::uint64_t whole(const CLI::App& app, const std::string& flag,
                                  std::uint64_t fallback, std::uint64_t lo, std::uint64_t hi);

// The seconds given to `flag` ("30", "0.5": digits, optionally a '.' and more digits),
// or 0 when not given.
[[nodiscard]] double seconds(const CLI::App& app, const std::string& flag);

// Parses argv into `app`. Returns false when it printed the help or the version
// (the program exits 0), true when the program should go on; throws UsageError.
[[nodiscard]] bool parse(CLI::App& app, int argc, char** argv);

// Throws UsageError for the first argument `app` did not take: an unknown option,
// one that belongs to another command, or a stray argument.
void check_arguments(const CLI::App& app);

// Where to look after a mistake: "(`PROGRAM COMMAND --help` lists its options)" once a
// command is chosen, else "(`PROGRAM --help` lists the commands)" (or its options,
// for a program without commands).
[[nodiscard]] std::string usage_hint(const CLI::App& program);

// The command chosen on `program`'s command line, with its arguments checked; throws
// UsageError for a missing or unknown command and for arguments before the command.
[[nodiscard]] const CLI::App& chosen_command(const CLI::App& program);

}  // namespace fibercheck::cli
