// case_line.hpp: a case as one versioned line, for failure messages and replay.
//
//   fibercheck-case v1 strategy=random seed=42 cancel=17 max-steps=20000 trace=9f3a01c2d4e5f607
//   topology=fc1 pipe(gen{n=2},leak-recv-nil)
//
// The topology comes last so its text needs no quoting.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "explore/runner.hpp"

namespace fibercheck::harness {

[[nodiscard]] std::string case_line(const CaseSpec& c, const CaseOutcome* produced = nullptr);

// The fields every case line starts with: "fibercheck-case v1 strategy=... cancel=...
// max-steps=N", shared by topology cases and check()'s root cases (check_case.hpp).
[[nodiscard]] std::string case_line_schedule(const sched::StrategySpec& strategy,
                                             std::optional<std::uint64_t> cancel_step,
                                             bool cancel_when_idle, std::uint64_t max_steps);

// The schedule fields of a case line, shared by topology cases and check()'s root cases.
struct CaseSchedule {
  sched::StrategySpec strategy;
  std::optional<std::uint64_t> cancel_step;
  bool cancel_when_idle = true;
  std::uint64_t max_steps = 0;
  std::optional<std::uint64_t> trace_hash;
};

// A case's schedule fields and back; CaseSpec and RootCase (check_case.hpp) name them alike.
template <class Case>
CaseSchedule schedule_of(const Case& c) {
  return {c.strategy, c.cancel_step, c.cancel_when_idle, c.max_steps, std::nullopt};
}
template <class Case>
void set_schedule(Case& c, CaseSchedule&& s) {
  c.strategy = std::move(s.strategy);
  c.cancel_step = s.cancel_step;
  c.cancel_when_idle = s.cancel_when_idle;
  c.max_steps = s.max_steps;
}

// What a case line's own key (one that is not a schedule field) turned out to be.
enum class CaseKey {
  last,     // the key that ends the line; its handler took the rest of the line
  unknown,  // not a key of this kind of case line
};
// Called with a key that is not a schedule field, the line from its value on, and the
// columns of the key and of the value.
using CaseKeyHandler = std::function<CaseKey(const std::string& key, std::string_view rest,
                                             std::size_t key_col, std::size_t value_col)>;

// Walks "fibercheck-case v1 key=value ...": the schedule fields fill `s` (given its
// defaults); any other key goes to `own`, until it takes the rest of the line. Throws
// ParseError (text_form.hpp) with the column and what was expected: `last_key` is named
// among the keys, and `last_form` (e.g. "topology=fc1 ...") is expected at the end.
void parse_case_fields(std::string_view line, CaseSchedule& s, std::string_view last_key,
                       std::string_view last_form, const CaseKeyHandler& own);

struct ParsedCase {
  CaseSpec spec;
  std::optional<std::uint64_t> trace_hash;  // what the case produced when it was printed
};

// Parses a case line; throws ParseError (text_form.hpp) with the column and what
// was expected.
[[nodiscard]] ParsedCase parse_case(std::string_view line);

}  // namespace fibercheck::harness
