#include "options.hpp"

#include <limits>

#include "benches.hpp"
#include "cli/command_line.hpp"

namespace bench {

namespace {

using fibercheck::cli::add_switch;
using fibercheck::cli::add_value;
using fibercheck::cli::given;
using fibercheck::cli::UsageError;
using fibercheck::cli::whole;

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// A size option: its value's name, range, and where it goes.
struct Size {
  const char* flag;
  const char* type;
  std::uint64_t lo, hi;
  std::optional<std::uint64_t> Options::*field;
};

constexpr Size kSizes[] = {
    {"--n", "N", 1, kMax, &Options::n},
    {"--values", "V", 1, kMax, &Options::values},
    // The tree has 2^D - 1 fibers.
    {"--depth", "D", 2, 24, &Options::depth},
    {"--stages", "S", 1, 1000000, &Options::stages},
    {"--size", "K", 1, 5000, &Options::size},
    {"--cases", "C", 1, kMax, &Options::cases},
};

// An option a command takes, with what it means for that command.
struct Taken {
  const char* flag;
  const char* help;
};

struct Command {
  const char* name;
  const char* help;
  Bench bench;  // nullptr: `all`, every bench in order
  std::vector<Taken> options;
};

constexpr const char* kExitStatus =
    "exit status: 0 every measurement printed, 1 a measurement failed, 2 bad input";

constexpr const char* kStrategyHelp = "fifo | random | pct: the schedule (default random)";

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"core-spawn",
       "create+join per fiber, fibercheck beside Boost round_robin",
       core_spawn,
       {{"--n", "fibers (default 100000)"}}},
      {"core-hop",
       "ns per channel hop, cap 0 and 16, fifo and random",
       core_hop,
       {{"--values", "values sent (default 200000)"}}},
      {"core-step", "ns per scheduling step: fifo, random, pct, Boost round_robin", core_step, {}},
      {"tree",
       "spawn and cancel a complete binary tree of 2^D-1 fibers",
       tree_cancel,
       {{"--depth", "levels: 2^D-1 fibers, 2..24 (default 17)"}, {"--strategy", kStrategyHelp}}},
      {"pipeline",
       "S stages x V values, unbuffered, done watched",
       pipeline,
       {{"--stages", "S (default 1000)"},
        {"--values", "V (default 1000)"},
        {"--strategy", kStrategyHelp}}},
      {"leak", "seconds from run start to the verdict on doWork(nil)", leak_verdict, {}},
      {"cases",
       "random correct trees generated, run, cancelled and checked empty, as the\n"
       "cancellation property does",
       property_cases,
       {{"--size", "nodes a tree, 1..5000 (default 30)"},
        {"--cases", "cases a repetition (default 2000)"},
        {"--seed", "the first case seed (default 1)"},
        {"--strategy", kStrategyHelp}}},
      {"shrink",
       "each mutant planted in a random tree, caught and shrunk to its minimal case",
       shrink_mutants,
       {{"--size", "nodes before planting, 1..5000 (default 200)"},
        {"--seed", "the tree seed (default 1)"}}},
      {"scaling",
       "the tree for depth 10, 12, ..., D: whether the cost per fiber stays flat",
       scaling,
       {{"--depth", "the largest depth D, 2..24 (default 20)"}, {"--strategy", kStrategyHelp}}},
      {"all",
       "every command above, in order",
       nullptr,
       {{"--n", "core-spawn's fibers"},
        {"--values", "core-hop's values (pipeline keeps its own under all)"},
        {"--depth", "tree's depth, and scaling's largest"},
        {"--stages", "pipeline's stages"},
        {"--size", "nodes a tree of cases and of shrink"},
        {"--cases", "cases a repetition of cases"},
        {"--seed", "the first seed of cases and shrink"},
        {"--strategy", "fifo | random | pct: the schedule of tree, pipeline, cases and scaling"}}},
  };
  return all;
}

const Size* size_option(const std::string& flag) {
  for (const Size& s : kSizes)
    if (flag == s.flag) return &s;
  return nullptr;
}

const char* value_name(const std::string& flag) {
  if (const Size* s = size_option(flag)) return s->type;
  return flag == "--seed" ? "X" : "K";  // K: --strategy's kind
}

void declare(CLI::App& program, const Command& c) {
  CLI::App* app = fibercheck::cli::add_command(program, c.name, c.help);
  add_value(*app, "--reps", "R", "repetitions, 1..1000; each line prints their median (default 5)");
  add_switch(*app, "--smoke", "tiny sizes: checks that everything runs, in milliseconds");
  add_switch(*app, "--wall", "wall-clock time instead of the measuring thread's CPU time");
  for (const Taken& t : c.options) add_value(*app, t.flag, value_name(t.flag), t.help);
  app->footer(kExitStatus);
}

fibercheck::sched::StrategyKind strategy_of(const CLI::App& command) {
  fibercheck::sched::StrategyKind kind = fibercheck::sched::StrategyKind::random;
  if (const auto name = fibercheck::cli::text(command, "--strategy")) {
    if (!fibercheck::sched::parse_strategy_kind(*name, kind) ||
        kind == fibercheck::sched::StrategyKind::replay)
      throw UsageError("option --strategy: '" + name->substr(0, 40) +
                       "' is not a strategy; expected fifo, random or pct");
  }
  return kind;
}

Options options_of(const CLI::App& command) {
  Options o;
  o.command = command.get_name();
  o.reps = static_cast<int>(whole(command, "--reps", 5, 1, 1000));
  o.smoke = given(command, "--smoke");
  o.wall = given(command, "--wall");
  for (const Size& s : kSizes)
    if (command.get_option_no_throw(s.flag) != nullptr && given(command, s.flag))
      o.*s.field = whole(command, s.flag, 0, s.lo, s.hi);
  if (command.get_option_no_throw("--seed") != nullptr)
    o.seed = whole(command, "--seed", 1, 0, kMax);
  if (command.get_option_no_throw("--strategy") != nullptr) o.strategy = strategy_of(command);
  return o;
}

}  // namespace

void declare_commands(CLI::App& program) {
  fibercheck::cli::use_conventions(program);
  program.description(
      "fibercheck_bench: the costs of fibercheck's runtime, one `name key=value ...` line a\n"
      "measurement, in a form that can be set beside the same figures from Go or plain\n"
      "Boost.Fiber. Figures are medians of --reps runs; times are the measuring thread's CPU\n"
      "time (robust on a shared machine), or wall-clock time with --wall.");
  program.require_subcommand(1);
  for (const Command& c : commands()) declare(program, c);
  program.footer("`fibercheck_bench COMMAND --help` lists the sizes a command takes.\n\n" +
                 std::string(kExitStatus));
}

Request read_request(const CLI::App& program) {
  const CLI::App& command = fibercheck::cli::chosen_command(program);
  Request r;
  r.options = options_of(command);
  for (const Command& c : commands()) {
    if (c.bench != nullptr && (c.name == r.options.command || r.options.command == "all"))
      r.benches.push_back(c.bench);
  }
  return r;
}

}  // namespace bench
