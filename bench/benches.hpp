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

}  // namespace bench
