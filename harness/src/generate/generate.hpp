// generate.hpp: random topologies and their shrinks, as plain functions of a
// seeded Rng, so the property suites (through RapidCheck) and `fibercheck run`
// generate and shrink exactly the same trees.
#pragma once

#include <string>
#include <vector>

#include "fibercheck/harness/topology.hpp"
#include "fibercheck/sched/rng.hpp"

namespace fibercheck::harness {

struct GenOptions {
  std::size_t max_nodes = 30;  // about the number of fibers
  bool finite_only = true;     // leave out kinds that run until done (repeat)
  bool exact_size = false;     // aim for max_nodes instead of a size drawn up to it
};

// A random correct tree of at most max_nodes nodes (at least 1).
[[nodiscard]] Topology random_topology(sched::Rng& rng, const GenOptions& opt);
// `t` with a node of mutant kind `kind` planted at a random place: it replaces a
// random leaf, or joins a random pipeline, or wraps a random node in a new pipeline.
[[nodiscard]] Topology plant(const Topology& t, const std::string& kind, sched::Rng& rng);
// Every mutant kind's name.
[[nodiscard]] std::vector<std::string> mutant_kind_names();

// Smaller variants of t, most aggressive first: the root replaced by a child
// subtree; any node replaced by one of its children; a child dropped; a subtree
// without a mutant replaced by a single stage; a parameter moved to its simplest
// value, then halfway there. Every variant is a valid topology.
[[nodiscard]] std::vector<Topology> shrinks(const Topology& t);

}  // namespace fibercheck::harness
