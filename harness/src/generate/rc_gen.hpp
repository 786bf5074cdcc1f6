// rc_gen.hpp: RapidCheck generators for topologies. Values come from
// generate.hpp, seeded from RapidCheck's Random, and shrink with its hand-written
// shrinks (hoist a subtree, drop a child, simplify parameters): a tree composed with
// mapcat shrinks poorly (docs/boost-fiber-notes.md, 'Generating and shrinking trees
// with RapidCheck').
#pragma once

#include <rapidcheck.h>

#include <algorithm>
#include <ostream>

#include "generate/generate.hpp"
#include "model/text_form.hpp"

namespace fibercheck::harness {

inline std::ostream& operator<<(std::ostream& os, const Node& n) { return os << print(n); }

// A random correct tree of up to max_nodes nodes (scaled by RapidCheck's size).
inline rc::Gen<Topology> gen_topology(GenOptions opt = {}) {
  return rc::Gen<Topology>([opt](const rc::Random& random, int size) {
    rc::Random r = random;
    sched::Rng rng(r.next());
    GenOptions o = opt;
    o.max_nodes =
        std::max<std::size_t>(1, opt.max_nodes * static_cast<std::size_t>(std::max(size, 1)) / 100);
    return rc::shrinkable::shrinkRecur(random_topology(rng, o), [](const Topology& t) {
      return rc::seq::fromContainer(shrinks(t));
    });
  });
}

// A correct tree with one node of mutant kind `kind` planted at a random place.
inline rc::Gen<Topology> gen_planted(std::string kind, GenOptions opt = {}) {
  return rc::Gen<Topology>([opt, kind](const rc::Random& random, int size) {
    rc::Random r = random;
    sched::Rng rng(r.next());
    GenOptions o = opt;
    o.max_nodes =
        std::max<std::size_t>(1, opt.max_nodes * static_cast<std::size_t>(std::max(size, 1)) / 100);
    Topology t = plant(random_topology(rng, o), kind, rng);
    return rc::shrinkable::shrinkRecur(
        std::move(t), [](const Topology& x) { return rc::seq::fromContainer(shrinks(x)); });
  });
}

}  // namespace fibercheck::harness

namespace rc {
template <>
struct Arbitrary<fibercheck::harness::Topology> {
  static Gen<fibercheck::harness::Topology> arbitrary() {
    return fibercheck::harness::gen_topology();
  }
};
}  // namespace rc
