#include "measure.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include "util/numbers.hpp"

namespace bench {

namespace {
ClockKind g_clock = ClockKind::thread_cpu;
}

void use_clock(ClockKind k) noexcept { g_clock = k; }

Stamp stamp() noexcept {
  timespec ts{};
  ::clock_gettime(g_clock == ClockKind::wall ? CLOCK_MONOTONIC : CLOCK_THREAD_CPUTIME_ID, &ts);
  return Stamp{static_cast<std::int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec};
}

double ns_since(Stamp t0) noexcept { return ns_between(t0, stamp()); }

double ns_between(Stamp t0, Stamp t1) noexcept { return static_cast<double>(t1.ns - t0.ns); }

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

std::uint64_t rss_bytes() {
  char buf[128];
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const ssize_t got = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (got <= 0) return 0;
  // statm: size resident shared text lib data dt, in pages.
  const std::string_view statm(buf, static_cast<std::size_t>(got));
  const std::size_t from = statm.find(' ');
  if (from == std::string_view::npos) return 0;
  const std::string_view resident = statm.substr(from + 1, statm.find(' ', from + 1) - from - 1);
  return fibercheck::numbers::parse_whole(resident).value *
         static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

void release_free_memory() { ::malloc_trim(0); }

void require_clean(const fibercheck::Outcome& out, const char* what) {
  if (!out.clean())
    throw std::runtime_error(std::string(what) + ": the run did not finish: " + out.summary());
}

Line& Line::add(const char* key, std::uint64_t value) { return add(key, std::to_string(value)); }

Line& Line::add(const char* key, double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return add(key, std::string(buf));
}

Line& Line::add(const char* key, const std::string& value) {
  text_ += ' ';
  text_ += key;
  text_ += '=';
  text_ += value;
  return *this;
}

Line& Line::add(const char* key, bool value) {
  return add(key, std::string(value ? "true" : "false"));
}

void Line::print() const {
  std::fputs(text_.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace bench
