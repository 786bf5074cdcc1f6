// numbers.hpp: the one strict reader of whole numbers in fibercheck's inputs: the
// tool's options, case lines, environment variables, and the options of the bench
// and fuzz drivers. A whole number is digits and nothing else: no sign, no spaces,
// no "0x", no fraction or exponent, below 2^64. A number too large is told apart
// from text that is no number, so each caller can say which (in its own words).
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

namespace fibercheck::numbers {

enum class Problem { none, not_a_number, too_large };

struct Whole {
  std::uint64_t value = 0;
  Problem problem = Problem::not_a_number;
  [[nodiscard]] bool ok() const noexcept { return problem == Problem::none; }
};

// All of `text` as a whole number in `base` (10, or 16 with digits of either case).
[[nodiscard]] inline Whole parse_whole(std::string_view text, int base = 10) noexcept {
  Whole w;
  // from_chars takes no '+', and no '-' for an unsigned type; a sign is turned away
  // here too, so that no standard library's reading of one can slip through.
  if (text.empty() || text.front() == '+' || text.front() == '-') return w;
  const char* const end = text.data() + text.size();
  std::uint64_t value = 0;
  const auto [stop, ec] = std::from_chars(text.data(), end, value, base);
  if (stop != end) return w;  // not digits all the way (or none at all)
  if (ec == std::errc::result_out_of_range) {
    w.problem = Problem::too_large;
    return w;
  }
  w.value = value;
  w.problem = Problem::none;
  return w;
}

// A duration in seconds, as options and environment variables give them: digits,
// optionally a '.' and more digits ("30", "0.5", "2.25"); no sign, exponent or unit.
struct Seconds {
  double value = 0;
  bool ok = false;
};

[[nodiscard]] inline Seconds parse_seconds(std::string_view text) noexcept {
  Seconds s;
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac =
      dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
  if (whole.empty() && frac.empty()) return s;
  if (dot != std::string_view::npos && frac.empty()) return s;  // "3." is a typo
  const Whole w = whole.empty() ? Whole{0, Problem::none} : parse_whole(whole);
  if (!w.ok() || w.value > 1'000'000'000) return s;
  double fraction = 0, scale = 1;
  for (char c : frac) {
    if (c < '0' || c > '9') return s;
    scale /= 10;
    fraction += (c - '0') * scale;
  }
  s.value = static_cast<double>(w.value) + fraction;
  s.ok = true;
  return s;
}

// A command-line option's value: a whole number from `lo` to `hi`, or the message
// that says what was wrong with `text`, which option, and what to give instead.
struct OptionNumber {
  std::uint64_t value = 0;
  std::string error;  // empty when `value` holds the number
};

[[nodiscard]] inline OptionNumber option_number(std::string_view option, std::string_view text,
                                                std::uint64_t lo, std::uint64_t hi) {
  const std::string name = "option " + std::string(option) + ": ";
  const std::string range = std::to_string(lo) + " to " + std::to_string(hi);
  const std::string shown(text.substr(0, 40));
  const Whole w = parse_whole(text);
  OptionNumber out;
  if (w.problem == Problem::not_a_number) {
    const bool signed_number = text.size() > 1 && (text.front() == '-' || text.front() == '+') &&
                               parse_whole(text.substr(1)).ok();
    out.error = name + "'" + shown + "' is not a whole number" +
                (signed_number ? " (write it without a sign)" : "") + "; expected one from " +
                range;
  } else if (w.problem == Problem::too_large || w.value < lo || w.value > hi) {
    out.error = name + shown + " is out of range; expected " + range;
  } else {
    out.value = w.value;
  }
  return out;
}

}  // namespace fibercheck::numbers
