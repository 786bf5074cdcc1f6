// The environment check() reads: sharding (FIBERCHECK_SHARD and GoogleTest's variables),
// RC_PARAMS, FIBERCHECK_TIME_BUDGET, and the test-name hook.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>

#include "check/check_plan.hpp"
#include "fibercheck/harness/check.hpp"
#include "fibercheck/sched/rng.hpp"
#include "util/numbers.hpp"
#include "util/shard_spec.hpp"

namespace fibercheck {

namespace {

std::optional<std::uint64_t> env_number(const char* var) {
  const char* v = std::getenv(var);
  if (v == nullptr || *v == '\0') return std::nullopt;
  const std::string s(v);
  const numbers::Whole n = numbers::parse_whole(s);
  if (!n.ok())
    throw std::invalid_argument(std::string(var) + "='" + s.substr(0, 40) +
                                "' is not a whole number below 2^64");
  return n.value;
}

std::uint64_t rc_number(const std::string& key, const std::string& v) {
  const numbers::Whole n = numbers::parse_whole(v);
  if (n.problem == numbers::Problem::too_large)
    throw std::invalid_argument("RC_PARAMS: " + key + " is not below 2^64");
  if (!n.ok())
    throw std::invalid_argument("RC_PARAMS: " + key + "='" + v.substr(0, 40) +
                                "' is not a whole number (RC_PARAMS=\"seed=42 max_success=200\")");
  return n.value;
}

// RC_PARAMS as key=value pairs separated by spaces; quoted values are kept whole.
std::vector<std::pair<std::string, std::string>> rc_pairs(const std::string& s) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    if (i >= s.size()) break;
    const std::size_t eq = s.find('=', i);
    const std::size_t sp = s.find(' ', i);
    if (eq == std::string::npos || (sp != std::string::npos && sp < eq)) {
      out.emplace_back(s.substr(i, sp == std::string::npos ? std::string::npos : sp - i), "");
      i = sp == std::string::npos ? s.size() : sp;
      continue;
    }
    std::string key = s.substr(i, eq - i), value;
    std::size_t j = eq + 1;
    const bool quoted = j < s.size() && s[j] == '"';
    if (quoted) ++j;
    for (; j < s.size(); ++j) {
      if (quoted ? s[j] == '"' : s[j] == ' ') break;
      if (s[j] == '\\' && j + 1 < s.size()) ++j;
      value += s[j];
    }
    if (quoted && j < s.size()) ++j;
    out.emplace_back(std::move(key), std::move(value));
    i = j;
  }
  return out;
}

detail::TestNameFn g_test_name = nullptr;
detail::CheckObserverFn g_check_observer = nullptr;

}  // namespace

Shard shard_from_env() {
  const auto total = env_number("GTEST_TOTAL_SHARDS");
  const auto index = env_number("GTEST_SHARD_INDEX");
  if (!total && !index) return {};
  if (!total || !index)
    throw std::invalid_argument(
        "GTEST_TOTAL_SHARDS and GTEST_SHARD_INDEX must be set together (found only " +
        std::string(total ? "GTEST_TOTAL_SHARDS" : "GTEST_SHARD_INDEX") + ")");
  if (*total == 0 || *index >= *total)
    throw std::invalid_argument("GTEST_SHARD_INDEX=" + std::to_string(*index) +
                                " must be below GTEST_TOTAL_SHARDS=" + std::to_string(*total) +
                                " (and the total at least 1)");
  return {*index, *total};
}

namespace {

// Why FIBERCHECK_SHARD='value' was turned away, and how to write it.
std::string fibercheck_shard_problem(const std::string& value, const shard_spec::Spec& spec) {
  const std::string shown = "FIBERCHECK_SHARD='" + value.substr(0, 40) + "'";
  const std::string n = std::to_string(spec.total);
  std::string why;
  switch (spec.problem) {
    case shard_spec::Problem::none:
      return {};
    case shard_spec::Problem::no_slash:
    case shard_spec::Problem::not_a_number:
      why = " is not I/N";
      break;
    case shard_spec::Problem::total_out_of_range:
      why = " asks for ";
      why += n;
      why += " shards; N is 1 to ";
      why += std::to_string(shard_spec::kMaxShards);
      break;
    case shard_spec::Problem::index_zero:
      why = ": shards count from 1, as GoogleTest prints them; the first of ";
      why += n;
      why += " is FIBERCHECK_SHARD=1/";
      why += n;
      break;
    case shard_spec::Problem::index_above_total:
      why = ": there is no shard ";
      why += std::to_string(spec.number);
      why += " of ";
      why += n;
      why += "; I is 1 to ";
      why += n;
      break;
  }
  std::string message = shown;
  message += why;
  message +=
      " (write FIBERCHECK_SHARD=I/N, this process's shard I of N counting from 1, e.g. "
      "FIBERCHECK_SHARD=2/3 for the second of 3; unset it to run every case)";
  return message;
}

}  // namespace

std::optional<Shard> shard_from_fibercheck_env() {
  const char* v = std::getenv("FIBERCHECK_SHARD");
  if (v == nullptr || *v == '\0') return std::nullopt;
  const std::string value(v);
  const shard_spec::Spec spec = shard_spec::parse(value);
  if (!spec.ok()) throw std::invalid_argument(fibercheck_shard_problem(value, spec));
  return Shard{spec.index(), spec.total};
}

