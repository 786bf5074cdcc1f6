// core_spawn.cpp: create+join cost per fiber, fibercheck's Scope beside plain
// boost::fibers::fiber under Boost's own round_robin.
//
// Both sides create all N fibers first and then join them all, so both pay for N
// live stacks at once; the clock runs from the first create to the last join. Both
// use fibercheck's default 64 KiB fixedsize stack, so the difference is the runtime's
// own bookkeeping, not the stack size (Boost's default is 128 KiB).
#include <boost/fiber/algo/round_robin.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/fixedsize_stack.hpp>
#include <boost/fiber/operations.hpp>
#include <thread>
#include <vector>

#include "benches.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "measure.hpp"

namespace bench {

namespace {

double fibercheck_ns_per_fiber(std::uint64_t n) {
  double ns = 0;
  fibercheck::RunOptions opt;
  opt.strategy.kind = fibercheck::sched::StrategyKind::fifo;  // the peer of round_robin
  opt.max_steps = kUnlimitedSteps;
  const fibercheck::Outcome out = fibercheck::run(
      [&](fibercheck::Done done) {
        const Stamp t0 = stamp();
        {
          fibercheck::Scope scope(done, "spawner");
          for (std::uint64_t i = 0; i < n; ++i) scope.spawn("child", [] {});
          scope.join();
        }
        ns = ns_since(t0) / static_cast<double>(n);
      },
      opt);
  require_clean(out, "core-spawn");
  return ns;
}

double boost_ns_per_fiber(std::uint64_t n) {
  double ns = 0;
  // A fresh plain thread, so Boost's default scheduler is the one installed.
  std::thread t([&] {
    boost::fibers::use_scheduling_algorithm<boost::fibers::algo::round_robin>();
    std::vector<boost::fibers::fiber> fibers;
    fibers.reserve(n);
    const Stamp t0 = stamp();
    boost::fibers::fixedsize_stack stack(fibercheck::RunOptions{}.stack_size);
    for (std::uint64_t i = 0; i < n; ++i) fibers.emplace_back(std::allocator_arg, stack, [] {});
    for (auto& f : fibers) f.join();
    ns = ns_since(t0) / static_cast<double>(n);
  });
  t.join();
  return ns;
}

}  // namespace

void core_spawn(const Options& o) {
  const std::uint64_t n = o.pick(o.n, 100000, 1000);
  std::vector<double> ours;
  std::vector<double> theirs;
  for (int r = 0; r < o.reps; ++r) {
    fibercheck::on_case_thread([&] { ours.push_back(fibercheck_ns_per_fiber(n)); });
    theirs.push_back(boost_ns_per_fiber(n));
  }
  Line("core-spawn").add("n", n).add("ns_per_fiber", median(ours)).print();
  Line("core-spawn-boost").add("n", n).add("ns_per_fiber", median(theirs)).print();
}

}  // namespace bench
