// suites.hpp: the property suites `fibercheck run` checks, as plain functions of
// a case seed. The RapidCheck suites in properties/ state the same guarantees;
// these drive them without RapidCheck so the tool can report progress, stop on a
// time budget, and shrink with the same shrinks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "explore/runner.hpp"
#include "explore/shrink.hpp"
#include "explore/signature.hpp"

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
  // Whether a case still fails the same way, for shrinking (nullptr: the suite does not
  // shrink its cases' trees): only a failure whose signature() is `like` counts, so a
  // shrink never trades the failure found for another one. On success `c` may become
  // the failing variant (another seed, a later cancellation).
  bool (*fails)(CaseSpec& c, const SuiteConfig& cfg, const FailureSignature& like);
  // "The same failure" for a case that ran as `o`: its coarse case signature
  // (case_signature(o, true), shrink.hpp), plus whether every value sent was received
  // where the suite checks that. nullptr: the suite's failures are not failing runs
  // (determinism, text form), so a report shows the case as found, unshrunk.
  FailureSignature (*signature)(const CaseOutcome& o);
};

[[nodiscard]] const std::vector<Suite>& suites();

// Whether case `c` fails (a leak, a crash, an overrun) under some schedule close to
// it: its own seed and the next `seeds - 1`, at its cancellation point and then,
// if that finds nothing, with the root's done closed only once every fiber is
// blocked (an early cancellation can end a tree before a planted leak starts).
// On success `c` becomes the failing variant. With `like`, only a failure whose
// coarse case signature (case_signature(o, true), shrink.hpp) equals *like counts.
bool fails_nearby(CaseSpec& c, int seeds, const FailureSignature* like = nullptr);

// The shrink predicate of the mutants suite: fails_nearby over seeds_for(c.topology)
// schedules, counting only a failure with coarse case signature `like` (take it from
// the run of the case found: case_signature(run_case(found), true)). A planted leak
// then cannot shrink into, say, a step-budget overrun of the tree around it.
[[nodiscard]] FailsFn fails_nearby_like(FailureSignature like);

// How many seeds fails_nearby should try for `t`: 1, or more when a kind in it
// leaks only under some schedules: a smaller tree changes the interleaving a seed gives
// (docs/boost-fiber-notes.md, 'The schedule must be a generated value').
[[nodiscard]] int seeds_for(const Topology& t, int dependent_seeds = 16);
[[nodiscard]] const Suite* find_suite(const std::string& name);

}  // namespace fibercheck::harness
