// core_step.cpp: the cost of one scheduling step under each strategy, beside a
// yield under Boost's round_robin.
//
// K fibers each reach a scheduling point M times: fibercheck::detail::sched_point()
// (the hook every fibercheck primitive starts with, where the strategy may switch
// fibers) inside fibercheck::run, boost::this_fiber::yield() on a plain thread.
// The figure is wall time over K * M.
#include <boost/fiber/algo/round_robin.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>
#include <thread>
#include <vector>

#include "benches.hpp"
#include "fibercheck/detail/wait.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "measure.hpp"

namespace bench {

namespace {

constexpr std::uint64_t kFibers = 8;

double fibercheck_ns_per_step(fibercheck::sched::StrategyKind kind, std::uint64_t m) {
  double ns = 0;
  fibercheck::RunOptions opt;
  opt.strategy.kind = kind;
  opt.strategy.seed = 1;
  opt.max_steps = kUnlimitedSteps;
  const fibercheck::Outcome out = fibercheck::run(
      [&](fibercheck::Done done) {
        const Stamp t0 = stamp();
        {
          fibercheck::Scope scope(done, "steppers");
          for (std::uint64_t k = 0; k < kFibers; ++k) {
            scope.spawn("stepper", [m] {
              for (std::uint64_t i = 0; i < m; ++i) fibercheck::detail::sched_point();
            });
          }
          scope.join();
        }
        ns = ns_since(t0) / static_cast<double>(kFibers * m);
      },
      opt);
  require_clean(out, "core-step");
  return ns;
}

double boost_ns_per_step(std::uint64_t m) {
  double ns = 0;
  std::thread t([&] {
    boost::fibers::use_scheduling_algorithm<boost::fibers::algo::round_robin>();
    std::vector<boost::fibers::fiber> fibers;
    fibers.reserve(kFibers);
    const Stamp t0 = stamp();
    for (std::uint64_t k = 0; k < kFibers; ++k) {
      fibers.emplace_back([m] {
        for (std::uint64_t i = 0; i < m; ++i) boost::this_fiber::yield();
      });
    }
    for (auto& f : fibers) f.join();
    ns = ns_since(t0) / static_cast<double>(kFibers * m);
  });
  t.join();
  return ns;
}

}  // namespace

void core_step(const Options& o) {
  using fibercheck::sched::StrategyKind;
  const std::uint64_t m = o.pick(std::nullopt, 50000, 100);
  for (StrategyKind kind : {StrategyKind::fifo, StrategyKind::random, StrategyKind::pct}) {
    std::vector<double> samples;
    fibercheck::on_case_thread([&] {
      for (int r = 0; r < o.reps; ++r) samples.push_back(fibercheck_ns_per_step(kind, m));
    });
    Line("core-step")
        .add("strategy", fibercheck::sched::to_string(kind))
        .add("ns_per_step", median(samples))
        .print();
  }
  std::vector<double> samples;
  for (int r = 0; r < o.reps; ++r) samples.push_back(boost_ns_per_step(m));
  Line("core-step")
      .add("strategy", std::string("boost-round_robin"))
      .add("ns_per_step", median(samples))
      .print();
}

}  // namespace bench
