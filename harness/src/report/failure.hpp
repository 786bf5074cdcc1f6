// failure.hpp: what every failing case prints, in this order: what was
// expected, what happened (the verdict, then each fiber once: the lineage report), the case as
// one line, the exact command that replays it. Before printing, the case is run
// a second time; if the two runs disagree, the report says so and shows both.
// With CI set in the environment, the case line is also written to
// $FIBERCHECK_FAILURES_DIR (default fibercheck-failures/), one file per property.
#pragma once

#include <string>

#include "explore/runner.hpp"

namespace fibercheck::harness {

struct FailureReport {
  std::string text;
  std::string line;     // the case line
  std::string ci_file;  // where the case was written, if it was
  bool deterministic = true;
};

// The command the replay line names ("fibercheck replay" unless set; cli_main sets
// it to the binary it runs in, whose registered kinds the case may use).
void set_replay_command(std::string command);

[[nodiscard]] FailureReport report_failure(const std::string& property, const std::string& expected,
                                           const CaseSpec& spec);

}  // namespace fibercheck::harness
