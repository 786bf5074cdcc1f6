#include "parse_target.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "model/case_line.hpp"
#include "model/text_form.hpp"

namespace fibercheck::fuzz {

namespace {

[[noreturn]] void broken(const char* rule, std::string_view input, const std::string& detail) {
  std::fprintf(stderr, "parser rule broken: %s\n  input (%zu bytes): %.*s\n  %s\n", rule,
               input.size(), static_cast<int>(std::min<std::size_t>(input.size(), 400)),
               input.data(), detail.c_str());
  std::abort();
}

void check_rejection(const harness::ParseError& e, std::string_view input) {
  const std::string what = e.what();
  if (e.column() < 1 || e.column() > input.size() + 1)
    broken("a rejection names a column inside the input", input, what);
  if (what.find("expected") == std::string::npos)
    broken("a rejection says what was expected", input, what);
}

void check_topology(std::string_view input) {
  harness::Topology t;
  try {
    t = harness::parse(input);
  } catch (const harness::ParseError& e) {
    check_rejection(e, input);
    return;
  }
  const std::string printed = harness::print(t);
  harness::Topology again;
  try {
    again = harness::parse(printed);
  } catch (const harness::ParseError& e) {
    broken("a printed topology parses", input, printed + " -> " + e.what());
  }
  if (!(again == t)) broken("parse(print(t)) == t", input, printed);
}

void check_case(std::string_view input) {
  harness::ParsedCase pc;
  try {
    pc = harness::parse_case(input);
  } catch (const harness::ParseError& e) {
    check_rejection(e, input);
    return;
  }
  // The printed form is canonical: printing what it parses to gives it back.
  const std::string printed = harness::case_line(pc.spec);
  std::string reprinted;
  try {
    reprinted = harness::case_line(harness::parse_case(printed).spec);
  } catch (const harness::ParseError& e) {
    broken("a printed case line parses", input, printed + " -> " + e.what());
  }
  if (reprinted != printed)
    broken("case lines print canonically", input, printed + " vs " + reprinted);
}

}  // namespace

void check_parsers(std::string_view input) {
  check_topology(input);
  check_case(input);
}

}  // namespace fibercheck::fuzz
