// case_line.hpp: a case as one versioned line, for failure messages and replay.
//
//   fibercheck-case v1 strategy=random seed=42 cancel=17 max-steps=20000 trace=9f3a01c2d4e5f607 topology=fc1 pipe(gen{n=2},leak-recv-nil)
//
// The topology comes last so its text needs no quoting.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runner.hpp"

namespace fibercheck::harness {

[[nodiscard]] std::string case_line(const CaseSpec& c, const CaseOutcome* produced = nullptr);

// The fields every case line starts with: "fibercheck-case v1 strategy=... cancel=...
// max-steps=N", shared by topology cases and check()'s root cases (check_case.hpp).
[[nodiscard]] std::string case_line_schedule(const sched::StrategySpec& strategy,
                                             std::optional<std::uint64_t> cancel_step,
                                             bool cancel_when_idle, std::uint64_t max_steps);

struct ParsedCase {
  CaseSpec spec;
  std::optional<std::uint64_t> trace_hash;  // what the case produced when it was printed
};

// Parses a case line; throws ParseError (text_form.hpp) with the column and what
// was expected.
[[nodiscard]] ParsedCase parse_case(std::string_view line);

}  // namespace fibercheck::harness
