// vclock.hpp (internal): std::chrono::steady_clock on the run's virtual clock, so that
// Boost.Fiber's own sleeps and timed waits (this_fiber::sleep_for, the *_wait_for/_until
// of channels, condition variables, futures and timed mutexes) pass virtual time.
//
// src/detail/vclock.cpp defines steady_clock::now() itself. The executable's definition
// binds every caller, libboost_fiber.so's included (it calls now() through its PLT). On
// a thread inside a run it reads kVirtualEpoch plus the run's virtual now; on every
// other thread, and outside runs, it reads CLOCK_MONOTONIC as libstdc++ does.
#pragma once

#include <cstdint>

namespace fibercheck::detail {

// Referenced from the scheduler so that the clock's object is always linked.
void vclock_linked() noexcept;

// What steady_clock::now() reads at virtual time zero: the same in every process, so
// an absolute time_point computed in one run means the same instant on replay. 2^50 ns
// is about 13 days: later than any real clock reading a short-lived test would keep.
inline constexpr std::int64_t kVirtualEpoch = std::int64_t{1} << 50;

// From now on steady_clock::now() on this thread reads kVirtualEpoch + *now. Called
// from the thread's main context, with fibercheck's scheduler installed.
void vclock_begin(const std::int64_t* now) noexcept;
// Real time again on this thread.
void vclock_end() noexcept;

// The earliest deadline in Boost.Fiber's sleep queue on this thread (a sleep or a
// *_for/_until wait), in virtual nanoseconds since the run began; INT64_MAX when no
// fiber sleeps. Only between vclock_begin and vclock_end.
[[nodiscard]] std::int64_t boost_next_deadline() noexcept;
// Makes every Boost.Fiber sleeper whose deadline has come ready, as Boost's dispatcher
// does at each turn (in deadline order: its sleep queue is sorted).
void boost_wake_due() noexcept;

}  // namespace fibercheck::detail
