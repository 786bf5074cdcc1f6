// measure.hpp: clocks, medians, and the one output line every measurement prints.
//
// Every figure is printed as `name key=value key=value ...`, one line a measurement,
// so that it can be compared with the same line from another runtime (Go, Boost).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fibercheck/run.hpp"

namespace bench {

// The clock every figure is read from. Each measurement runs on one OS thread (the
// case thread, or a plain thread for Boost), so that thread's CPU time is its cost
// without the time other processes took the core: on a shared 2-core machine wall
// time swings several-fold. Page faults and system calls still count. --wall
// switches to CLOCK_MONOTONIC (steady_clock), for figures that must be wall time.
enum class ClockKind { thread_cpu, wall };
void use_clock(ClockKind k) noexcept;

// A reading of the selected clock, in nanoseconds.
struct Stamp {
  std::int64_t ns = 0;
};
[[nodiscard]] Stamp stamp() noexcept;

// Nanoseconds from t0 to now.
[[nodiscard]] double ns_since(Stamp t0) noexcept;
[[nodiscard]] double ns_between(Stamp t0, Stamp t1) noexcept;

// The median of the values (the mean of the middle two for an even count).
[[nodiscard]] double median(std::vector<double> values);

// Resident set size of this process, from /proc/self/statm. Reads with open/read
// only, so it is safe on a 64 KiB fiber stack.
[[nodiscard]] std::uint64_t rss_bytes();

// Gives freed heap pages back to the kernel, so an RSS difference counts the pages
// a measurement touched, not those an earlier repetition left behind.
void release_free_memory();

// Enough steps for any benchmark here; the run stops on completion, not budget.
inline constexpr std::uint64_t kUnlimitedSteps = std::uint64_t{1} << 62;

// Throws std::runtime_error naming `what` unless the run finished cleanly.
void require_clean(const fibercheck::Outcome& out, const char* what);

// Builds and prints one output line: Line("core-spawn").add("n", n).print().
class Line {
 public:
  explicit Line(std::string name) : text_(std::move(name)) {}
  Line& add(const char* key, std::uint64_t value);
  Line& add(const char* key, double value, int decimals = 1);
  Line& add(const char* key, const std::string& value);
  Line& add(const char* key, bool value);
  // Writes the line and a newline to stdout and flushes, so a crash later keeps it.
  void print() const;

 private:
  std::string text_;
};

}  // namespace bench
