// check_kind.hpp: check a kind you registered (kind.hpp register_kind) the way the
// bundled kinds are checked: random trees of up to `max_nodes` nodes, each with
// your kind planted somewhere among the built-in kinds, over random and PCT
// schedules and cancellation points. Closing the root's done must end every fiber;
// without cancellation (every 4th case, for finite kinds) the tree must complete
// and every value sent must be received exactly once. A failure is shrunk (the
// tree, then the schedule) and reported with its case line, which replays in this
// binary with FIBERCHECK_REPLAY='<line>' (or through cli_main's `replay`): every
// check_kind() of a kind the line's tree uses replays it; check() calls skip it, as
// check_kind() calls skip check()'s root= lines.
//
//   TEST(MyKinds, BatcherEndsWhenDoneCloses) {
//     EXPECT_TRUE(fibercheck::gtest::passed(fibercheck::harness::check_kind("batcher")));
//   }
#pragma once

#include "fibercheck/config.hpp"
#include "fibercheck/harness/check.hpp"

namespace fibercheck::harness {

// CheckOptions and the environment as for check(), names and shards too: a
// check_kind() call counts among the test's check call sites ("Suite.Test#2"), and
// FIBERCHECK_SHARD=I/N splits its cases inside a GoogleTest test as check()'s.
// `max_nodes` bounds the trees. Throws std::invalid_argument if no kind is named
// `kind`, or on a malformed environment variable.
[[nodiscard]] CheckResult check_kind(const std::string& kind, const CheckOptions& options = {},
                                     std::size_t max_nodes = 12,
                                     source_location site = source_location::current());

}  // namespace fibercheck::harness