std::uint64_t case_seed(std::uint64_t base_seed, std::uint64_t index) noexcept {
  // SplitMix64's output is a bijection of its state, and the state steps by an odd
  // constant, so distinct indices give distinct seeds: shards never share one.
  return sched::Rng(base_seed + index * 0x9E3779B97F4A7C15ull).next();
}

double time_budget_from_env() {
  const char* v = std::getenv("FIBERCHECK_TIME_BUDGET");
  if (v == nullptr || *v == '\0') return 0;
  const numbers::Seconds t = numbers::parse_seconds(v);
  if (!t.ok)
    throw std::invalid_argument(std::string("FIBERCHECK_TIME_BUDGET='") +
                                std::string(v).substr(0, 40) +
                                "' is not a number of seconds (say FIBERCHECK_TIME_BUDGET=30 or "
                                "FIBERCHECK_TIME_BUDGET=0.5)");
  return t.value;
}

RcParams rc_params_from_env() {
  RcParams p;
  const char* v = std::getenv("RC_PARAMS");
  if (v == nullptr) return p;
  for (const auto& [key, value] : rc_pairs(v)) {
    if (key == "seed") p.seed = rc_number(key, value);
    if (key == "max_success") p.max_success = rc_number(key, value);
  }
  return p;
}

void shard_rc_params() {
  const Shard shard = shard_from_env();
  if (shard.total <= 1) return;
  const char* v = std::getenv("RC_PARAMS");
  std::string kept;
  std::optional<std::uint64_t> seed;
  for (const auto& [key, value] : rc_pairs(v ? v : "")) {
    if (key == "seed") {
      seed = rc_number(key, value);
      continue;
    }
    std::string quoted;
    for (char c : value)
      quoted += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    kept += (kept.empty() ? "" : " ") + key + "=\"" + quoted + "\"";
  }
  if (!seed) seed = (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  const std::uint64_t mixed = case_seed(*seed, shard.index);
  const std::string params = kept + (kept.empty() ? "" : " ") + "seed=" + std::to_string(mixed);
  std::fprintf(stderr, "fibercheck: %s: RapidCheck seed %llu (from base seed %llu)\n",
               harness::shard_text(shard).c_str(), static_cast<unsigned long long>(mixed),
               static_cast<unsigned long long>(*seed));
  setenv("RC_PARAMS", params.c_str(), 1);
}

namespace detail {

void set_test_name_provider(TestNameFn fn) noexcept { g_test_name = fn; }

std::string current_test_name() { return g_test_name ? g_test_name() : std::string(); }

void set_check_observer(CheckObserverFn fn) noexcept { g_check_observer = fn; }

}  // namespace detail

namespace harness {

namespace {

// CheckOptions::shard, else FIBERCHECK_SHARD (in any context), else, outside a
// GoogleTest test, GTEST_TOTAL_SHARDS / GTEST_SHARD_INDEX; else the whole sequence.
Shard chosen_shard(const CheckOptions& opt, const std::string& test) {
  if (opt.shard) return *opt.shard;
  if (const std::optional<Shard> s = shard_from_fibercheck_env()) return *s;
  return test.empty() ? shard_from_env() : Shard{};
}

}  // namespace

Shard shard_for(const CheckOptions& opt, const std::string& test) {
  const Shard s = chosen_shard(opt, test);
  if (s.total == 0 || s.index >= s.total)
    throw std::invalid_argument("fibercheck: CheckOptions::shard index " + std::to_string(s.index) +
                                " must be below its total " + std::to_string(s.total) +
                                " (the index counts from 0, as GTEST_SHARD_INDEX does)");
  return s;
}

std::string shard_text(Shard s) {
  std::string t = "shard ";
  t += std::to_string(s.index + 1);
  t += " of ";
  t += std::to_string(s.total);
  return t;
}

std::uint64_t cases_in_shard(std::uint64_t cases, Shard s) noexcept {
  if (s.total == 0 || s.index >= cases) return 0;
  return (cases - s.index - 1) / s.total + 1;
}

Budget::Budget(const CheckOptions& opt) {
  if (opt.time_budget_seconds > 0) {
    seconds_ = opt.time_budget_seconds;
    std::ostringstream os;
    os << "CheckOptions::time_budget_seconds = " << seconds_;
    source_ = os.str();
    return;
  }
  seconds_ = time_budget_from_env();
  if (seconds_ > 0) {
    source_ = "FIBERCHECK_TIME_BUDGET=";
    source_ += std::getenv("FIBERCHECK_TIME_BUDGET");
  }
}

bool Budget::spent() const {
  return seconds_ > 0 &&
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count() >
             seconds_;
}

std::string partial_line(const CheckResult& r, const Budget& b) {
  std::string s = "fibercheck: check '";
  s += r.name;
  s += "' stopped by ";
  s += b.source();
  s += " after ";
  s += std::to_string(r.cases_run);
  s += " of ";
  s += std::to_string(r.cases_asked);
  s += " cases";
  if (r.shard.total > 1) {
    s += " (";
    s += shard_text(r.shard);
    s += ")";
  }
  return s;
}

void finish_check(const CheckResult& r) {
  if (!r.partial.empty()) std::fprintf(stderr, "%s\n", r.partial.c_str());
  if (g_check_observer) g_check_observer(r);
}

}  // namespace harness

}  // namespace fibercheck
