// text.hpp: building the tool's messages: joining text without `"literal" +
// temporary` chains, which GCC 12 at -O3 misreads as overlapping copies
// (-Wrestrict) under -Werror, and printf into a string.
#pragma once

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace fibercheck::cli {

// The parts (strings, string_views, C strings) one after another.
template <class... Parts>
[[nodiscard]] std::string cat(const Parts&... parts) {
  std::string out;
  ((out += parts), ...);
  return out;
}

// std::to_string for the unsigned counts the tool prints.
[[nodiscard]] inline std::string num(std::uint64_t n) { return std::to_string(n); }

// printf into a string.
[[gnu::format(printf, 1, 2)]] inline std::string formatted(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list again;
  va_copy(again, args);
  const int n = std::vsnprintf(nullptr, 0, fmt, args);
  va_end(args);
  std::string out(n > 0 ? static_cast<std::size_t>(n) : 0, '\0');
  std::vsnprintf(out.data(), out.size() + 1, fmt, again);
  va_end(again);
  return out;
}

// At most 40 characters of what the user typed, so a message never echoes a huge value.
[[nodiscard]] inline std::string_view shown(std::string_view text) { return text.substr(0, 40); }

}  // namespace fibercheck::cli
