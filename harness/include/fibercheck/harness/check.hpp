// check.hpp: check your own code. `check(root, options)` runs root(done) (your
// code, starting its fibers in a Scope derived from `done`) over many random and
// PCT schedules, closing `done` at a different step in each case, and checks that
// every fiber ends; it also checks that, without cancellation, root finishes by
// itself. On a failure it shrinks the schedule (fewest preemptions) and the
// cancellation point, and reports: what was expected, what happened with the
// lineage of every fiber left, the case as one line, and how to replay it.
//
//   TEST(Crawler, EveryWorkerEndsWhenDoneCloses) {
//     auto r = fibercheck::check([](fibercheck::Done d) { crawl(d, {"a", "b"}); });
//     EXPECT_TRUE(r) << r.report;
//   }
//
// Replay runs inside your own test binary (the root lives there, not in the
// `fibercheck` tool): the report's last line is
//   FIBERCHECK_REPLAY='fibercheck-case v1 ... root=Crawler.EveryWorkerEnds' ./my_tests
//   --gtest_filter=Crawler.EveryWorkerEnds
// With FIBERCHECK_REPLAY set, the check it names runs only that case, with the
// event log, and prints the verdict, the report and the trace; other checks skip.
// A line that no check of the process takes fails the process: at exit (or, under
// GoogleTest, as a failure after the tests) it lists the checks the process reached.
//
// Code blocked in fibercheck's primitives is unwound after each case; code blocked
// on a plain boost::fibers primitive cannot be (Boost.Fiber has no way to interrupt
// a blocked fiber): the check still reports
// it (Outcome::unreclaimed), does not shrink it, and parks that case's thread.
//
// Environment (CI use): RC_PARAMS `seed=` and `max_success=` set the base seed and
// the number of cases when CheckOptions leaves them unset. FIBERCHECK_SHARD=I/N
// ("2/3": shard 2 of 3, counting from 1 as GoogleTest prints shards) splits every
// check's sequence, inside GoogleTest tests too: shard I runs the cases k with
// k mod N = I-1, so N processes together run exactly the cases one would. To split
// big checks across N CI machines, run the same test binary on each with
// FIBERCHECK_SHARD=i/N and without GoogleTest sharding: every test runs everywhere,
// each check its 1/N of the cases. Outside a GoogleTest test, GTEST_TOTAL_SHARDS=N
// and GTEST_SHARD_INDEX=s (counting from 0) split the sequence the same way, as
// shard s+1 of N; inside a test they do not: GoogleTest runs each test in one shard
// only, and its check runs every case there. CheckOptions::shard wins over
// FIBERCHECK_SHARD, which wins over the GTEST_* variables.
// FIBERCHECK_TIME_BUDGET=T (seconds, "30" or "0.5") gives each check T seconds; a
// check cut short says so (CheckResult::partial, printed, and with gtest.hpp a
// `fibercheck_partial` property of the test in --gtest_output=xml).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "fibercheck/config.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/sched/dfs.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck {

// Which part of a check's case sequence this process runs: case k belongs to shard
// k mod total. `index` counts from 0, as GTEST_SHARD_INDEX does; text numbers shards
// from 1, as GoogleTest prints them ("shard 2 of 3" is index 1).
struct Shard {
  std::uint64_t index = 0;
  std::uint64_t total = 1;
};

// A failing case an explorer found: its schedule and cancellation step.
struct FoundCase {
  sched::StrategySpec strategy;
  std::optional<std::uint64_t> cancel_step;  // nullopt: done closes once every fiber blocks
};

// Searches root's schedules itself (say, the DFS explorer of sched/dfs.hpp) and
// returns the first failing case, or nullopt when every case it tried was clean.
using Explorer = std::function<std::optional<FoundCase>(const std::function<void(Done)>& root)>;

