// core_hop.cpp: nanoseconds per channel hop through fibercheck::Chan.
//
// A producer sends V values through a chain of kStages forwarding stages to a sink;
// a hop is one value crossing one channel, so a run makes V * (kStages + 1) hops.
// Plain send/recv without a done signal: the cost of the channel itself (the
// pipeline command measures the Go-style form that also watches done).
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "benches.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "measure.hpp"

namespace bench {

namespace {

constexpr std::uint64_t kStages = 4;

double ns_per_hop(std::size_t capacity, fibercheck::sched::StrategyKind kind,
                  std::uint64_t values) {
  double ns = 0;
  std::uint64_t sum = 0;
  fibercheck::RunOptions opt;
  opt.strategy.kind = kind;
  opt.strategy.seed = 1;
  opt.max_steps = kUnlimitedSteps;
  const fibercheck::Outcome out = fibercheck::run(
      [&](fibercheck::Done done) {
        std::vector<fibercheck::Chan<std::uint64_t>> ch;
        for (std::uint64_t i = 0; i <= kStages; ++i)
          ch.emplace_back(capacity, "hop-" + std::to_string(i));
        const Stamp t0 = stamp();
        {
          fibercheck::Scope scope(done, "chain");
          scope.spawn("producer", [&] {
            for (std::uint64_t v = 0; v < values; ++v) (void)ch[0].send(v);
            ch[0].close();
          });
          for (std::uint64_t i = 0; i < kStages; ++i) {
            scope.spawn("stage", [in = ch[i], out = ch[i + 1]] {
              while (auto v = in.recv()) (void)out.send(*v);
              out.close();
            });
          }
          scope.spawn("sink", [&] {
            while (auto v = ch[kStages].recv()) sum += *v;
          });
          scope.join();
        }
        ns = ns_since(t0) / static_cast<double>(values * (kStages + 1));
      },
      opt);
  require_clean(out, "core-hop");
  benchmark::DoNotOptimize(sum);
  if (sum != values * (values - 1) / 2) throw std::runtime_error("core-hop: values were lost");
  return ns;
}

}  // namespace

void core_hop(const Options& o) {
  using fibercheck::sched::StrategyKind;
  const std::uint64_t values = o.pick(o.values, 200000, 1000);
  for (std::size_t cap : {std::size_t{0}, std::size_t{16}}) {
    for (StrategyKind kind : {StrategyKind::fifo, StrategyKind::random}) {
      std::vector<double> samples;
      fibercheck::on_case_thread([&] {
        for (int r = 0; r < o.reps; ++r) samples.push_back(ns_per_hop(cap, kind, values));
      });
      Line("core-hop")
          .add("cap", std::uint64_t{cap})
          .add("strategy", fibercheck::sched::to_string(kind))
          .add("ns_per_hop", median(samples))
          .print();
    }
  }
}

}  // namespace bench
