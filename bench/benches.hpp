// benches.hpp: one function a subcommand; each prints its lines and throws on failure.
#pragma once

#include "options.hpp"

namespace bench {

void core_spawn(const Options& o);
void core_hop(const Options& o);
void core_step(const Options& o);
void tree_cancel(const Options& o);
void pipeline(const Options& o);
void leak_verdict(const Options& o);
void property_cases(const Options& o);
void shrink_mutants(const Options& o);
void scaling(const Options& o);

// One run of the tree of 2^depth - 1 fibers (tree_cancel.cpp), per fiber: spawn
// time, cancel time, resident bytes at the peak. Call it on the case thread.
struct TreeSample {
  double spawn_ns = 0;
  double cancel_ns = 0;
  double rss_bytes = 0;
};
[[nodiscard]] TreeSample run_tree(std::uint64_t depth, fibercheck::sched::StrategyKind strategy);

}  // namespace bench