// The DFS explorer (fibercheck/sched/dfs.hpp) as an Explorer: every schedule and
// cancellation point within its bounds, instead of sampled ones.
//   opt.explorer = fibercheck::dfs_explorer({.max_preemptions = 2});
[[nodiscard]] Explorer dfs_explorer(sched::ExploreOptions options = {});

struct CheckOptions {
  // Cases in the sequence (all shards together). Unset: RC_PARAMS max_success, else
  // 500 (a case of a small root takes tens of microseconds).
  std::optional<std::uint64_t> cases;
  // Base seed of the case sequence. Unset: RC_PARAMS seed, else 1.
  std::optional<std::uint64_t> seed;
  // Schedules, used in turn.
  std::vector<sched::StrategyKind> strategies = {sched::StrategyKind::random,
                                                 sched::StrategyKind::pct};
  // When set, replaces the sampling above: check() runs the explorer once, then
  // shrinks and reports what it found like any other failure.
  Explorer explorer;
  // Also check that without cancellation root finishes by itself (every 4th
  // case). Turn off for code that runs until done closes (a server loop).
  bool completion = true;
  // Cancellation points are drawn from [0, max_cancel_step]. 0: from the longest
  // completion run seen so far (plus a margin), or 2000 without completion runs.
  std::uint64_t max_cancel_step = 0;
  std::uint64_t max_steps = 200000;  // per case: a fiber that ignores done is caught here
  // Once root has returned (and done closed, in a case that closes it), fibers still
  // running this many fair steps later have leaked (RunOptions::leak_window_steps):
  // a loop nobody stops is reported in milliseconds, not at max_steps. 0: off.
  std::uint64_t leak_window_steps = 5000;
  // Seconds this check may take (each check its own budget, so none starves
  // another); past it, the check stops before its next case, sets out_of_time and
  // says so (CheckResult::partial). 0: FIBERCHECK_TIME_BUDGET, else none.
  double time_budget_seconds = 0;
  bool shrink = true;
  // Print a failure's report to stderr (inside a GoogleTest test, with gtest.hpp
  // included, it is left to the assertion message: gtest::passed), and the line
  // saying the time budget cut the check short (always).
  bool print = true;
  // Unset: FIBERCHECK_SHARD, else outside a GoogleTest test GTEST_TOTAL_SHARDS /
  // GTEST_SHARD_INDEX, else the whole sequence. Set, it wins over both.
  std::optional<Shard> shard;
  // What replay lines call this check. Default, with no line number so that edits
  // elsewhere keep it: inside a GoogleTest test (with <fibercheck/harness/gtest.hpp>
  // included) "Suite.Test" for the first check call site the test reaches,
  // "Suite.Test#2" for the second, ...; outside a test "<file>:<function>" with the
  // same ordinal among that function's call sites. Call sites, not calls, are
  // counted: a check in a loop or a RapidCheck property keeps one name.
  std::string name;
  std::size_t stack_size = 64 * 1024;
};

struct CheckResult {
  bool ok = true;
  std::string name;
  std::string site;               // "file:line" of the call: a hint beside the name
  std::uint64_t seed = 0;         // the base seed used
  Shard shard;                    // the shard used
  std::uint64_t cases_asked = 0;  // this shard's cases of the sequence
  std::uint64_t cases_run = 0;    // cases reached (all asked unless out of time or failed)
  bool out_of_time = false;       // the time budget stopped it before cases_asked
  // When out_of_time: "fibercheck: check 'X' stopped by FIBERCHECK_TIME_BUDGET=2
  // after 123 of 500 cases".
  std::string partial;
  bool replayed = false;                  // FIBERCHECK_REPLAY named this check
  bool skipped = false;                   // FIBERCHECK_REPLAY named another check
  std::vector<std::uint64_t> case_seeds;  // schedule seed of each case run, in order
  std::string report;                     // the failure report (empty when ok)
  std::string case_line;                  // the failing case, shrunk
  std::string replay;                     // the shell line that replays it
  Outcome outcome;                        // the failing case's run (with its event log)

