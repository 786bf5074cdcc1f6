// lineage.hpp: the leak report. For each fiber left when a case ends: its path
// from the root, its kind, spawn site, what it is blocked on, every other fiber
// that used that channel (alive, or when it exited), and which done it should
// have watched and when that done closed. Fibers that leaked for the same reason
// are grouped. Built from the run's event log (RunOptions::trace) and census.
#pragma once

#include <string>

#include "fibercheck/run.hpp"

namespace fibercheck::harness {

[[nodiscard]] std::string lineage_report(const Outcome& o);

}  // namespace fibercheck::harness
