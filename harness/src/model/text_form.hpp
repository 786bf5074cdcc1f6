// text_form.hpp: a topology as one versioned, human-readable line, and back.
//
//   fc1 pipe(gen{n=3},fanout{k=2}(stage),sink)
//
// Grammar: "fc1 " node; node = kind ["{" name "=" integer {"," ...} "}"]
// ["(" node {"," node} ")"]. Omitted parameters take the kind's simplest value.
// A tree has at most 64 levels and 10000 nodes.
// parse(print(t)) == t for every valid topology.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

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
// Throws ParseError with the position and what was expected.
[[nodiscard]] Topology parse(std::string_view text);

}  // namespace fibercheck::harness
