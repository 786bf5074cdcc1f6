// scenarios.hpp: the bundled programs that the programs suite of `fibercheck run`
// checks (explore/suites.cpp): small Go concurrency patterns written against the
// public API, each known to be correct (closing the root's done ends every fiber,
// at any cancellation point) or to leak.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "fibercheck/fibercheck.hpp"

namespace fibercheck::harness {

struct Scenario {
  std::string name;
  std::string description;
  std::function<void(Done)> root;
  bool leaks = false;  // a planted bug: every run must report it
};

[[nodiscard]] const std::vector<Scenario>& scenarios();

}  // namespace fibercheck::harness
