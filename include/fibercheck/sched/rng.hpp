// rng.hpp: the one random source behind every seeded decision in fibercheck.
//
// SplitMix64: tiny, fast, and its output is fully specified, so a seed means the
// same interleaving on every standard library (std::uniform_int_distribution is not
// portable: its output differs between standard libraries). Indices come from the raw
// 64-bit output by multiply-shift.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fibercheck/config.hpp"

namespace fibercheck::sched {

class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0) noexcept : state_(seed) {}

  std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // A value in [0, n); n must be at least 1.
  std::size_t below(std::size_t n) noexcept {
    return static_cast<std::size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

 private:
  std::uint64_t state_;
};

// Mixes v into a running 64-bit hash; used for trace hashes.
[[nodiscard]] constexpr std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xBF58476D1CE4E5B9ull;
  return h ^ (h >> 29);
}

}  // namespace fibercheck::sched
