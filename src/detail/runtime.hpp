// runtime.hpp (internal): per-thread state: the fiber registry, the installed
// scheduler and, during fibercheck::run, the state of the run.
#pragma once

#include <array>
#include <boost/fiber/context.hpp>
#include <boost/fiber/properties.hpp>
#include <boost/fiber/waker.hpp>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fibercheck/detail/wait.hpp"
#include "fibercheck/sched/rng.hpp"
#include "fibercheck/sched/strategy.hpp"
#include "fibercheck/trace.hpp"

namespace fibercheck::detail {

class Scheduler;
class ScopeState;
class DoneState;

// How a fiber parked inside Boost.Fiber's own code (src/detail/boost_hooks.cpp sees
// every such park; docs/boost-fiber-notes.md, "Plain Boost.Fiber waits").
enum class BoostPark : std::uint8_t {
  none,
  wait,           // wait_queue::suspend_and_wait: channels, cv, future, mutex, barrier, join
  wait_until,     // wait_queue::suspend_and_wait_until: every *_for/_until wait
  sleep,          // context::wait_until(tp): this_fiber::sleep_for/sleep_until
  suspend,        // context::suspend(lk) with no wait queue: unbuffered_channel::push
  suspend_until,  // context::wait_until(tp, lk, waker): unbuffered_channel::push_wait_until
};

// What fibercheck knows of a fiber parked inside Boost.Fiber, set by the hooks just
// before it parks and cleared when it resumes. Addresses only: the census and the
// reports turn them into names (src/detail/symbolize.hpp), never the trace hash.
struct BoostWait {
  BoostPark how = BoostPark::none;
  const void* queue = nullptr;  // the wait_queue: inside the primitive object, one per side
  const void* ret = nullptr;    // return address of the hooked call, inside the primitive
  std::int64_t deadline = -1;   // steady_clock nanoseconds since its epoch; -1: none
  // While parked in wait_queue::suspend_and_wait(_until): its linked waker and the
  // primitive's spinlock lock (unlocked while parked), for reclaim's wake and unlink.
  boost::fibers::waker_with_hook* waker = nullptr;
  void* lock = nullptr;        // boost::fibers::detail::spinlock_lock*
  bool in_queue = false;       // inside a wait_queue hook: its inner park is not a second one
  bool unwind = false;         // reclaim woke it to unwind (src/detail/boost_unwind.cpp)
  bool unwinding_now = false;  // a forced unwind is running through its frames
  void* forced = nullptr;      // its exception object, while it runs
  // Why it could not be unwound from the park at (refused_ret, refused_queue), for the
  // report; reclaim does not wake it again there.
  std::string cannot_unwind;
  const void* refused_ret = nullptr;
  const void* refused_queue = nullptr;
  // Inside fiber::join, the joined fiber's id (0: not known to fibercheck). While the
  // joiner started other fibers whose boost::fibers::fiber objects are still joinable, it
  // is not unwound out of the join (boost_join_unwind_safe): the unwind would destroy
  // those objects on its way (a std::vector<fiber> joined in a loop), and a joinable
  // fiber's destructor calls std::terminate. It waits for the fiber it joins instead,
  // which reclaim unwinds on its own, and goes on once that one ends.
  bool joining = false;
  std::uint64_t joining_id = 0;
};

// Everything fibercheck knows about one fiber; owned by the fiber's Boost context.
struct FiberProps final : boost::fibers::fiber_properties {
  explicit FiberProps(boost::fibers::context* ctx) : fiber_properties(ctx) {}
  ~FiberProps() override;

