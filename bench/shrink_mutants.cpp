// shrink_mutants.cpp: how long shrinking takes. Each mutant kind is planted in a
// random correct tree of about --size nodes (200), the case is caught as the
// mutants suite catches it (fails_nearby over the schedules near its seed), and
// then shrunk with the suite's shrinker to its minimal case that fails the same way
// (the same coarse signature: a candidate failing otherwise is rejected).
//
// The clock covers shrink_case only (every candidate run included); finding the
// failing case first is the `cases`/`leak` workload. The trees come from --seed
// (printed to stderr), so every repetition shrinks the same case.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "benches.hpp"
#include "explore/runner.hpp"
#include "explore/shrink.hpp"
#include "explore/suites.hpp"
#include "generate/generate.hpp"
#include "measure.hpp"

namespace bench {

namespace {

namespace h = fibercheck::harness;

// A caught case: `kind` planted in a tree of `size` nodes drawn from the first seed
// from `seed` on whose case fails near its schedule.
h::CaseSpec caught(const std::string& kind, std::size_t size, std::uint64_t seed) {
  for (std::uint64_t s = seed; s < seed + 32; ++s) {
    fibercheck::sched::Rng rng(s);
    h::GenOptions g;
    g.max_nodes = size;
    g.exact_size = true;
    h::CaseSpec c;
    c.topology = h::plant(h::random_topology(rng, g), kind, rng);
    c.strategy.kind = fibercheck::sched::StrategyKind::random;
    c.strategy.seed = rng.next();
    c.cancel_step = rng.below(401);
    if (h::fails_nearby(c, h::seeds_for(c.topology, 64))) return c;
  }
  throw std::runtime_error("shrink: " + kind + " planted in trees of seeds " +
                           std::to_string(seed) + ".." + std::to_string(seed + 31) +
                           " was never caught");
}

}  // namespace

void shrink_mutants(const Options& o) {
  const std::size_t size = o.pick(o.size, 200, 20);
  std::fprintf(stderr, "shrink: tree seed %llu\n", static_cast<unsigned long long>(o.seed));
  for (const std::string& kind : h::mutant_kind_names()) {
    std::vector<double> seconds;
    std::size_t initial = 0, final_nodes = 0;
    fibercheck::on_case_thread([&] {
      const h::CaseSpec c = caught(kind, size, o.seed);
      initial = c.topology.size();
      for (int r = 0; r < o.reps; ++r) {
        const Stamp t0 = stamp();
        const h::CaseSpec small =
            h::shrink_case(c, h::fails_nearby_like(h::case_signature(h::run_case(c), true)));
        seconds.push_back(ns_since(t0) * 1e-9);
        final_nodes = small.topology.size();
        if (!small.topology.has_mutant())
          throw std::runtime_error("shrink: " + kind + " shrank to a case without the mutant");
      }
    });
    Line("shrink")
        .add("kind", kind)
        .add("initial_nodes", std::uint64_t{initial})
        .add("final_nodes", std::uint64_t{final_nodes})
        .add("seconds", median(seconds), 4)
        .print();
  }
}

}  // namespace bench
