// text.hpp: joining message text without `"literal" + temporary` chains, which
// GCC 12 at -O3 misreads as overlapping copies (-Wrestrict) under -Werror.
#pragma once

#include <cstdint>
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

// At most 40 characters of what the user typed, so a message never echoes a huge value.
[[nodiscard]] inline std::string_view shown(std::string_view text) { return text.substr(0, 40); }

}  // namespace fibercheck::cli
