// cond.hpp: a condition variable (Go's sync.Cond) over a fibercheck::Mutex whose
// wait also ends when a done signal closes.
//
//   std::unique_lock lk(mu);
//   if (ready.wait(lk, done, [&] { return !queue.empty(); }) == Status::cancelled) return;
//
// wait() unlocks the mutex and blocks until notified (Status::ok) or until `cancel`
// closes (Status::cancelled), then locks it again before returning either way; with
// `cancel` already closed it returns cancelled at once, the lock never released. There
// are no spurious wake-ups, but a notified waiter competes for the mutex, so re-check
// the condition (the predicate form does). A blocked wait shows in the census as
// "wait on condvar 'ready' (mutex 'queue')" and is unwound on reclaim: the Unwind
// leaves with the mutex unlocked and `lk` not owning it. Like Chan, a CondVar is a
// handle: copies refer to the same condition variable.
//
// Ordering: everything a fiber did before notify_one()/notify_all() happens before
// the wait() that this notification ends returns.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "fibercheck/done.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/status.hpp"

namespace fibercheck {

namespace detail {
class CondState;
}

class CondVar {
 public:
  explicit CondVar(std::string name = "condvar");

  // `lk` must own its mutex (std::system_error otherwise).
  Status wait(std::unique_lock<Mutex>& lk, const Done& cancel = Done()) const;
  // Waits until pred() holds (ok) or `cancel` closes first (cancelled).
  template <class Pred>
  Status wait(std::unique_lock<Mutex>& lk, const Done& cancel, Pred pred) const {
    while (!pred())
      if (wait(lk, cancel) == Status::cancelled) return pred() ? Status::ok : Status::cancelled;
    return Status::ok;
  }
  // Wakes the longest-waiting fiber, if any (Go's Signal).
  void notify_one() const;
  // Wakes every waiting fiber (Go's Broadcast).
  void notify_all() const;
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  std::shared_ptr<detail::CondState> state_;
};

}  // namespace fibercheck
