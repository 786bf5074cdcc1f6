// scheduler.hpp (internal): fibercheck's Boost.Fiber scheduling algorithm.
//
// Outside a run it is a plain FIFO scheduler that also registers plain boost
// fibers with the census. During fibercheck::run it is deterministic: every time
// a worker fiber must be picked, the run's strategy chooses among the ready
// fibers ordered by id; each decision is a step, mixed into the trace hash, and
// recorded when it had more than one option. The run's main context is parked
// aside and resumed only when the run needs attention: every fiber is blocked
// with no real timer pending (quiescence: Boost's dispatcher then asks to suspend until
// time_point::max()), the cancellation step is
// reached, the step budget is spent, a fiber threw, or the strategy fires a pending
// timer early (time jumps to its deadline while fibers are still runnable).
#pragma once

#include <boost/fiber/algo/algorithm.hpp>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "detail/ready_set.hpp"
#include "detail/runtime.hpp"

namespace fibercheck::detail {

class Scheduler final : public boost::fibers::algo::algorithm_with_properties<FiberProps> {
 public:
  Scheduler();
  ~Scheduler() override;

  void awakened(boost::fibers::context* ctx, FiberProps& props) noexcept override;
  // Picks the next context and swaps the C++ exception state (caught-exception stack
  // and uncaught count) along with it: libstdc++ keeps it per thread and Boost.Context
  // does not switch it, so std::uncaught_exceptions() would leak between fibers.
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override;
  void suspend_until(std::chrono::steady_clock::time_point const& tp) noexcept override;
  void notify() noexcept override;
  boost::fibers::fiber_properties* new_properties(boost::fibers::context* ctx) override;

  // Run mode on or off; called by the run's main context with no worker alive.
  void begin_run(RunState& run);
  void end_run();
  // A scheduling point for the running worker fiber (see sched_point()).
  void yield_point(FiberProps& self);
  // A seeded, recorded choice among n select cases.
  std::size_t choose_case(std::size_t n);
  // A seeded, recorded value in [0, n) for fibercheck::choose.
  std::size_t choose_value(std::size_t n);
  // Main context: the reason it was resumed, cleared on read.
  StopReason take_stop() noexcept;
  void request_stop(StopReason r) noexcept;
  // True when a remote wake-up arrived that the dispatcher may not have delivered yet.
  bool remote_pending() noexcept { return remote_.exchange(false); }
  // Removes a fiber from scheduling for good (it ignored reclaim).
  void quarantine(FiberProps& p) noexcept;

 private:
  class Options;
  boost::fibers::context* pick_next_impl() noexcept;
  // The fiber to run next, or nullptr when the strategy fires the earliest timer first.
  FiberProps* decide(FiberProps* self);
  [[nodiscard]] bool timer_may_fire() const noexcept;
  std::size_t choose_among(std::size_t n, sched::ChoiceKind kind);
  bool run_mode() const noexcept { return run_ != nullptr; }
  boost::fibers::context* take_main() noexcept;

  RunState* run_ = nullptr;
  ReadySet ready_;
  std::uint64_t seq_ = 0;
  std::deque<boost::fibers::context*> fifo_;  // free mode
  std::vector<std::uint64_t> quarantined_;
  boost::fibers::context* main_ = nullptr;
  bool main_ready_ = false;
  boost::fibers::context* dispatcher_ = nullptr;
  bool dispatcher_ready_ = false;
  boost::fibers::context* forced_ = nullptr;
  bool idle_ = false;
  std::atomic<bool> remote_{false};
  std::mutex wake_mtx_;
  std::condition_variable wake_cv_;
  bool wake_flag_ = false;
};

}  // namespace fibercheck::detail
