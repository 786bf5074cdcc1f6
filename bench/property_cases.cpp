// property_cases.cpp: property-test throughput: random correct trees of about
// --size fibers, each generated, run under the random strategy with the root's
// done closed at a random step, and checked to end with no fiber left, as the
// cancellation property does (harness/src/explore/suites.cpp).
//
// The clock covers the whole case: drawing the topology, running it, unwinding
// and checking the census. The first case seed is --seed (printed to stderr);
// case i uses seed + i, so a figure can be reproduced case by case.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "benches.hpp"
#include "explore/runner.hpp"
#include "generate/generate.hpp"
#include "measure.hpp"
#include "model/text_form.hpp"

namespace bench {

namespace {

namespace h = fibercheck::harness;

// The case drawn from `seed`: a correct tree of exactly `size` nodes, a schedule
// seed, and a cancellation step in [0, 400], as the cancellation suite draws them.
h::CaseSpec draw(std::uint64_t seed, std::size_t size, fibercheck::sched::StrategyKind strategy) {
  fibercheck::sched::Rng rng(seed);
  h::GenOptions g;
  g.max_nodes = size;
  g.exact_size = true;
  h::CaseSpec c;
  c.topology = h::random_topology(rng, g);
  c.strategy.kind = strategy;
  c.strategy.seed = rng.next();
  c.cancel_step = rng.below(401);
  return c;
}

}  // namespace

void property_cases(const Options& o) {
  const std::size_t size = o.pick(o.size, 30, 30);
  const std::uint64_t cases = o.pick(o.cases, 2000, 50);
  std::fprintf(stderr, "property-cases: seeds %llu..%llu\n",
               static_cast<unsigned long long>(o.seed),
               static_cast<unsigned long long>(o.seed + cases - 1));
  std::vector<double> rates;
  fibercheck::on_case_thread([&] {
    std::uint64_t steps = 0, nodes = 0;
    for (int r = 0; r < o.reps; ++r) {
      const Stamp t0 = stamp();
      for (std::uint64_t i = 0; i < cases; ++i) {
        const h::CaseSpec c = draw(o.seed + i, size, o.strategy);
        const h::CaseOutcome out = h::run_case(c);
        steps += out.run.steps;
        nodes += c.topology.size();
        if (!out.clean() || !out.run.live.empty())
          throw std::runtime_error("property-cases: the correct tree of case seed " +
                                   std::to_string(o.seed + i) +
                                   " did not end clean: " + h::to_string(out.verdict) + "\n" +
                                   h::print(c.topology) + "\n" + out.run.summary());
      }
      rates.push_back(static_cast<double>(cases) / (ns_since(t0) * 1e-9));
    }
    // What a case costs is mostly its scheduling steps: printed beside the figure.
    const double runs = static_cast<double>(cases) * o.reps;
    std::fprintf(stderr, "property-cases: %.1f nodes and %.0f scheduling steps a case on average\n",
                 static_cast<double>(nodes) / runs, static_cast<double>(steps) / runs);
  });
  Line("property-cases")
      .add("size", std::uint64_t{size})
      .add("cases", cases)
      .add("cases_per_s", median(rates), 0)
      .print();
}

}  // namespace bench
