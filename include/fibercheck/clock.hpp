// clock.hpp: time for code under test: sleep, one-shot timers and tickers, all
// respecting done.
//
// Under fibercheck::run the clock is virtual: it starts at zero and jumps to the
// next due timer when every fiber is blocked, so an hour of ticks takes
// microseconds and a run's timing is part of its replayable trace (Boost.Fiber's own
// sleeps and timed waits use the real steady clock, which no scheduler can advance).
// Elsewhere it is std::chrono::steady_clock.
#pragma once

#include <chrono>
#include <memory>

#include "fibercheck/chan.hpp"
#include "fibercheck/config.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck {

using Duration = std::chrono::nanoseconds;

// Virtual time since the run began; the steady clock's time outside a run.
[[nodiscard]] Duration now();

// Sleeps for d: Status::ok once d has passed, Status::cancelled if done closed first.
// `loc` (the caller's line, by default) is where the census says it sleeps.
Status sleep_for(const Done& done, Duration d, source_location loc = source_location::current());

// A channel (capacity 1) that receives now() once, d from now (Go's time.After).
[[nodiscard]] Chan<Duration> after(Duration d);

// Sends now() on chan() every period; a tick is dropped while the previous one is
// unread (Go's time.Ticker). Stops when stopped or destroyed.
class Ticker {
 public:
  explicit Ticker(Duration period);
  Ticker(const Ticker&) = delete;
  Ticker& operator=(const Ticker&) = delete;
  ~Ticker();

  [[nodiscard]] const Chan<Duration>& chan() const noexcept { return ch_; }
  void stop() noexcept;

 private:
  struct Impl;
  Chan<Duration> ch_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fibercheck
