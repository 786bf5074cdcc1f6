// shard_spec.hpp: the one reader of a shard written "I/N" ("2/3" is shard 2 of 3,
// counting from 1 as GoogleTest prints shards), shared by `fibercheck run --shard`
// and the FIBERCHECK_SHARD variable check() reads. It says what is wrong with a
// value without wording it, so each caller names its own option or variable.
#pragma once

#include <cstdint>
#include <string_view>

#include "util/numbers.hpp"

namespace fibercheck::shard_spec {

// The most shards a run may be split into.
inline constexpr std::uint64_t kMaxShards = 1'000'000;

enum class Problem {
  none,
  no_slash,            // "3": not I/N at all
  not_a_number,        // "a/b", "1/", "-1/3": a part is no whole number
  total_out_of_range,  // "1/0", or more than kMaxShards shards
  index_zero,          // "0/3": shards count from 1
  index_above_total,   // "4/3": there is no such shard
};

struct Spec {
  std::uint64_t number = 0;  // I: from 1 to total when ok
  std::uint64_t total = 0;   // N
  Problem problem = Problem::no_slash;
  [[nodiscard]] bool ok() const noexcept { return problem == Problem::none; }
  // The shard's index counting from 0 (as GTEST_SHARD_INDEX counts), when ok.
  [[nodiscard]] std::uint64_t index() const noexcept { return number - 1; }
};

// All of `text` as I/N with 1 <= I <= N <= kMaxShards. The first problem found is
// reported, in this order: no '/', a part that is no whole number, N out of range,
// I zero, I above N (`number` and `total` hold what was read so far).
[[nodiscard]] inline Spec parse(std::string_view text) noexcept {
  Spec s;
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return s;
  const numbers::Whole i = numbers::parse_whole(text.substr(0, slash));
  const numbers::Whole n = numbers::parse_whole(text.substr(slash + 1));
  if (!i.ok() || !n.ok()) {
    s.problem = Problem::not_a_number;
    return s;
  }
  s.number = i.value;
  s.total = n.value;
  if (n.value == 0 || n.value > kMaxShards)
    s.problem = Problem::total_out_of_range;
  else if (i.value == 0)
    s.problem = Problem::index_zero;
  else if (i.value > n.value)
    s.problem = Problem::index_above_total;
  else
    s.problem = Problem::none;
  return s;
}

}  // namespace fibercheck::shard_spec
