// symbolize.hpp (internal): raw return addresses captured on a fiber's stack, and
// turning them into function, file and line when a census asks (never on a hot path).
//
// Names come from GCC's libbacktrace where the build found it: it reads the DWARF of
// every loaded object and reports each inlined level of one address, which is what
// names a Boost channel's pop and the user's line that called it (both inlined into one
// function). Without it, dladdr names the enclosing exported symbol only.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace fibercheck::detail {

// One level of a return address: a function, and where in it the call is. An address
// inside inlined code has several, innermost first.
struct SourceLevel {
  std::string function;  // demangled, with its argument list; "" when unknown
  std::string file;      // "" when unknown (no debug information)
  unsigned line = 0;
  // Boost, the standard library or fibercheck's own runtime: not the program's code.
  bool internal = false;
};

// Fills `out` with up to `max` return addresses of the caller's stack, the caller's
// own caller first, `skip` more frames left out. Costs about 0.2-0.5 us a frame (the
// unwinder finds each frame's unwind table entry).
std::size_t capture_stack(const void** out, std::size_t max, std::size_t skip = 0) noexcept;

// True for an address inside libboost_fiber.so's code.
[[nodiscard]] bool in_boost_fiber_library(const void* pc) noexcept;

// Every level of return address `ret`, innermost first; empty when nothing is known.
// Cached by address; safe from any thread.
[[nodiscard]] std::vector<SourceLevel> symbolize(const void* ret);

// "f(int&)" -> "f"; "ns::C<int>::m<Pred>(A, B) const" -> "ns::C<int>::m": the name
// without its argument list, qualifiers or the function's own template arguments.
[[nodiscard]] std::string bare_function_name(const std::string& fn);

}  // namespace fibercheck::detail
