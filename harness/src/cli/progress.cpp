#include "cli/progress.hpp"

#include <unistd.h>

#include <cstdio>

#include "cli/text.hpp"

namespace fibercheck::cli {

namespace {

constexpr std::chrono::milliseconds kRedrawEvery{100};

}  // namespace

std::string progress_text(const Progress& p) {
  return cat("fibercheck: ", p.suite, " (suite ", num(p.suite_number), " of ", num(p.suites),
             "): ", num(p.done), " of ", num(p.asked), " cases, ", num(p.all_done), " of ",
             num(p.all_asked), " in all, ", num(p.failures), " failed");
}

ProgressLine::ProgressLine(bool wanted, bool forced)
    : enabled_(forced || (wanted && ::isatty(STDERR_FILENO) == 1)) {}

void ProgressLine::update(const Progress& p) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (ever_drawn_ && now - last_ < kRedrawEvery) return;
  last_ = now;
  ever_drawn_ = visible_ = true;
  // Carriage return, the line, then erase whatever a longer earlier line left.
  std::fprintf(stderr, "\r%s\x1b[K", progress_text(p).c_str());
  std::fflush(stderr);
}

void ProgressLine::clear() {
  if (!visible_) return;
  std::fputs("\r\x1b[K", stderr);
  std::fflush(stderr);
  visible_ = false;
}

}  // namespace fibercheck::cli
