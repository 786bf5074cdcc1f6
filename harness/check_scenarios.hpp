// check_scenarios.hpp: checks the bundled scenarios over many seeded schedules
// and cancellation points, as `fibercheck run` does.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fibercheck/sched/strategy.hpp"
#include "scenarios.hpp"

namespace fibercheck::harness {

struct CheckConfig {
  std::uint64_t cases = 200;  // per scenario
  std::uint64_t seed = 1;
  sched::StrategyKind strategy = sched::StrategyKind::random;
  std::string only;                   // run only the scenario with this name
  std::chrono::duration<double> time_budget{0};  // 0: none
};

struct ScenarioResult {
  std::string name;
  bool leaks = false;
  std::uint64_t cases = 0;
  std::uint64_t failures = 0;
  std::string first_failure;  // what was expected, what happened, and the seed
  double seconds = 0;
};

// Runs every scenario (or the one named), calling progress(done_cases, failures) as it goes.
std::vector<ScenarioResult> check_scenarios(
    const CheckConfig& cfg, const std::function<void(std::uint64_t, std::uint64_t)>& progress);

}  // namespace fibercheck::harness
