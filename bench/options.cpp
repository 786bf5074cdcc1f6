#include "options.hpp"

#include <cerrno>
#include <cstdlib>

namespace bench {

namespace {

bool parse_count(const std::string& flag, const char* text, std::uint64_t& out,
                 std::string& error) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v == 0 || text[0] == '-') {
    error = flag + " needs a positive integer, not '" + text + "'";
    return false;
  }
  out = v;
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, Options& out, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--smoke" || arg == "--wall") {
      (arg == "--smoke" ? out.smoke : out.wall) = true;
      continue;
    }
    if (arg == "--strategy") {
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      const std::string v = argv[++i];
      if (!fibercheck::sched::parse_strategy_kind(v, out.strategy) ||
          out.strategy == fibercheck::sched::StrategyKind::replay) {
        error = "--strategy needs fifo, random or pct, not '" + v + "'";
        return false;
      }
      continue;
    }
    std::optional<std::uint64_t>* size = nullptr;
    if (arg == "--n") size = &out.n;
    if (arg == "--values") size = &out.values;
    if (arg == "--depth") size = &out.depth;
    if (arg == "--stages") size = &out.stages;
    if (arg == "--size") size = &out.size;
    if (arg == "--cases") size = &out.cases;
    if (size != nullptr || arg == "--reps" || arg == "--seed") {
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      std::uint64_t v = 0;
      if (!parse_count(arg, argv[++i], v, error)) return false;
      if (size != nullptr) {
        *size = v;
      } else if (arg == "--seed") {
        out.seed = v;
      } else {
        out.reps = static_cast<int>(v > 1000 ? 1000 : v);
      }
      continue;
    }
    if (arg.starts_with("-")) {
      error = "unknown option '" + arg + "'";
      return false;
    }
    if (!out.command.empty()) {
      error = "one command at a time ('" + out.command + "', then '" + arg + "')";
      return false;
    }
    out.command = arg;
  }
  if (out.command.empty()) {
    error = "no command given";
    return false;
  }
  return true;
}

std::string usage() {
  return "usage: fibercheck_bench <command> [--reps R] [--smoke] [--n N] [--values V] "
         "[--depth D] [--stages S] [--size K] [--cases C] [--seed X] [--wall]\n"
         "       [--strategy fifo|random|pct]  (tree, scaling, pipeline, cases; default random)\n"
         "commands:\n"
         "  core-spawn  create+join per fiber, fibercheck beside Boost round_robin (--n, 100000)\n"
         "  core-hop    ns per channel hop, cap 0 and 16, fifo and random (--values, 200000)\n"
         "  core-step   ns per scheduling step: fifo, random, pct, Boost round_robin\n"
         "  tree        spawn and cancel a complete binary tree of 2^D-1 fibers (--depth, 17)\n"
         "  pipeline    1000 stages x 1000 values, unbuffered, done watched (--stages, --values)\n"
         "  leak        seconds from run start to the verdict on doWork(nil)\n"
         "  cases       random correct trees (--size, 30) generated, run, cancelled and checked\n"
         "              empty, as the cancellation property does (--cases a repetition, 2000)\n"
         "  shrink      each mutant planted in a random tree of --size nodes (200), caught and\n"
         "              shrunk to its minimal case\n"
         "  scaling     the tree for depth 10, 12, ..., 20 (--depth sets the largest)\n"
         "  all         every command above\n"
         "Each line is `name key=value ...`; figures are medians of --reps runs (default 5).\n"
         "--smoke makes every size tiny. Times are the measuring thread's CPU time (robust\n"
         "on a shared machine); --wall uses wall-clock time instead.\n";
}

}  // namespace bench