  std::uint64_t id = 0;
  std::uint64_t parent_id = 0;
  std::string name;
  std::string path;
  std::string kind;
  std::string done_name;
  const char* file = nullptr;
  unsigned line = 0;
  const char* function = nullptr;
  bool internal = false;  // main or dispatcher context: not a fiber of the program
  bool plain = false;     // started with plain boost::fibers::fiber
  // A plain fiber whose boost::fibers::fiber object is still joinable: neither joined nor
  // detached yet (fiber::join and fiber::detach in src/detail/boost_interpose.cpp).
  bool handle_open = false;
  bool registered = false;
  bool exited = false;               // the function returned (or unwound)
  bool unwinding = false;            // reclaim asked it to unwind
  std::uint32_t unwinds_thrown = 0;  // Unwinds thrown on entry to a primitive
  // This fiber's C++ exception state (caught-exception stack, uncaught count) while
  // it is switched out: libstdc++ keeps it per thread, Boost.Context does not swap it.
  alignas(void*) unsigned char eh[2 * sizeof(void*)] = {};
  Waiter* waiter = nullptr;  // set while blocked in a fibercheck primitive
  BoostWait boost;           // set while parked inside Boost.Fiber's own primitives
  // Return addresses, innermost first, turned into names only when a census asks
  // (src/detail/symbolize.hpp). spawn_stack: the stack that started a plain fiber
  // (Scheduler::new_properties runs on the spawner's stack), for its spawn site.
  // park_stack: the stack at its latest park: the whole of it under
  // RunOptions::capture_stacks (park_stack_full), else only for a park inside
  // libboost_fiber.so, a few frames, enough to reach the program's frame.
  static constexpr std::size_t kSpawnFrames = 8;
  static constexpr std::size_t kParkFrames = 32;
  std::array<const void*, kSpawnFrames> spawn_stack;
  std::array<const void*, kParkFrames> park_stack;
  std::uint8_t spawn_depth = 0;
  std::uint8_t park_depth = 0;
  bool park_stack_full = false;
  // The scope that started it (nullptr for go() and plain fibers); the reference keeps
  // that scope's state alive until this fiber is gone, even if the Scope object is not.
  const ScopeState* scope = nullptr;
  std::shared_ptr<void> scope_ref;
  // With guard-page stacks: the inaccessible page below the stack, for the overflow report.
  const char* guard_page = nullptr;
  std::size_t stack_bytes = 0;
  std::uint64_t created_step = 0;
  std::uint64_t blocked_since = 0;
  // The fibercheck operations it entered most recently, "verb 'name'" (see enter()),
  // each with how often it was entered while among these: what a fiber that never
  // blocks for good keeps doing, even when it alternates a few. Slots are reused least
  // recently used first and never moved, so an operation entered again costs a
  // compare, not string moves.
  struct RecentOp {
    const char* verb = nullptr;
    std::string name;
    std::uint64_t count = 0;
    std::uint64_t used = 0;  // op_clock when last entered
    std::uint64_t hash = 0;  // op_hash(verb, name), mixed into the trace hash at each entry
  };
  std::array<RecentOp, 4> recent_ops;
  std::uint64_t op_clock = 0;
  std::uint8_t last_op = 0;  // the slot entered most recently
  // The done signal it waited on or polled most recently (a select's done, Done::wait,
  // Done::closed, sleep_for): what a loop that keeps running watches, for the report of
  // a fiber still running after root returned. Weak: the fiber may let go of it.
  std::weak_ptr<const DoneState> watched;
  const DoneState* watched_raw = nullptr;
  bool watched_never = false;  // it watched a Done that never closes (default-constructed)
  // Scheduler bookkeeping.
  bool in_ready = false;
  std::uint64_t ready_seq = 0;
  // Registry links.
  FiberProps* prev = nullptr;
  FiberProps* next = nullptr;

  [[nodiscard]] boost::fibers::context* context() const noexcept { return ctx_; }
};

// A timer on the virtual clock: fires by calling fire() from the run's main context.
struct Timer {
  virtual void fire() = 0;
  // Called instead of fire() when the run ends with the timer still armed.
  virtual void discard() {}
  std::int64_t due = 0;
  std::uint64_t seq = 0;
  bool armed = false;

 protected:
  ~Timer() = default;
};

enum class StopReason { none, idle, cancel, budget, exception, time_budget, timer };

// State of one fibercheck::run, owned by the run's main context.
struct RunState {
  std::unique_ptr<sched::Strategy> strategy;
  std::uint64_t max_steps = 0;
  std::uint64_t cancel_step = 0;  // 0: none
  bool cancel_fired = false;
  std::uint64_t steps = 0;
  std::uint64_t trace_hash = 0;
  std::uint64_t preemptions = 0;
  std::vector<std::uint32_t> choices;
  std::vector<std::uint32_t> choice_defaults;  // the non-preemptive option of each choice
  std::vector<std::uint32_t> choice_counts;    // the number of options of each choice
  // With RunOptions::record_choice_detail: what each choice offered and what followed it.
  bool record_detail = false;
  std::vector<sched::ChoiceDetail> choice_detail;
  std::uint64_t detail_next_id = 0;  // Runtime::next_id when the last step began
  std::uint64_t detail_running = 0;  // the fiber the last step ran
  std::int64_t now = 0;              // virtual nanoseconds since the run began
  std::map<std::pair<std::int64_t, std::uint64_t>, Timer*> timers;
  std::uint64_t timer_seq = 0;
  // Whether the strategy may fire a pending timer while fibers are runnable (not while
  // a finished run is reclaimed), and the bounds it must stay within: no timer past
  // RunOptions::max_virtual_time, none past a pending RunOptions::cancel_at_time (-1: none).
  bool early_timers = true;
  // From this step on the run is fair whatever the strategy (RunOptions::fair_after_steps):
  // round robin in id order, a pending timer fires at each wrap of the round, selects
  // and choose() draw from fair_rng. Nothing is recorded: replay reproduces it.
  std::uint64_t fair_from_step = UINT64_MAX;
  std::uint64_t fair_last = 0;  // the fiber the fair rule ran last
  sched::Rng fair_rng{0xFA1Full};
  std::int64_t max_virtual_time = INT64_MAX;
  std::int64_t cancel_at_time = -1;
  StopReason stop = StopReason::none;
  // The first exception that escaped a fiber (not through a scope join).
  std::exception_ptr error;
  std::string error_path;
  bool record_events = false;
  std::vector<Event>* events = nullptr;
  // What reclaim's unwinding did that the program's own run would not (a release of a
  // lock the unwinding fiber did not hold, ignored): Outcome::reclaim_notes.
  std::vector<std::string> reclaim_notes;
  // Set while the leftover fibers are reclaimed: a Boost.Fiber sleeper's deadline then
  // comes at once (time jumps to it), so it wakes and can be unwound at its next wait.
  bool reclaiming = false;
};

class Runtime {
 public:
  static Runtime& get();

