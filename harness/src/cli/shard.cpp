#include "cli/shard.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "cli/text.hpp"
#include "util/numbers.hpp"
#include "util/shard_spec.hpp"

namespace fibercheck::cli {

namespace {

constexpr std::uint64_t kMaxShards = shard_spec::kMaxShards;

// The variable's whole number, or nothing when it is unset or empty.
std::optional<std::uint64_t> env_whole(const char* var) {
  const char* v = std::getenv(var);
  if (v == nullptr || *v == '\0') return std::nullopt;
  const numbers::Whole w = numbers::parse_whole(v);
  if (!w.ok())
    throw UsageError(cat(var, "='", shown(v),
                         "' is not a whole number; GoogleTest's sharding variables are whole "
                         "numbers (GTEST_SHARD_INDEX counts from 0)"));
  return w.value;
}

}  // namespace

std::string Shard::label() const { return cat("shard ", num(index + 1), " of ", num(total)); }

std::string Shard::described() const {
  return from_environment ? cat(label(), " (", origin, ")") : label();
}

Shard parse_shard_option(const std::string& value) {
  const shard_spec::Spec spec = shard_spec::parse(value);
  const std::uint64_t i = spec.number, n = spec.total;
  switch (spec.problem) {
    case shard_spec::Problem::none:
      break;
    case shard_spec::Problem::no_slash:
      throw UsageError(cat("option --shard: '", shown(value),
                           "' is not I/N; expected e.g. 2/3 for the second of 3 shards"));
    case shard_spec::Problem::not_a_number:
      throw UsageError(cat("option --shard: '", shown(value),
                           "' is not I/N; write the shard and the number of shards as whole "
                           "numbers, e.g. 2/3 for the second of 3"));
    case shard_spec::Problem::total_out_of_range:
      throw UsageError(cat("option --shard: ", shown(value), " asks for ", num(n),
                           " shards; expected 1 to ", num(kMaxShards)));
    case shard_spec::Problem::index_zero:
      throw UsageError(cat("option --shard: ", shown(value),
                           ": shards count from 1, as GoogleTest prints them (shard 1 of ", num(n),
                           " to shard ", num(n), " of ", num(n), "); write 1/", num(n),
                           " for the first"));
    case shard_spec::Problem::index_above_total:
      throw UsageError(cat("option --shard: ", shown(value), ": there is no shard ", num(i), " of ",
                           num(n), "; expected 1/", num(n), " to ", num(n), "/", num(n)));
  }
  Shard s;
  s.index = spec.index();
  s.total = n;
  s.origin = cat("--shard ", value);
  return s;
}

Shard shard_from_gtest_env() {
  const std::optional<std::uint64_t> total = env_whole("GTEST_TOTAL_SHARDS");
  const std::optional<std::uint64_t> index = env_whole("GTEST_SHARD_INDEX");
  if (!total && !index) return {};
  if (!total || !index)
    throw UsageError(cat("GTEST_TOTAL_SHARDS and GTEST_SHARD_INDEX go together, but only ",
                         total ? "GTEST_TOTAL_SHARDS" : "GTEST_SHARD_INDEX",
                         " is set; set both, or neither to run every case"));
  if (*total == 0 || *total > kMaxShards || *index >= *total)
    throw UsageError(cat("GTEST_SHARD_INDEX=", num(*index),
                         " must be below GTEST_TOTAL_SHARDS=", num(*total),
                         " (the index counts from 0; the total is 1 to ", num(kMaxShards), ")"));
  Shard s;
  s.index = *index;
  s.total = *total;
  s.origin = cat("GTEST_SHARD_INDEX=", num(*index), " GTEST_TOTAL_SHARDS=", num(*total));
  s.from_environment = true;
  return s;
}

Shard chosen_shard(const CLI::App& app) {
  if (const std::optional<std::string> value = text(app, "--shard"))
    return parse_shard_option(*value);
  return shard_from_gtest_env();
}

void touch_shard_status_file() {
  const char* path = std::getenv("GTEST_SHARD_STATUS_FILE");
  if (path == nullptr || *path == '\0') return;
  std::FILE* f = std::fopen(path, "w");
  if (f == nullptr || std::fclose(f) != 0)
    throw UsageError(cat("cannot write GTEST_SHARD_STATUS_FILE='",
                         std::string_view(path).substr(0, 200), "': ", std::strerror(errno),
                         "; point it at a writable file or unset it"));
}

}  // namespace fibercheck::cli
