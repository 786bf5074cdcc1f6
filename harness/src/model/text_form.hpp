// text_form.hpp: a topology as one versioned, human-readable line, and back.
//
//   fc1 pipe(gen{n=3},fanout{k=2}(stage),sink)
//
// Grammar: "fc1 " node; node = kind ["{" name "=" integer {"," ...} "}"]
// ["(" node {"," node} ")"]. Omitted parameters take the kind's simplest value; a
// parameter is given at most once; a kind takes as many children as it says
// (`fibercheck kinds`: "pipe{cap=0..16}(1..6 children)").
// A tree has at most 64 levels and 10000 nodes.
// parse(print(t)) == t for every valid topology.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "fibercheck/harness/topology.hpp"

namespace fibercheck::harness {

inline constexpr std::string_view kTextVersion = "fc1";

// A rejection: `column` is 1-based within the text given to parse.
class ParseError : public std::invalid_argument {
 public:
  ParseError(std::size_t column, const std::string& message);
  [[nodiscard]] std::size_t column() const noexcept { return column_; }

 private:
  std::size_t column_;
};

[[nodiscard]] std::string print(const Topology& t);
// The node alone, without the version prefix.
[[nodiscard]] std::string print_node(const Node& n);
// Throws ParseError with the position and what was expected, and the whole token
// found there.
[[nodiscard]] Topology parse(std::string_view text);
// The same for a topology that starts at column `first_column` of a longer line (a
// case line): every column, the ParseError's and those its message names, counts
// from the start of that line.
[[nodiscard]] Topology parse(std::string_view text, std::size_t first_column);

// The candidate `word` is most likely a misspelling of: the nearest by edit distance
// (a letter added, dropped, changed or two swapped), if it is near enough to be a
// typo (one edit for a short word, up to a third of its letters); "" otherwise.
[[nodiscard]] std::string nearest_spelling(std::string_view word,
                                           const std::vector<std::string>& candidates);
// "; did you mean 'sink'?" when nearest_spelling finds one, else "".
[[nodiscard]] std::string did_you_mean(std::string_view word,
                                       const std::vector<std::string>& candidates);

}  // namespace fibercheck::harness
