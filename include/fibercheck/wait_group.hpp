// wait_group.hpp: Go's sync.WaitGroup for fibers, visible to the census.
//
//   fibercheck::WaitGroup wg("workers");
//   for (...) { wg.add(1); scope.spawn("worker", [wg] { ...; wg.done(); }); }
//   wg.wait();
//
// A fiber blocked in wait() shows in the census as "wait on waitgroup 'workers'
// (2 outstanding)": when a worker leaked, the waiter is reported next to it. Like
// Chan, a WaitGroup is a handle: copies refer to the same counter, so workers can
// capture it by value. add() taking the counter below zero throws
// std::invalid_argument (Go panics). A blocked wait() is unwound on reclaim.
//
// Ordering: everything a fiber did before done() (or add() with a negative delta)
// happens before any wait() that returns because the counter reached zero.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/source_location.hpp"
#include "fibercheck/status.hpp"

namespace fibercheck {

namespace detail {
class WaitGroupState;
}

class WaitGroup {
 public:
  explicit WaitGroup(std::string name = "waitgroup");

  // Adds delta to the counter; at zero, every waiter wakes.
  void add(std::int64_t delta = 1) const;
  // add(-1).
  void done() const { add(-1); }
  // Blocks until the counter is zero. `loc` (the caller's line, by default) is where
  // the census says a blocked wait blocked.
  void wait(source_location loc = source_location::current()) const;
  // Blocks until the counter is zero (ok) or `cancel` closes first (cancelled).
  Status wait(const Done& cancel, source_location loc = source_location::current()) const;
  [[nodiscard]] std::int64_t outstanding() const;
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  std::shared_ptr<detail::WaitGroupState> state_;
};

}  // namespace fibercheck
