// pipeline.cpp: Go's pipeline pattern at scale: S stages x V values through
// unbuffered channels, every stage watching done on both its receive and its send
// (the form that cannot leak), under the random strategy (or --strategy).
//
// A hop is one value crossing one channel: V * (S + 1) hops, source to sink.
#include <benchmark/benchmark.h>

#include <stdexcept>
#include <vector>

#include "benches.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "measure.hpp"

namespace bench {

namespace {

using fibercheck::Chan;
using fibercheck::Done;
using fibercheck::Status;

double ns_per_hop(std::uint64_t stages, std::uint64_t values,
                  fibercheck::sched::StrategyKind strategy) {
  double ns = 0;
  std::uint64_t sum = 0;
  fibercheck::RunOptions opt;
  opt.strategy.kind = strategy;
  opt.strategy.seed = 1;
  opt.max_steps = kUnlimitedSteps;
  const fibercheck::Outcome out = fibercheck::run(
      [&](Done done) {
        std::vector<Chan<std::uint64_t>> ch(stages + 1, Chan<std::uint64_t>());
        for (auto& c : ch) c = Chan<std::uint64_t>(0, "pipe");
        const Stamp t0 = stamp();
        {
          fibercheck::Scope scope(done, "pipeline");
          scope.spawn("source", [&ch, values](Done d) {
            for (std::uint64_t v = 0; v < values; ++v)
              if (ch[0].send(d, v) != Status::ok) return;
            ch[0].close();
          });
          for (std::uint64_t i = 0; i < stages; ++i) {
            scope.spawn("stage", [in = ch[i], out = ch[i + 1]](Done d) {
              for (;;) {
                auto v = in.recv(d);
                if (!v) break;
                if (out.send(d, *v) != Status::ok) return;
              }
              out.close();
            });
          }
          scope.spawn("sink", [&](Done d) {
            while (auto v = ch[stages].recv(d)) sum += *v;
          });
          scope.join();
        }
        ns = ns_since(t0) / static_cast<double>(values * (stages + 1));
      },
      opt);
  require_clean(out, "pipeline");
  benchmark::DoNotOptimize(sum);
  if (sum != values * (values - 1) / 2) throw std::runtime_error("pipeline: values were lost");
  return ns;
}

}  // namespace

void pipeline(const Options& o) {
  const std::uint64_t stages = o.pick(o.stages, 1000, 10);
  const std::uint64_t values = o.pick(o.command == "pipeline" ? o.values : std::nullopt, 1000, 10);
  std::vector<double> samples;
  fibercheck::on_case_thread([&] {
    for (int r = 0; r < o.reps; ++r) samples.push_back(ns_per_hop(stages, values, o.strategy));
  });
  Line("pipeline")
      .add("stages", stages)
      .add("values", values)
      .add("ns_per_hop", median(samples))
      .print();
}

}  // namespace bench
