// fibercheck_bench: the costs of fibercheck's runtime, one line a measurement, in a
// form that can be set beside the same figures from Go or plain Boost.Fiber.
#include <cstdio>
#include <exception>
#include <string>

#include "benches.hpp"
#include "measure.hpp"
#include "options.hpp"

namespace {

struct Command {
  const char* name;
  void (*fn)(const bench::Options&);
};

constexpr Command kCommands[] = {
    {"core-spawn", bench::core_spawn}, {"core-hop", bench::core_hop},
    {"core-step", bench::core_step},   {"tree", bench::tree_cancel},
    {"pipeline", bench::pipeline},     {"leak", bench::leak_verdict},
    {"cases", bench::property_cases},  {"shrink", bench::shrink_mutants},
    {"scaling", bench::scaling},
};

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      std::fputs(bench::usage().c_str(), stdout);
      return 0;
    }
  }
  bench::Options o;
  std::string error;
  if (!bench::parse_options(argc, argv, o, error)) {
    std::fprintf(stderr, "fibercheck_bench: %s\n%s", error.c_str(), bench::usage().c_str());
    return 2;
  }
  bench::use_clock(o.wall ? bench::ClockKind::wall : bench::ClockKind::thread_cpu);
  try {
    if (o.command == "all") {
      for (const Command& c : kCommands) c.fn(o);
      return 0;
    }
    for (const Command& c : kCommands) {
      if (o.command == c.name) {
        c.fn(o);
        return 0;
      }
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fibercheck_bench %s: %s\n", o.command.c_str(), e.what());
    return 1;
  }
  std::fprintf(stderr, "fibercheck_bench: unknown command '%s'\n%s", o.command.c_str(),
               bench::usage().c_str());
  return 2;
}
