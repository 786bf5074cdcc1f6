// dfs.hpp: bounded exhaustive exploration of schedules and cancellation points.
//
// Random and PCT schedules sample; for small trees the DFS explorer enumerates
// instead, as Loom and Shuttle's DFS do for threads. It works by replaying choice
// prefixes (the replay strategy): every run records, at each choice, how many
// options there were (Outcome::choice_detail); the next run keeps the prefix up to
// the deepest choice with an untried alternative, takes that alternative, and lets
// the rest of the run take the non-preemptive default (keep running the current
// fiber, else the one ready longest).
//
// Bounds. A preemption is a choice that switches away from a fiber that could have
// continued (a free choice, after the running fiber blocked or exited, and a select
// among ready cases are not preemptions). Schedules with more than
// `max_preemptions` preemptions are not explored (default 2, as Loom recommends 2-3).
// `max_runs` caps the runs; the report says whether the space was exhausted within
// the preemption bound before the cap.
//
// Cancellation points. For every cancellation step c = 0, 1, 2, ... the explorer
// enumerates the schedules of the choices taken before step c, closes the root's done
// at step c (or when every fiber is blocked, if that comes first), and stops raising c
// once no explored run reaches step c before going idle or ending: every later c gives
// a run already seen. `max_cancel_step` caps c for programs that never go idle.
//
// Fair rule. The property "every descendant exits within the step budget after done
// closes" is about progress, so choices at or after the cancellation step are not
// explored and are fair: each takes the next ready fiber in id order (round robin
// from the lowest id), so every ready fiber runs within a round of the live fibers,
// and a budget overrun means a fiber that really fails to stop, not one starved by
// an adversarial schedule. The order is by id, not by how long a fiber has been
// ready, so that what follows the cancellation point depends only on the state
// reached, not on the order of the commuting steps that reached it (see Reduction).
//
// Reduction. Steps where one fiber is ready are not choices. At a choice, two fibers
// whose next steps touch no common primitive (channels, done signals, mutexes... by
// name; spawns, exits, closes, unlocks and notifies count as touching everything)
// commute, so only one order is explored: a sleep set (Godefroid) carries the
// fibers already explored at an ancestor choice and still independent of what ran
// since, and they are not chosen again. The report counts the branches skipped.
// The reduction only sees fibercheck primitives: code under test that shares plain
// memory between fibers should turn it off.
//
// Reduction and the preemption bound. Sleep sets assume that running a sleeping
// fiber's step earlier gives an equivalent schedule, but the earlier position can
// cost a preemption more, which the bound may forbid: the plain rule can skip
// schedules that are within the bound (Coons, Musuvathi and McKinley, "Bounded
// partial-order reduction", OOPSLA 2013; tests/sched_dfs_test.cpp has a three-fiber
// example within two preemptions). With a bound that cuts nothing it reaches every
// outcome the unreduced exploration reaches (properties/dfs_sound_test.cpp checks
// both). `reduction_sound_within_bound` (the default) keeps only the sleepers whose
// reordering costs no extra preemption, so that every schedule within the bound is
// covered and "exhausted" is a proof, at the
// price of many more runs (within 2 preemptions, fc1 pipe(gen{n=1},sink): 1055 runs
// by default, 3810 with it, 7632 without the reduction; fc1 pipe(gen{n=1},stage,sink):
// 7992 by default, over 100000 with it).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck::sched {

struct ExploreOptions {
  int max_preemptions = 2;
  std::uint64_t max_runs = 100000;
  bool reduction = true;
  // Prune only what provably stays within max_preemptions (see above). Off: the plain
  // sleep-set rule, far fewer runs, but within a bound that cuts it can skip schedules,
  // so the summary then never says "exhausted".
  bool reduction_sound_within_bound = true;
  // Try every cancellation step (see above); off: only close done when all block.
  bool cancellation_points = true;
  std::uint64_t max_cancel_step = 200;
  std::uint64_t max_steps = 20000;  // per run
};

// One run the explorer asks for: replay these choices, cancel at this step.
struct Attempt {
  StrategySpec strategy;
  std::optional<std::uint64_t> cancel_step;  // nullopt: only when every fiber blocks
};

struct ExploreReport {
  std::uint64_t schedules = 0;      // runs made
  std::uint64_t pruned = 0;         // branches the reduction skipped (each one run or more)
  std::uint64_t cancel_points = 0;  // cancellation steps tried
  // Every schedule within the bounds was run or skipped as equivalent to one run (a
  // proof unless reduction_sound_within_bound was turned off; summary() says which).
  bool exhausted = false;
  bool failed = false;
  // The failing run, replayable: strategy replay with every choice it made.
  std::optional<Attempt> failure;
  Outcome outcome;  // of the failing run
  // "2718 schedules, 40 cancellation points, exhausted within 2 preemptions, 1201 pruned"
  [[nodiscard]] std::string summary(const ExploreOptions& o) const;
};

// Runs one attempt with RunOptions::record_choice_detail set and returns whether it
// failed; fills `out` with the run's Outcome.
using AttemptRunner = std::function<bool(const Attempt&, Outcome& out)>;

// Explores every schedule and cancellation point within the bounds, stopping at the
// first failure. Throws std::runtime_error when a replayed prefix does not give the
// same choices again (the program under test is not deterministic).
[[nodiscard]] ExploreReport explore_attempts(const AttemptRunner& run_one,
                                             const ExploreOptions& options = {});

// The same over a user root function: a run fails unless every fiber ended.
[[nodiscard]] ExploreReport explore(const std::function<void(Done)>& root,
                                    const ExploreOptions& options = {},
                                    source_location site = source_location::current());

// The same over a root that takes no done: no cancellation points (nothing can
// cancel it); a run fails unless root returns and every fiber ends.
[[nodiscard]] ExploreReport explore(const std::function<void()>& root,
                                    const ExploreOptions& options = {},
                                    source_location site = source_location::current());

}  // namespace fibercheck::sched
