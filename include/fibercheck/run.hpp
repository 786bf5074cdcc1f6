// run.hpp: run a root function on a fresh deterministic scheduler and say how it ended.
//
// A run executes on a fibercheck case thread (created on first use and reused),
// because a fiber that cannot be reclaimed would otherwise hang the calling
// thread at exit (Boost.Fiber's scheduler waits for a blocked fiber forever when its
// thread exits): such a thread is parked instead, and the next run gets
// a new one. The same program, strategy, seed and options give the same steps,
// choices and trace hash in every process.
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fibercheck/census.hpp"
#include "fibercheck/config.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/sched/strategy.hpp"
#include "fibercheck/source_location.hpp"
#include "fibercheck/trace.hpp"

namespace fibercheck {

#ifdef FIBERCHECK_GUARD_PAGES
inline constexpr bool kGuardPagesByDefault = true;
#else
inline constexpr bool kGuardPagesByDefault = false;
#endif

struct RunOptions {
  sched::StrategySpec strategy;       // which strategy, its seed or recorded choices
  std::uint64_t max_steps = 1000000;  // scheduling steps before the run is stopped
  // The strategy decides the first fair_after_steps steps (at most half of max_steps);
  // from then on the schedule is fair whatever the strategy: round robin in fiber id
  // order, a pending timer fires once every ready fiber has had a turn, a select takes
  // a ready case at random. No strategy can starve a fiber forever (a fiber that
  // polls until another acts is correct Go), so a step-budget verdict means the program
  // makes no progress even under a fair schedule: a livelock, or a loop that ignores done.
  std::uint64_t fair_after_steps = 10000;
  // Close the root's done once this many steps have been taken (0: before the root runs).
  std::optional<std::uint64_t> cancel_at_step;
  // Close the root's done when the virtual clock reaches this time.
  std::optional<std::chrono::nanoseconds> cancel_at_time;
  // Close the root's done when every fiber is blocked and it is not closed yet,
  // as a parent would once it stops waiting for results.
  bool cancel_when_idle = false;
  // Once root has returned (and its done has closed, when this run is to close it; with
  // cancel_when_idle the run closes it as root returns: a returned parent waits for
  // nothing), the fibers left get this many more steps to end, the second half of them
  // (at least 16 per live fiber) under the fair schedule whatever fair_after_steps says;
  // any still running then have leaked, as goleak says of goroutines running when a
  // test returns: Verdict::still_running, instead of waiting for max_steps. 0: off.
  std::uint64_t leak_window_steps = 5000;
  std::chrono::nanoseconds max_virtual_time = std::chrono::hours(24 * 365);
  bool trace = false;  // keep the event log in Outcome::events
  // Keep, for each choice, what it offered and what the steps after it touched
  // (Outcome::choice_detail): what the DFS explorer (sched/dfs.hpp) needs.
  bool record_choice_detail = false;
  // Per fiber; at least 16 KiB (a fiber's waits and unwinding alone use about 6.5 KiB).
  std::size_t stack_size = 64 * 1024;
  // Guard-page stacks (protected_fixedsize_stack): a fiber that overflows its stack
  // kills the process with a line naming it, instead of corrupting memory. Costs two
  // mappings a fiber (about 32k fibers at once at most, under the kernel's default limit
  // of 65,530 mappings). On by default in
  // builds configured with -DFIBERCHECK_GUARD_PAGES=ON.
  bool guard_pages = kGuardPagesByDefault;
  // Capture the stack of every fiber each time it parks (a Boost.Fiber wait or one of
  // fibercheck's), up to 32 frames, so that the census lists it (FiberInfo::stack) for the
  // fibers blocked at the verdict. Costs about 1-2 us a park; runs are deterministic, so
  // the harness turns it on only when it replays a failing case for its report.
  bool capture_stacks = false;
  std::string root_name = "root";
};

enum class Verdict {
  finished,              // every fiber ended
  quiescent,             // every live fiber is blocked for good: they leaked (or deadlocked)
  step_budget_exceeded,  // some fiber kept running: it never blocks and never checks done
  still_running,         // root returned, yet fibers kept running (RunOptions::leak_window_steps)
  time_budget_exceeded,  // timers kept firing past max_virtual_time
  exception,             // an exception escaped a fiber that nobody joins
};

[[nodiscard]] const char* to_string(Verdict v) noexcept;

struct Outcome {
  Verdict verdict = Verdict::finished;
  std::vector<FiberInfo> live;         // the census at the verdict
  std::vector<FiberInfo> unreclaimed;  // fibers that could not be unwound afterwards
  std::uint64_t steps = 0;
  std::uint64_t trace_hash = 0;
  std::vector<std::uint32_t> choices;              // one per decision with more than one option
  std::vector<std::uint32_t> choice_defaults;      // the non-preemptive option of each decision
  std::vector<std::uint32_t> choice_counts;        // the number of options of each decision
  std::vector<sched::ChoiceDetail> choice_detail;  // with RunOptions::record_choice_detail
  std::uint64_t preemptions = 0;  // choices that differ from the non-preemptive default
  std::optional<std::uint64_t> cancelled_at_step;
  std::optional<std::uint64_t> root_returned_at_step;  // when root's function returned
  bool root_takes_done = true;  // false for a void() root: reports never mention its done
  std::chrono::nanoseconds virtual_time{0};
  std::string error;       // what() of the exception, for Verdict::exception
  std::string error_path;  // the fiber it escaped from
  std::exception_ptr exception;
  std::vector<Event> events;  // with RunOptions::trace
  // What happened while the leftover fibers were unwound after the verdict, one line
  // each: "root/a: unlock of mutex 'devices' it did not hold (held by root/b), ignored
  // while unwinding" (a lock_guard over a mutex its fiber unlocked by hand). Such a
  // release is skipped, not thrown, and never takes another fiber's hold.
  std::vector<std::string> reclaim_notes;

