// parse_target.hpp: what the parser fuzzers check on every input.
//
// The input is handed to both parsers (the case line and the topology text form).
// Each must either accept it or throw ParseError naming a column inside the input
// (1 to size + 1) and what it expected; nothing else may escape. What is accepted
// must print back to text that parses to the same value. A broken rule aborts, so
// libFuzzer and the replay driver both report it as a crash with the input saved.
#pragma once

#include <string_view>

namespace fibercheck::fuzz {

void check_parsers(std::string_view input);

}  // namespace fibercheck::fuzz
