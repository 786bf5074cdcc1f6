// progress.hpp: the one line `fibercheck run` redraws on a terminal while it runs:
//
//   fibercheck: completion (suite 2 of 6): 120 of 500 cases, 620 of 3000 in all, 0 failed
//
// on stderr, only when stderr is a terminal (a CI log piped from stdout or stderr
// stays clean) and not turned off, or when asked for with --progress. Redrawn at most ten times a
// second, so a fast run spends next to nothing on it; cleared before anything else is printed.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace fibercheck::cli {

struct Progress {
  std::string suite;
  std::size_t suite_number = 1;  // from 1
  std::size_t suites = 1;
  std::uint64_t done = 0, asked = 0;          // this suite's cases
  std::uint64_t all_done = 0, all_asked = 0;  // every suite's
  std::uint64_t failures = 0;                 // so far, every suite
};

// The line, without a line end.
[[nodiscard]] std::string progress_text(const Progress& p);

class ProgressLine {
 public:
  // Draws only if `wanted` and stderr is a terminal, or `forced` (--progress).
  ProgressLine(bool wanted, bool forced);
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;
  ~ProgressLine() { clear(); }

  [[nodiscard]] bool enabled() const noexcept { return enabled_; }
  // Redraws the line with `p` if the last drawing is at least 100 ms old (the first
  // is drawn at once).
  void update(const Progress& p);
  // Erases the line, if one is drawn, so the next output starts on a clean line; the
  // next drawing still waits for its 100 ms.
  void clear();

 private:
  bool enabled_;
  bool ever_drawn_ = false;
  bool visible_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace fibercheck::cli
