// source_location.hpp: fibercheck::source_location, the call site that spawn sites and
// check names report: a default argument `loc = source_location::current()` is the
// caller's file, line and function, as with std::source_location.
//
// fibercheck's own class rather than std::source_location: clang 14 with GCC's
// libstdc++ (Debian 12's clang++) has no std::source_location (libstdc++'s needs a
// compiler builtin that clang 14 lacks), while the compiler builtins used here exist in
// GCC and clang alike. The class is also the same whichever compiler built fibercheck,
// so a library built with one links with code compiled by the other. A
// std::source_location converts to it where the standard library has one.
#pragma once

#include <cstdint>
#include <version>

#include "fibercheck/config.hpp"

#if defined(__cpp_lib_source_location)
#include <source_location>
#endif

namespace fibercheck {

class source_location {
 public:
  // The location of the call, or of the call whose default argument this is.
  [[nodiscard]] static constexpr source_location current(
      const char* file = __builtin_FILE(), const char* function = __builtin_FUNCTION(),
      std::uint_least32_t line = __builtin_LINE()) noexcept {
    source_location l;
    l.file_ = file;
    l.function_ = function;
    l.line_ = line;
    return l;
  }

  constexpr source_location() noexcept = default;
#if defined(__cpp_lib_source_location)
  constexpr source_location(const std::source_location& l) noexcept  // NOLINT: implicit
      : file_(l.file_name()), function_(l.function_name()), line_(l.line()) {}
#endif

  [[nodiscard]] constexpr const char* file_name() const noexcept { return file_; }
  // The function's name as the compiler's __builtin_FUNCTION() gives it ("main").
  [[nodiscard]] constexpr const char* function_name() const noexcept { return function_; }
  [[nodiscard]] constexpr std::uint_least32_t line() const noexcept { return line_; }

 private:
  const char* file_ = "";
  const char* function_ = "";
  std::uint_least32_t line_ = 0;
};

}  // namespace fibercheck
