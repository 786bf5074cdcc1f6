// fibercheck_bench: the costs of fibercheck's runtime, one line a measurement, in a
// form that can be set beside the same figures from Go or plain Boost.Fiber.
#include <cstdio>
#include <exception>

#include "cli/command_line.hpp"
#include "measure.hpp"
#include "options.hpp"

int main(int argc, char** argv) {
  CLI::App program{"", "fibercheck_bench"};
  bench::Request request;
  try {
    bench::declare_commands(program);
    if (!fibercheck::cli::parse(program, argc, argv)) return 0;  // --help
    request = bench::read_request(program);
  } catch (const fibercheck::cli::UsageError& e) {
    std::fprintf(stderr, "fibercheck_bench: %s\n%s\n", e.what(),
                 fibercheck::cli::usage_hint(program).c_str());
    return 2;
  }
  const bench::Options& o = request.options;
  bench::use_clock(o.wall ? bench::ClockKind::wall : bench::ClockKind::thread_cpu);
  try {
    for (bench::Bench b : request.benches) b(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fibercheck_bench %s: %s\n", o.command.c_str(), e.what());
    return 1;
  }
  return 0;
}
