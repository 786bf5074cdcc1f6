// check_names.hpp: what check() and check_kind() calls are named, and whether the
// line in FIBERCHECK_REPLAY found the check it was printed for.
//
// A name must survive edits that do not touch the check, so it holds no line number:
//   inside a GoogleTest test   "Suite.Test" for the first check call site the test
//                              reaches, "Suite.Test#2" for the second, and so on;
//   outside a test             "<file>:<function>", with the same ordinal among the
//                              call sites reached in that function.
// Call sites, not calls, are counted: a check in a loop or in a RapidCheck property
// keeps one name however often it runs, so a replay line finds it again (with
// RC_PARAMS reproduce=, in the one run that failed).
//
// Every check notes its name here. When FIBERCHECK_REPLAY is set and, at the end of
// the process, no check took the line (replayed it, or rejected it as malformed), the
// exit check prints which checks the process reached and exits non-zero: a replay
// line that matches nothing must not pass silently.
#pragma once

#include <optional>
#include <string>

#include "fibercheck/harness/check.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck::harness {

struct CheckIdentity {
  std::string name;  // what replay lines call the check
  std::string site;  // "file:line" of the call: a hint in reports, not part of the name
  std::string test;  // "Suite.Test" inside a GoogleTest test, else ""
};

// Names the check called at `site` (`explicit_name` when not empty) and notes it.
[[nodiscard]] CheckIdentity identify_check(const std::string& explicit_name,
                                           const source_location& site);

// `name` as one word: case lines carry it between spaces and shell quotes.
[[nodiscard]] std::string name_token(std::string name);

// Whether `line` is a tree case line (topology=, for check_kind or `fibercheck
// replay`) rather than a root case line (root=, for check()).
[[nodiscard]] bool is_tree_case_line(const std::string& line);

// A check took `line`: it replayed it, or failed because it is malformed.
void note_replay_taken(const std::string& line);

// When FIBERCHECK_REPLAY is set and no check took it: what to print (the checks
// reached, the one the line's name is close to, the hint of set_replay_hint).
// nullopt otherwise.
[[nodiscard]] std::optional<std::string> unmatched_replay_message();

// Registers (once) the exit check: at exit, an unmatched replay line prints
// unmatched_replay_message() and ends the process with status 1.
void arm_replay_exit_check();

// The unmatched line was reported another way (a failed GoogleTest test): the exit
// check stays quiet.
void settle_replay();

// Adds a likely cause to the message ("--gtest_filter=... selected no test").
using ReplayHintFn = std::string (*)();
void set_replay_hint(ReplayHintFn fn) noexcept;

// gtest.hpp reaches the functions above through fibercheck::detail (check.hpp):
// its hooks are inline, for binaries that include it without linking
// fibercheck::gtest.

// How close two names are: the edit distance (insertions, deletions, substitutions).
[[nodiscard]] std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace fibercheck::harness
