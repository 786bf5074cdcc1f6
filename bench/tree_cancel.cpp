// tree_cancel.cpp: spawn and cancel a complete binary tree of 2^D - 1 fibers.
//
// Every node starts its two children in a Scope and then waits on its done; leaves
// just wait. The run closes the root's done once every fiber is blocked
// (RunOptions::cancel_when_idle), and each Scope then joins its children on the
// way out. Figures, per fiber: spawn = root start until the last node started;
// cancel = the root's done closing until the root returns with every descendant
// joined; RSS = resident bytes when the root's done closes (the peak: every fiber
// is alive and blocked) minus before the run. Random strategy (as in a property run)
// unless --strategy says otherwise.
#include <stdexcept>
#include <stop_token>
#include <vector>

#include "benches.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "measure.hpp"

namespace bench {

namespace {

struct Tree {
  std::uint64_t n = 0;
  std::uint64_t started = 0;
  std::uint64_t rss_peak = 0;
  Stamp start, all_started, cancel, end;
};

void node(const fibercheck::Done& done, std::uint64_t level, Tree& t) {
  if (++t.started == t.n) t.all_started = stamp();
  if (level == 1) {
    done.wait();
    return;
  }
  fibercheck::Scope scope(done, "node");
  scope.spawn("l", [level, &t](fibercheck::Done d) { node(d, level - 1, t); });
  scope.spawn("r", [level, &t](fibercheck::Done d) { node(d, level - 1, t); });
  done.wait();
}

}  // namespace

TreeSample run_tree(std::uint64_t depth, fibercheck::sched::StrategyKind strategy) {
  Tree t;
  t.n = (std::uint64_t{1} << depth) - 1;
  fibercheck::RunOptions opt;
  opt.strategy.kind = strategy;
  opt.strategy.seed = 1;
  opt.max_steps = kUnlimitedSteps;
  opt.cancel_when_idle = true;
  release_free_memory();
  const std::uint64_t rss_before = rss_bytes();
  const fibercheck::Outcome out = fibercheck::run(
      [&](fibercheck::Done done) {
        // Runs inside the close of the root's done, before it reaches any descendant.
        std::stop_callback on_cancel(done.stop_token(), [&t] {
          t.rss_peak = rss_bytes();
          t.cancel = stamp();
        });
        t.start = stamp();
        node(done, depth, t);
        t.end = stamp();
      },
      opt);
  require_clean(out, "tree");
  if (t.started != t.n || !out.cancelled_at_step)
    throw std::runtime_error("tree: not every node started before the root's done closed");
  const auto n = static_cast<double>(t.n);
  return TreeSample{ns_between(t.start, t.all_started) / n, ns_between(t.cancel, t.end) / n,
                    (static_cast<double>(t.rss_peak) - static_cast<double>(rss_before)) / n};
}

void tree_cancel(const Options& o) {
  const std::uint64_t depth = o.pick(o.depth, 17, 6);
  if (depth < 2 || depth > 24) throw std::invalid_argument("tree: --depth must be 2..24");
  std::vector<double> spawn, cancel, rss;
  fibercheck::on_case_thread([&] {
    for (int r = 0; r < o.reps; ++r) {
      const TreeSample s = run_tree(depth, o.strategy);
      spawn.push_back(s.spawn_ns);
      cancel.push_back(s.cancel_ns);
      rss.push_back(s.rss_bytes);
    }
  });
  Line("tree-cancel")
      .add("n", (std::uint64_t{1} << depth) - 1)
      .add("spawn_ns_per_fiber", median(spawn))
      .add("cancel_ns_per_fiber", median(cancel))
      .add("rss_bytes_per_fiber", median(rss), 0)
      .print();
}

}  // namespace bench
