// yield.hpp: what code under test may leave to the scheduler: another fiber's turn
// (Go's runtime.Gosched) and a value (Go's rand.Intn, when the value only picks a path).
//
//   fibercheck::yield();                      // another fiber may run here
//   if (fibercheck::choose(2) == 0) retry();  // a coin the run controls
//
// Under fibercheck::run (and check(), DFS, replay) both are decisions of the run's
// strategy: yield() is a scheduling point like every synchronization operation, and
// choose(n) is recorded in the case line, replayed exactly, and enumerated by DFS (each
// of the n values is explored, independently of the preemption bound). A port of
// `rand.Intn(n)` to std::rand would break replay and hide paths from DFS; choose(n)
// does neither.
//
// Outside a run yield() is boost::this_fiber::yield() and choose(n) draws from a per-thread
// generator with a fixed seed.
#pragma once

#include <cstddef>

#include "fibercheck/config.hpp"

namespace fibercheck {

// A scheduling point: under a run the strategy may switch to any ready fiber, or fire a
// pending timer, before the caller goes on. When the run reclaims a leaked fiber, its
// next yield() unwinds it (like every primitive), so a loop of yields alone leaks no thread.
void yield();

// A value in [0, n) chosen by the run's strategy (see above). n must be at least 1
// (std::invalid_argument otherwise); choose(1) is 0 and records nothing.
[[nodiscard]] std::size_t choose(std::size_t n);

}  // namespace fibercheck
