// junit.hpp: a JUnit XML report of a `fibercheck run`, in the form CI servers
// read (Jenkins, GitLab, GitHub test reporters, and GoogleTest's own output):
//
//   <testsuites ...><testsuite name="fibercheck" ...>
//     <properties><property name="seed" value="1"/> ...</properties>
//     <testcase classname="fibercheck.run" name="cancellation" time="0.125">
//       <properties>... cases run and asked ...</properties>
//       <failure message="...">the report, with the case line and its replay</failure>
//       <skipped message="PARTIAL: ..."/>          (cut short, and no failure)
//       <system-out>...</system-out>
//     </testcase> ...
//
// Text is escaped for XML 1.0: markup characters become entities, and what XML
// cannot carry at all (control characters other than tab, newline and carriage
// return, bytes that are not UTF-8) is written visibly as \xNN.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fibercheck::cli {

using Properties = std::vector<std::pair<std::string, std::string>>;

struct JUnitFailure {
  std::string message;  // one line
  std::string type;
  std::string text;  // the whole report
};

struct JUnitCase {
  std::string classname;
  std::string name;
  double seconds = 0;
  Properties properties;
  std::optional<JUnitFailure> failure;
  std::optional<std::string> skipped;  // why the case did less than asked
  std::string system_out;
};

struct JUnitSuite {
  std::string name;
  double seconds = 0;
  std::string timestamp;  // ISO 8601 in UTC, e.g. 2026-12-07T00:14:09
  Properties properties;
  std::vector<JUnitCase> cases;
};

// `text` escaped for XML 1.0 character data (`attribute` false) or a double-quoted
// attribute value (`attribute` true, where tab and line ends are escaped too, so
// that a parser's attribute normalisation keeps them).
[[nodiscard]] std::string xml_escaped(std::string_view text, bool attribute);

// The whole document, with one <testsuite>.
[[nodiscard]] std::string junit_xml(const JUnitSuite& suite);

// The current time in UTC as JUnit's timestamp (no zone suffix, which the JUnit
// schema does not allow).
[[nodiscard]] std::string junit_timestamp();

}  // namespace fibercheck::cli
