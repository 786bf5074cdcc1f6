// lineage.hpp: the leak report, where every fiber left when a case ends appears once.
// For each: its census id and path from the root, its kind, spawn site, what it is
// blocked on (for a wait in Boost.Fiber's own primitives, the operation, the primitive
// and which object), since which step and at which source line (or that the line is
// unknown); under it, indented, its stack where it parked when the run captured stacks
// (RunOptions::capture_stacks, on when the harness replays a case for its report);
// for a fiber that can still run, what it
// last did and how often, and the done it watches; for one that could not be unwound
// afterwards, why. For each channel it waits on, every other fiber that used that
// channel (alive, or when it exited); a fiber whose last dealing with the channel was
// a select (or a send or receive watching done, or a try_) that went another way is
// named with what it took and at which step ("#1 root selected on 'results' and left
// at step 12 by done 'root' instead"), and "no other fiber ever used" it is said only
// when none touched it. Then which done it should have watched, when that done
// closed, and whether it waits on that very done. Fibers that leaked for the same
// reason are grouped. Built from the run's event log (RunOptions::trace) and census.
#pragma once

#include <string>

#include "fibercheck/run.hpp"

namespace fibercheck::harness {

// The fibers' part alone; the empty string when no fiber was left.
[[nodiscard]] std::string lineage_report(const Outcome& o);

// What a failure says of a run: Outcome::headline() (verdict, steps, trace hash, a
// deadlock's cycle) and then the lineage report, so each fiber is described once.
[[nodiscard]] std::string outcome_report(const Outcome& o);

}  // namespace fibercheck::harness
