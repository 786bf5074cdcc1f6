// cond.hpp: a condition variable (Go's sync.Cond) over any fibercheck lock (a Mutex,
// a SharedMutex, or a SharedMutex's read side, Go's rw.RLocker()) whose wait also
// ends when a done signal closes.
//
//   std::unique_lock lk(mu);
//   if (ready.wait(lk, done, [&] { return !queue.empty(); }) == Status::cancelled) return;
//
//   std::shared_lock rlk(rw);  // the read side: Go's sync.NewCond(rw.RLocker())
//   (void)changed.wait(rlk, done, [&] { return version > seen; });
//
// wait() releases the lock and blocks until notified (Status::ok) or until `cancel`
// closes (Status::cancelled), then takes it again before returning either way; with
// `cancel` already closed it returns cancelled at once, the lock never released. `lk`
// is a std::unique_lock over a Mutex or a SharedMutex, or a
// std::shared_lock<SharedMutex>: that one gives up its read lock while waiting (so a
// writer can change the state and notify) and gets a read lock back, queued behind any
// waiting writer as SharedMutex prefers writers. There are no spurious wake-ups, but a
// notified waiter competes for the lock, so re-check the condition (the predicate form
// does). A blocked wait shows in the census as
// "wait on condvar 'ready' (mutex 'queue')", "... (rwmutex 'table')" or
// "... (rwmutex 'table', read side)", naming the lock of the condvar's latest waiter
// (one condvar goes with one lock, as Go's Cond.L), and is unwound on reclaim: the
// Unwind leaves with the lock released and `lk` not owning it. Like Chan, a CondVar is
// a handle: copies refer to the same condition variable.
//
// Ordering: everything a fiber did before notify_one()/notify_all() happens before
// the wait() that this notification ends returns.
#pragma once

#include <concepts>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/source_location.hpp"
#include "fibercheck/status.hpp"

namespace fibercheck {

namespace detail {
class CondState;

// The caller's lock as CondVar::wait sees it, so that one non-template wait serves
// every kind: released and retaken through the lock object (its owns_lock() follows,
// and a shared_lock uses the read side), named for the census.
struct CondLock {
  void* lk;
  void (*unlock)(void*);
  // Takes the side `lk` held again, blocking at the user's `site`, and lets `lk` own it.
  void (*relock)(void*, const source_location& site);
  bool owns;
  const std::string* name;  // its mutex's; null when it has none
  bool rw;                  // a SharedMutex
  bool read_side;           // held by lock_shared()
};

template <class Lock>
CondLock cond_lock(Lock& lk, bool rw, bool read_side) noexcept {
  return {&lk,
          [](void* p) { static_cast<Lock*>(p)->unlock(); },
          [](void* p, const source_location& site) {
            // Through the mutex, so that a blocked relock shows the user's wait() line;
            // then `lk` adopts it (it owns nothing now, so the assignment unlocks nothing).
            Lock& l = *static_cast<Lock*>(p);
            auto* m = l.mutex();
            if constexpr (std::same_as<Lock, std::shared_lock<SharedMutex>>) {
              m->lock_shared(site);
            } else {
              m->lock(site);
            }
            l = Lock(*m, std::adopt_lock);
          },
          lk.owns_lock(),
          lk.mutex() ? &lk.mutex()->name() : nullptr,
          rw,
          read_side};
}

template <class Lock>
concept CondLockable = std::same_as<Lock, std::unique_lock<Mutex>> ||
    std::same_as<Lock, std::unique_lock<SharedMutex>> ||
    std::same_as<Lock, std::shared_lock<SharedMutex>>;
}  // namespace detail

class CondVar {
 public:
  explicit CondVar(std::string name = "condvar");

  // Each form releases and retakes the side of the lock that `lk` holds; `lk` must
  // own it (std::system_error otherwise).
  // `loc` (the caller's line, by default) is where the census says the wait blocked,
  // and the retaking of the lock after it.
  Status wait(std::unique_lock<Mutex>& lk, const Done& cancel = Done(),
              source_location loc = source_location::current()) const {
    return wait_on(detail::cond_lock(lk, false, false), cancel, loc);
  }
  Status wait(std::unique_lock<SharedMutex>& lk, const Done& cancel = Done(),
              source_location loc = source_location::current()) const {
    return wait_on(detail::cond_lock(lk, true, false), cancel, loc);
  }
  // Go's rw.RLocker(): waits without its read lock, so a writer can change the state
  // and notify.
  Status wait(std::shared_lock<SharedMutex>& lk, const Done& cancel = Done(),
              source_location loc = source_location::current()) const {
    return wait_on(detail::cond_lock(lk, true, true), cancel, loc);
  }
  // Waits until pred() holds (ok) or `cancel` closes first (cancelled), over any of
  // the locks above.
  template <detail::CondLockable Lock, class Pred>
  Status wait(Lock& lk, const Done& cancel, Pred pred,
              source_location loc = source_location::current()) const {
    while (!pred())
      if (wait(lk, cancel, loc) == Status::cancelled)
        return pred() ? Status::ok : Status::cancelled;
    return Status::ok;
  }
  // Wakes the longest-waiting fiber, if any (Go's Signal).
  void notify_one() const;
  // Wakes every waiting fiber (Go's Broadcast).
  void notify_all() const;
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  Status wait_on(const detail::CondLock& lk, const Done& cancel, const source_location& site) const;

  std::shared_ptr<detail::CondState> state_;
};

}  // namespace fibercheck
