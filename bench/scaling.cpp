// scaling.cpp: the tree workload (tree_cancel.cpp) at depths 10, 12, ..., 20:
// whether the per-fiber cost stays flat from a thousand fibers to a million.
// ns_per_fiber is spawn plus cancel, per fiber.
#include <stdexcept>
#include <vector>

#include "benches.hpp"
#include "fibercheck/run.hpp"
#include "measure.hpp"

namespace bench {

void scaling(const Options& o) {
  const std::uint64_t top = o.pick(o.depth, 20, 8);
  if (top < 2 || top > 24) throw std::invalid_argument("scaling: --depth must be 2..24");
  for (std::uint64_t depth = top < 10 ? 2 : 10; depth <= top; depth += 2) {
    std::vector<double> ns, rss;
    fibercheck::on_case_thread([&] {
      for (int r = 0; r < o.reps; ++r) {
        const TreeSample s = run_tree(depth, o.strategy);
        ns.push_back(s.spawn_ns + s.cancel_ns);
        rss.push_back(s.rss_bytes);
      }
    });
    Line("scaling")
        .add("depth", depth)
        .add("n", (std::uint64_t{1} << depth) - 1)
        .add("ns_per_fiber", median(ns))
        .add("rss_bytes_per_fiber", median(rss), 0)
        .print();
  }
}

}  // namespace bench
