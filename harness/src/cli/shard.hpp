// shard.hpp: which part of a run's cases this process runs. N processes given
// shards 1/N .. N/N run, together, exactly the cases one unsharded process runs:
// shard I takes the cases whose index k has k mod N == I - 1, with the seeds the
// unsharded run gives them. Shards are numbered as GoogleTest prints them ("shard 2
// of 3", counting from 1); its environment variables (GTEST_SHARD_INDEX counts
// from 0) are honoured when --shard is not given.
#pragma once

#include <cstdint>
#include <string>

#include "cli/command_line.hpp"

namespace fibercheck::cli {

struct Shard {
  std::uint64_t index = 0;  // from 0, as GTEST_SHARD_INDEX counts
  std::uint64_t total = 1;
  std::string origin;  // "--shard 2/3", "GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=3", "" unsharded
  bool from_environment = false;  // chosen by GoogleTest's variables

  [[nodiscard]] bool sharded() const noexcept { return !origin.empty(); }
  // The first case index this shard takes, and the step to the next one.
  [[nodiscard]] std::uint64_t first() const noexcept { return index; }
  [[nodiscard]] std::uint64_t step() const noexcept { return total; }
  // How many of the case indices 0 .. cases-1 this shard takes.
  [[nodiscard]] std::uint64_t share_of(std::uint64_t cases) const noexcept {
    return cases > index ? (cases - index - 1) / total + 1 : 0;
  }
  // "shard 2 of 3".
  [[nodiscard]] std::string label() const;
  // For a run's header: the label, and the variables when they chose the shard
  // ("shard 2 of 3 (GTEST_SHARD_INDEX=1 GTEST_TOTAL_SHARDS=3)").
  [[nodiscard]] std::string described() const;
};

// The value of --shard ("I/N", I from 1 to N); throws UsageError naming the mistake.
[[nodiscard]] Shard parse_shard_option(const std::string& value);

// GTEST_TOTAL_SHARDS and GTEST_SHARD_INDEX, as GoogleTest reads them: both unset (or
// empty) means unsharded; throws UsageError for one without the other, a value that
// is no whole number, or an index not below the total.
[[nodiscard]] Shard shard_from_gtest_env();

// The shard `app` runs: its --shard, else the GoogleTest variables.
[[nodiscard]] Shard chosen_shard(const CLI::App& app);

// Creates the file GTEST_SHARD_STATUS_FILE names, if it is set, as a GoogleTest
// binary does to tell its runner that it understands sharding; throws UsageError
// when the file cannot be written.
void touch_shard_status_file();

}  // namespace fibercheck::cli