  // Registry of fibers that have not been destroyed.
  void adopt(FiberProps& p, FiberProps* parent);
  void forget(FiberProps& p) noexcept;
  [[nodiscard]] FiberProps* first() const noexcept { return head_; }
  [[nodiscard]] FiberProps* by_id(std::uint64_t id) const noexcept;
  [[nodiscard]] std::size_t live() const noexcept;

  Scheduler* sched = nullptr;  // set while fibercheck's algorithm is installed
  RunState* run = nullptr;     // set during fibercheck::run
  std::uint64_t next_id = 1;
  std::size_t stack_size = 64 * 1024;
  bool guard_pages = false;  // fibers get protected_fixedsize_stack (RunOptions::guard_pages)
  // Fibers started on this thread stay out of its registry (untracked_thread()).
  bool untracked = false;
  // A run left fibers that cannot be unwound: this thread must never exit (Boost.Fiber's
  // scheduler would wait for them forever).
  bool poisoned = false;
  // Every park captures its stack for the census (RunOptions::capture_stacks).
  bool capture_stacks = false;

  // Virtual time; the real steady clock outside a run.
  [[nodiscard]] std::int64_t now() const;
  void arm(Timer& t, std::int64_t due);
  void disarm(Timer& t) noexcept;
  // Records an event when the run keeps a trace.
  void event(EventKind kind, std::uint64_t fiber, std::string detail);
  // Numbers fibers from 1 again: called at the start of every run.
  void reset_ids();

  ~Runtime();

 private:
  FiberProps* head_ = nullptr;
  FiberProps* tail_ = nullptr;
  std::vector<FiberProps*> by_id_;  // index: id
};

// The context this thread runs and its record, kept by fibercheck's scheduler at every
// switch (Boost resumes what pick_next returns, or the dispatcher), so hot paths need
// not ask Boost: context::active() lives in a shared library and costs a TLS lookup
// through the dynamic linker. `valid` is false while fibercheck's scheduler is not
// installed on this thread; then Boost is asked. (A plain fiber started with
// boost::fibers::launch::dispatch switches without pick_next: fibercheck starts its
// fibers with launch::post, and plain fibers of the code under test do too unless
// they ask otherwise.)
struct RunningContext {
  boost::fibers::context* ctx = nullptr;
  FiberProps* props = nullptr;  // nullptr for a main or dispatcher context
  bool valid = false;
};
extern constinit thread_local RunningContext t_running;

// The running context, from t_running when valid.
[[nodiscard]] inline boost::fibers::context* running_context() noexcept {
  return t_running.valid ? t_running.ctx : boost::fibers::context::active();
}

// What the trace hash knows of an operation or a fiber: FNV-1a over `verb`, a separator
// and `name` ("recv on chan" and "pages"; "spawn" and "fetcher-1"). Names only: nothing
// that changes between processes or when source lines move.
[[nodiscard]] std::uint64_t op_hash(const char* verb, const std::string& name) noexcept;
// Mixes v into the run's trace hash; nothing outside a run.
void mix_trace(std::uint64_t v) noexcept;

// The running fiber's record, or nullptr on a main context / foreign scheduler.
[[nodiscard]] FiberProps* current_fiber() noexcept;
[[nodiscard]] bool runtime_alive() noexcept;

}  // namespace fibercheck::detail
