// deadlock.hpp: explains why blocked fibers can never wake, from a census.
//
// Every fiber blocked on a lock or a once knows which fibers could release it
// (FiberInfo::waits_for). Following those edges finds wait-for cycles: a lock-order
// inversion (A holds m1 and waits for m2 while B holds m2 and waits for m1), a fiber
// locking a mutex it already holds, a reader waiting behind a writer that waits for
// that same reader. It also names fibers stuck behind a holder that is itself blocked
// elsewhere (a lock held across a channel send) or that exited without releasing.
// Waits anyone could end (a channel, a done, a condition variable) have no edges, so
// they never appear in a cycle: the census line is their explanation.
//
// Outcome::summary() appends the explanation to a quiescent run's report.
#pragma once

#include <string>
#include <vector>

#include "fibercheck/census.hpp"
#include "fibercheck/config.hpp"

namespace fibercheck {

// "deadlock: lock-order cycle of 2 fibers, each waiting for the next:\n  #2 ..." per
// cycle, then one line per fiber stuck behind a blocked or exited holder; the empty
// string when no blocked fiber waits for a known holder. Only meaningful when the
// fibers cannot run any more (a quiescent run): a holder that is still ready is not
// reported.
//
// DeadlockText::names_only names each fiber ("#2 root/a") without what it waits on, for
// reports that show every fiber's wait elsewhere (Outcome::headline()).
enum class DeadlockText { full, names_only };
[[nodiscard]] std::string explain_deadlock(const std::vector<FiberInfo>& fibers,
                                           DeadlockText text = DeadlockText::full);

}  // namespace fibercheck