  [[nodiscard]] bool clean() const noexcept { return verdict == Verdict::finished; }
  // "leak: 2 fibers live after 41 steps (trace 9f3a...)" and the census, one line each.
  [[nodiscard]] std::string summary() const;
  // The same without the per-fiber lists: for reports that describe each fiber
  // themselves (the harness's lineage report), so no fiber is listed twice. No trailing
  // newline: callers end the line.
  [[nodiscard]] std::string headline() const;

 private:
  [[nodiscard]] std::string summary(bool list_fibers) const;
};

// Why a fiber in Outcome::unreclaimed could not be unwound, in one clause: "parked in
// boost::fibers::unbuffered_channel::push until a receiver takes its value (...)", "a
// noexcept frame (...) between the wait and the fiber's start", and so on.
[[nodiscard]] std::string why_not_unwound(const FiberInfo& f);

// Runs root(done) as the fiber named RunOptions::root_name, where done is the
// root's done signal, until every fiber has ended or the run must stop; then
// unwinds every fiber left so the next run starts clean.
// `site` is reported as the root fiber's spawn site.
Outcome run(const std::function<void(Done)>& root, const RunOptions& options = {},
            source_location site = source_location::current());

// The same for a root that takes no done (a test body ported from Go that uses
// context.Background()): nothing closes a done, so the run checks that root returns
// and every fiber it started ends. Throws std::invalid_argument when `options` asks
// for a cancellation (cancel_at_step, cancel_at_time, cancel_when_idle).
Outcome run(const std::function<void()>& root, const RunOptions& options = {},
            source_location site = source_location::current());

// Runs fn on this thread's case thread (where run() executes without a hand-off).
// Use it to drive many runs in a row cheaply; exceptions propagate.
void on_case_thread(const std::function<void()>& fn);

// Hex form of a trace hash, as printed in case lines.
[[nodiscard]] std::string hex(std::uint64_t v);

}  // namespace fibercheck
