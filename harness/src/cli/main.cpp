// The fibercheck tool's commands behind fibercheck::cli_main (cli_main.hpp);
// tool_main.cpp is the `fibercheck` executable.
#include <cstdio>
#include <string>

#include "fibercheck/harness/cli_main.hpp"
#include "cli/commands.hpp"
#include "report/failure.hpp"

namespace {

const char* kUsage =
    "usage: fibercheck <command> [options]\n"
    "  run      check the property suites over random trees of the bundled kinds\n"
    "           --cases N        cases a suite (default 500)\n"
    "           --seed S         base seed (default 1; the same seed repeats the run)\n"
    "           --strategy K     fifo | random | pct (default random) | dfs: explore every\n"
    "                            schedule and cancellation point of --cases small trees\n"
    "                            (--size default 3) within --preemptions P (default 2),\n"
    "                            --max-runs R a tree (default 20000), --no-reduction;\n"
    "                            --topology 'fc1 ...' explores that tree instead\n"
    "           --suite NAME     cancellation | completion | mutants | determinism |\n"
    "                            text-form | programs (default: all)\n"
    "           --plant KIND     plant this mutant in every tree of the cancellation suite\n"
    "                            (with --suite mutants: measure that mutant alone)\n"
    "           --size N         trees of up to N nodes (default 30)\n"
    "           --time-budget T  stop after T seconds and report the cases reached\n"
    "  replay   CASE | --file F: rerun one case line exactly, check its trace hash, print\n"
    "           the verdict and the leak report\n"
    "           --trace          print the event log\n"
    "           --dot F          write the fiber tree as Graphviz DOT to F\n"
    "           --svg F          render it as SVG to F (needs graphviz)\n"
    "  kinds    list every kind; mutants are marked\n"
    "  stress   correct trees on a pool of threads under Boost's multi-thread scheduler\n"
    "           (real races): closing done must end every fiber of every run\n"
    "           --runs N         runs (default 10000)\n"
    "           --threads T      threads in the pool, 2..64 (default 4)\n"
    "           --algo A         work-stealing | shared-work (default work-stealing)\n"
    "           --seed S         draws the trees and closers (default 1)\n"
    "           --timeout T      seconds a run may take to end (default 10)\n"
    "  stress-leaks  consecutive leaking cases in one process, printing resident memory\n"
    "           --cases N        cases (default 10000)\n"
    "           --unreclaimable K  also K cases that park their thread (default 0)\n"
    "  help     this text\n"
    "exit status: 0 all held (clean), 1 a failure (a leak), 2 bad input\n";

}  // namespace

int fibercheck::cli_main(int argc, char** argv) {
  using namespace fibercheck::cli;
  // Inside a user's binary, its case lines replay through that binary.
  if (argc > 0 && argv[0] != nullptr) {
    const std::string self = argv[0];
    if (self.substr(self.rfind('/') + 1) != "fibercheck") harness::set_replay_command(self + " replay");
  }
  try {
    Args a = parse_args(argc, argv,
                        {"cases", "seed", "strategy", "suite", "plant", "size", "time-budget", "file", "dot", "svg",
                         "runs", "threads", "algo", "timeout", "unreclaimable",
                         "preemptions", "max-runs", "topology"},
                        {"trace", "no-reduction"});
    if (a.command == "run") return cmd_run(a);
    if (a.command == "replay") return cmd_replay(a);
    if (a.command == "kinds") return cmd_kinds(a);
    if (a.command == "stress") return cmd_stress(a);
    if (a.command == "stress-leaks") return cmd_stress_leaks(a);
    if (a.command == "help" || a.command == "--help" || a.command == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    throw UsageError("unknown command '" + a.command.substr(0, 40) + "'");
  } catch (const UsageError& e) {
    std::fprintf(stderr, "fibercheck: %s\n", e.what());
    if (argc < 2 || std::string(e.what()).rfind("unknown command", 0) == 0 ||
        std::string(e.what()) == "missing command") {
      std::fputs(kUsage, stderr);
    } else {
      std::fputs("(`fibercheck help` lists the commands and options)\n", stderr);
    }
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fibercheck: internal error: %s\n", e.what());
    return 3;
  }
}
