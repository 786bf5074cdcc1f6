// options.hpp: the command line of fibercheck_bench, on CLI11 like the fibercheck
// tool: one command a measurement (and `all`), each taking only the sizes it uses.
//
//   fibercheck_bench <command> [--reps R] [--smoke] [--wall] [the command's sizes]
//
// Sizes left unset take each command's default, or a tiny size under --smoke.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fibercheck/sched/strategy.hpp"

namespace CLI {
class App;
}  // namespace CLI

namespace bench {

struct Options {
  std::string command;
  int reps = 5;                    // repetitions; each line prints their median
  bool smoke = false;              // tiny sizes: checks that everything runs, in milliseconds
  bool wall = false;               // wall time instead of the measuring thread's CPU time
  std::optional<std::uint64_t> n;  // core-spawn: fibers
  // core-hop: values sent; pipeline too, but only when it runs on its own (under
  // `all` a core-hop size would make the 1000-stage pipeline run for minutes).
  std::optional<std::uint64_t> values;
  std::optional<std::uint64_t> depth;   // tree: levels of the binary tree
  std::optional<std::uint64_t> stages;  // pipeline: stages
  std::optional<std::uint64_t> size;    // cases: nodes a tree (shrink: nodes before planting)
  std::optional<std::uint64_t> cases;   // cases: cases a repetition
  std::uint64_t seed = 1;               // cases, shrink: the first case seed (printed to stderr)
  // tree, scaling, pipeline, cases: the schedule (random, as a property run uses).
  fibercheck::sched::StrategyKind strategy = fibercheck::sched::StrategyKind::random;

  // The flag's value if given, else the smoke size under --smoke, else the default.
  [[nodiscard]] std::uint64_t pick(const std::optional<std::uint64_t>& flag, std::uint64_t normal,
                                   std::uint64_t tiny) const {
    return flag ? *flag : (smoke ? tiny : normal);
  }
};

using Bench = void (*)(const Options&);

// What a command line asks for: the options, and the measurements to run in order.
struct Request {
  Options options;
  std::vector<Bench> benches;
};

// Declares every command and its options on `program`.
void declare_commands(CLI::App& program);

// The request of the command chosen on `program`'s parsed command line; a mistake
// throws fibercheck::cli::UsageError.
[[nodiscard]] Request read_request(const CLI::App& program);

}  // namespace bench
