// args.hpp: strict command-line parsing for the fibercheck tool. Every rejection
// says what was wrong, where, and what was expected; the tool exits 2.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace fibercheck::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Args {
  std::string command;
  std::map<std::string, std::string> options;  // --name value
  std::vector<std::string> positional;
};

// Parses argv; `flags` lists the options that take a value (without "--").
[[nodiscard]] Args parse_args(int argc, char** argv, const std::vector<std::string>& with_value,
                              const std::vector<std::string>& switches);
// Reads a whole number in [lo, hi] from option `name`, or returns `fallback`.
[[nodiscard]] std::uint64_t number_option(const Args& a, const std::string& name,
                                          std::uint64_t fallback, std::uint64_t lo,
                                          std::uint64_t hi);

}  // namespace fibercheck::cli
