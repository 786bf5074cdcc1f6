// mutex.hpp: Go's sync.Mutex and sync.RWMutex for fibers, visible to the census.
//
//   fibercheck::Mutex mu("state");
//   { std::lock_guard lk(mu); ... }
//
// A fiber blocked in lock() shows in the census as "lock of mutex 'state' held by
// root/server/loop since step 52", and knows its holders (FiberInfo::waits_for), so
// a quiescent run's report names a deadlock: a lock-order cycle, a fiber locking a
// mutex it already holds (locks are not recursive; as in Go, that blocks forever), a
// reader waiting behind a writer that waits for that reader. A blocked lock() is
// unwound on reclaim like every fibercheck wait.
//
// Like Chan, a Mutex is a handle: copies refer to the same lock, so a fiber can
// capture it by value and stay safe when reclaim unwinds fibers in any order. The
// lock is handed to waiters in FIFO order (no barging), so schedules, not timing,
// decide who gets it. As in Go, any fiber may unlock a locked mutex; unlocking one
// that is not locked throws std::system_error (Go: a fatal error). While reclaim
// unwinds a fiber, though, a release of what that fiber does not hold (a lock_guard
// over a mutex it unlocked by hand and blocked re-locking, now held by another fiber or
// by nobody) is ignored and noted in Outcome::reclaim_notes: it never throws from the
// destructor and never takes another fiber's hold. Satisfies Lockable
// (std::lock_guard, std::unique_lock, std::scoped_lock); SharedMutex also satisfies
// SharedLockable (std::shared_lock).
//
// SharedMutex prefers writers, as Go's RWMutex does: once a writer waits, new readers
// wait behind it, so a fiber that takes a read lock twice while a writer waits
// deadlocks (and the report says so).
//
// Ordering: everything a fiber did before unlock() (or unlock_shared()) happens
// before the lock()/try_lock() that next acquires the lock (for unlock_shared: before
// the next exclusive acquisition).
#pragma once

#include <memory>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck {

namespace detail {
class LockState;
}

class Mutex {
 public:
  explicit Mutex(std::string name = "mutex");

  // Blocks until the lock is this caller's. `loc` (the caller's line, by default) is
  // where the census says a blocked lock() blocked; through std::lock_guard and its
  // kin the caller is the standard library, whose line the census leaves out.
  void lock(source_location loc = source_location::current()) const;
  // Takes the lock if it is free and nobody waits for it; never blocks.
  [[nodiscard]] bool try_lock() const;
  void unlock() const;
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  std::shared_ptr<detail::LockState> state_;
};

class SharedMutex {
 public:
  explicit SharedMutex(std::string name = "rwmutex");

  // Exclusive (writer) side. `loc` as for Mutex::lock.
  void lock(source_location loc = source_location::current()) const;
  [[nodiscard]] bool try_lock() const;
  void unlock() const;
  // Shared (reader) side: blocks while a writer holds or waits for the lock.
  void lock_shared(source_location loc = source_location::current()) const;
  [[nodiscard]] bool try_lock_shared() const;
  void unlock_shared() const;
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  std::shared_ptr<detail::LockState> state_;
};

}  // namespace fibercheck
