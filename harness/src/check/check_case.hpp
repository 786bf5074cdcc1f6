// check_case.hpp: one case of check() (a schedule and a cancellation point for a
// root that lives in the user's binary), its one-line form, and its shrinking.
//
//   fibercheck-case v1 strategy=replay choices=0.2 cancel=14 max-steps=200000
//   trace=9f3a01c2d4e5f607 root=Crawler.Ends:12
//
// The same keys as a topology case line (case_line.hpp), with root= last instead
// of topology=: the name of the check() call that replays it.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "fibercheck/run.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck::harness {

struct RootCase {
  sched::StrategySpec strategy;
  std::optional<std::uint64_t> cancel_step;  // none: the completion run
  bool cancel_when_idle = true;
  std::uint64_t max_steps = 200000;
  std::string root;  // the check's name
  // Not in the line: what the check() call that replays it says (CheckOptions).
  std::uint64_t leak_window_steps = 5000;
  std::optional<std::uint64_t> trace_hash;  // what the case produced when printed

  // `trace`: a replay for a report, with the event log and every park's stack.
  [[nodiscard]] RunOptions run_options(std::size_t stack_size, bool trace) const;
};

[[nodiscard]] std::string root_case_line(const RootCase& c);
// Throws ParseError (text_form.hpp) with the column and what was expected.
[[nodiscard]] RootCase parse_root_case(std::string_view line);

using RootFn = std::function<void(Done)>;

// Shrinks a failing case: its recorded choices replayed, then fewest preemptions,
// shortest, smallest; then the cancellation point as early as still fails.
// Every step keeps the failure's signature (signature.hpp: verdict and stuck fibers).
// `runs` counts the runs it took; `reproduced` is false when the case did not fail the
// same way under replay, and the case came back unshrunk.
// `site` is reported as the root fiber's spawn site.
[[nodiscard]] RootCase shrink_root_case(const RootFn& root, const RootCase& failing,
                                        std::size_t stack_size, const source_location& site,
                                        std::size_t* runs = nullptr, bool* reproduced = nullptr);

}  // namespace fibercheck::harness
