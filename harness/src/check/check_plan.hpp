// check_plan.hpp: how many cases a check runs, in which shard, under which time
// budget, and how it says it was cut short: what check() and check_kind() share.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "fibercheck/harness/check.hpp"

namespace fibercheck::harness {

// The shard a check runs: CheckOptions::shard, else FIBERCHECK_SHARD (anywhere),
// else GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX outside a GoogleTest test. Inside a
// test GoogleTest's variables leave the whole sequence: GoogleTest runs each test in
// one shard only, so splitting its cases again would leave the other shards' share
// unrun. Throws std::invalid_argument on a bad shard.
[[nodiscard]] Shard shard_for(const CheckOptions& opt, const std::string& test);

// "shard 2 of 3" for Shard{1, 3}: numbered from 1, as GoogleTest prints it.
[[nodiscard]] std::string shard_text(Shard s);

// How many of the sequence's first `cases` cases shard `s` runs (case k is shard
// k mod N's).
[[nodiscard]] std::uint64_t cases_in_shard(std::uint64_t cases, Shard s) noexcept;

// A check's time budget: seconds (0: none) and where they came from.
class Budget {
 public:
  explicit Budget(const CheckOptions& opt);
  [[nodiscard]] bool spent() const;
  [[nodiscard]] double seconds() const noexcept { return seconds_; }
  // "FIBERCHECK_TIME_BUDGET=2" or "CheckOptions::time_budget_seconds = 0.5".
  [[nodiscard]] const std::string& source() const noexcept { return source_; }

 private:
  double seconds_ = 0;
  std::string source_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

// "fibercheck: check 'X' stopped by FIBERCHECK_TIME_BUDGET=2 after 123 of 500 cases"
// (r.out_of_time), printed and kept in CheckResult::partial.
[[nodiscard]] std::string partial_line(const CheckResult& r, const Budget& b);

// Ends a check: prints the partial line, if any, to stderr (a check cut short is
// never silent), and tells the observer (gtest.hpp records it in the test's XML).
void finish_check(const CheckResult& r);

}  // namespace fibercheck::harness