  explicit operator bool() const noexcept { return ok; }
};

// "ok: check ... 500 case(s)" (with "of N" when cut short) or the failure report: what
// RC_ASSERT(result) and EXPECT_TRUE(result) << result show.
std::ostream& operator<<(std::ostream& os, const CheckResult& r);

// Runs the check. Never throws for a failing check: the result says so. Throws
// std::invalid_argument on bad options or a malformed environment variable.
[[nodiscard]] CheckResult check(const std::function<void(Done)>& root,
                                const CheckOptions& options = {},
                                source_location site = source_location::current());

// The same for a root that takes no done (a test body ported from Go that uses
// context.Background(), or any code that must simply finish): every case is a
// completion case (root returns by itself and every fiber it started ends; fibers
// still running once it has returned have leaked), reports never mention a done,
// and dfs_explorer() tries no cancellation points. An explorer of your own gets a
// root that ignores its done, and its cancellation point is dropped.
[[nodiscard]] CheckResult check(const std::function<void()>& root, const CheckOptions& options = {},
                                source_location site = source_location::current());

// The shard GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX describe ({0, 1} when unset):
// GTEST_SHARD_INDEX counts from 0, and so does Shard::index.
// Throws std::invalid_argument naming the variable when either is malformed.
[[nodiscard]] Shard shard_from_env();

// The shard FIBERCHECK_SHARD=I/N describes (I counts from 1: "2/3" is Shard{1, 3}),
// or nothing when it is unset or empty. Throws std::invalid_argument naming the
// variable and how to write it for anything but 1 <= I <= N ("3", "0/3", "4/3").
[[nodiscard]] std::optional<Shard> shard_from_fibercheck_env();

// The schedule seed of case `index` of the sequence `base_seed` defines. Shard s
// of N runs the indices s, s+N, s+2N... below the number of cases.
[[nodiscard]] std::uint64_t case_seed(std::uint64_t base_seed, std::uint64_t index) noexcept;

// FIBERCHECK_TIME_BUDGET in seconds (0 when unset): "30", "0.5". Throws
// std::invalid_argument naming the variable when it is anything else.
[[nodiscard]] double time_budget_from_env();

// RC_PARAMS, as far as check() reads it.
struct RcParams {
  std::optional<std::uint64_t> seed;
  std::optional<std::uint64_t> max_success;
};
[[nodiscard]] RcParams rc_params_from_env();

// Under GoogleTest sharding, rewrites RC_PARAMS's seed (or adds one, from a
// random device) mixed with the shard index, so every shard's RapidCheck
// properties draw from disjoint seeds; prints the seed it chose. Call it before
// RapidCheck reads its configuration (before the first property runs).
void shard_rc_params();

namespace detail {
// Returns the current test's name ("Suite.Test"), or "" outside a test.
using TestNameFn = std::string (*)();
void set_test_name_provider(TestNameFn fn) noexcept;
[[nodiscard]] std::string current_test_name();
// Called with every check()'s and check_kind()'s result (gtest.hpp records a
// partial check in the test's XML).
using CheckObserverFn = void (*)(const CheckResult&);
void set_check_observer(CheckObserverFn fn) noexcept;
// FIBERCHECK_REPLAY bookkeeping, for gtest.hpp: what to say when the line is set and
// no check took it (nullopt otherwise); that it was said another way (a failed
// test), so the exit check stays quiet; the exit check itself (registered once: at
// exit, an unmatched line is printed and the process ends with status 1); and a
// likely cause to add to the message.
[[nodiscard]] std::optional<std::string> unmatched_replay_message();
void settle_replay();
void arm_replay_exit_check();
using ReplayHintFn = std::string (*)();
void set_replay_hint(ReplayHintFn fn) noexcept;
}  // namespace detail

}  // namespace fibercheck
