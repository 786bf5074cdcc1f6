// done_state.hpp (internal): the shared state behind Done and DoneSource.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "fibercheck/detail/wait.hpp"
#include "fibercheck/done.hpp"

namespace fibercheck::detail {

struct RunState;
struct DeadlineTimer;

class DoneState final : public Waitable, public std::enable_shared_from_this<DoneState> {
 public:
  explicit DoneState(std::string n) : name(std::move(n)) {}
  ~DoneState();

  // Links this state under `parent` (closing at once if the parent is closed).
  void attach(const std::shared_ptr<DoneState>& parent);
  // Closes this state and, iteratively, every descendant. True if this call closed it.
  bool close(CloseReason why) noexcept;
  std::string describe(WaitOp op) const override;

  ObjectLock m;
  std::atomic<bool> is_closed{false};
  CloseReason reason = CloseReason::open;
  std::string name;
  std::uint64_t closed_step = 0;
  WaitList waiters;
  std::shared_ptr<DoneState> parent;
  DoneState* first_child = nullptr;
  DoneState* prev_sibling = nullptr;
  DoneState* next_sibling = nullptr;
  std::unique_ptr<std::stop_source> stop;
  std::unique_ptr<std::stop_callback<std::function<void()>>> on_stop;
  // with_deadline: when it closes by itself, fibercheck clock nanoseconds.
  std::optional<std::int64_t> deadline_ns;
  // The virtual timer that will close it, owned by `timer_run`'s timer list; disarmed
  // (on that run's thread only) when the state closes first or is destroyed.
  DeadlineTimer* deadline_timer = nullptr;
  RunState* timer_run = nullptr;
  // Disarms and frees deadline_timer when on its run's thread; needs `m` held.
  void drop_timer_locked() noexcept;
};

}  // namespace fibercheck::detail
