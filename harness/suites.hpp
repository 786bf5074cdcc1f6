// suites.hpp: the property suites `fibercheck run` checks, as plain functions of
// a case seed. The RapidCheck suites in properties/ state the same guarantees;
// these drive them without RapidCheck so the tool can report progress, stop on a
// time budget, and shrink with the same shrinks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runner.hpp"

namespace fibercheck::harness {

struct SuiteConfig {
  sched::StrategyKind strategy = sched::StrategyKind::random;
  std::size_t max_nodes = 30;
  std::string plant;  // for the cancellation suite: plant this mutant in every tree
};

// One failing case: what was expected, and the case that shows otherwise.
struct Failure {
  std::string expected;
  std::optional<CaseSpec> spec;  // absent for checks that are not a topology case
};

struct Suite {
  std::string name;
  std::string guarantee;  // the sentence it checks
  // Checks the case drawn from `case_seed`; a failure carries its case.
  std::optional<Failure> (*check)(std::uint64_t case_seed, const SuiteConfig& cfg);
  // Whether a case still fails, for shrinking (nullptr: the suite does not shrink).
  bool (*fails)(CaseSpec& c, const SuiteConfig& cfg);
};

[[nodiscard]] const std::vector<Suite>& suites();

// Whether case `c` fails (a leak, a crash, an overrun) under some schedule close to
// it: its own seed and the next `seeds - 1`, at its cancellation point and then,
// if that finds nothing, with the root's done closed only once every fiber is
// blocked (an early cancellation can end a tree before a planted leak starts).
// On success `c` becomes the failing variant.
bool fails_nearby(CaseSpec& c, int seeds);

// How many seeds fails_nearby should try for `t`: 1, or more when a kind in it
// leaks only under some schedules (TRAPS 16).
[[nodiscard]] int seeds_for(const Topology& t, int dependent_seeds = 16);
[[nodiscard]] const Suite* find_suite(const std::string& name);

}  // namespace fibercheck::harness
