// fibercheck replay: reruns one case line exactly and prints its verdict and
// report; says plainly when the trace differs from the one the line recorded.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "cli/commands.hpp"
#include "model/case_line.hpp"
#include "model/text_form.hpp"
#include "report/lineage.hpp"
#include "report/picture.hpp"

namespace fibercheck::cli {

namespace {

constexpr std::size_t kMaxLine = std::size_t{1} << 20;

// The file's first line, read at most kMaxLine + 1 bytes far (so /dev/zero or a
// huge file is rejected, not slurped); every failure names the file and the cause.
std::string read_first_line(const std::string& path) {
  // Not "'" + path.substr(...): GCC 12 at -O3 (Release) sees a false overlap (-Wrestrict).
  std::string shown = "'";
  shown += std::string_view(path).substr(0, 200);
  shown += "'";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw UsageError("replay: --file " + shown +
                     " is a directory; give the file holding the case line");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) throw UsageError("replay: cannot read " + shown + ": " + std::strerror(errno));
  std::string line;
  int c = 0;
  while (line.size() <= kMaxLine && (c = std::getc(f)) != EOF && c != '\n')
    line.push_back(static_cast<char>(c));
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) throw UsageError("replay: cannot read " + shown + ": " + std::strerror(err));
  if (line.size() > kMaxLine)
    throw UsageError("replay: the first line of " + shown + " is over 1 MiB");
  if (line.empty() && c == EOF)
    throw UsageError("replay: " + shown +
                     " is empty; it should hold a case line (fibercheck-case v1 ...)");
  return line;
}

// The case line to replay, from the command line or the first line of --file, and
// where it came from.
std::pair<std::string, std::string> case_line(const CLI::App& replay) {
  const std::vector<std::string>& lines = replay.get_option("CASE")->results();
  if (const auto file = text(replay, "--file")) {
    if (!lines.empty()) throw UsageError("replay: give a case line or --file, not both");
    return {read_first_line(*file), file->substr(0, 200)};
  }
  if (lines.size() != 1) throw UsageError("replay: expected one case line (quote it) or --file F");
  return {lines.front(), "the case line"};
}

}  // namespace

CLI::App* add_replay(CLI::App& tool) {
  CLI::App* replay =
      add_command(tool, "replay",
                  "rerun one case line exactly: print its verdict and leak report, and check\n"
                  "that the run has the trace hash the line recorded");
  replay->add_option("CASE", "the case line, quoted: 'fibercheck-case v1 ...'")->type_name("");
  add_value(*replay, "--file", "F", "read the case line from the first line of F instead");
  add_switch(*replay, "--trace", "print the event log");
  add_value(*replay, "--dot", "F", "write the fiber tree as Graphviz DOT to F");
  add_value(*replay, "--svg", "F", "render it as SVG to F (needs graphviz)");
  replay->footer(
      "exit status: 0 the case ran clean, 1 it leaks or failed, or its trace differs from\n"
      "the one the line recorded, 2 bad input (a malformed case line: the column and what\n"
      "was expected), 3 internal error\n"
      "example: fibercheck replay 'fibercheck-case v1 strategy=random seed=1 cancel=3 "
      "max-steps=2000 topology=fc1 leak-recv-nil'");
  return replay;
}

int cmd_replay(const CLI::App& replay) {
  const auto [line, origin] = case_line(replay);
  if (line.size() > kMaxLine) throw UsageError("replay: the case line is over 1 MiB");
  harness::ParsedCase pc;
  try {
    pc = harness::parse_case(line);
  } catch (const harness::ParseError& e) {
    throw UsageError("replay: " + origin + ": " + e.what());
  }
  // The event log feeds the lineage report and the pictures; it does not change the run.
  pc.spec.trace = true;
  harness::CaseOutcome o = harness::run_case(pc.spec);
  // The headline, then each fiber once, in the lineage report.
  std::printf("verdict: %s\n%s\n", to_string(o.verdict), o.run.headline().c_str());
  if (!o.run.live.empty()) std::printf("%s", harness::lineage_report(o.run).c_str());
  if (!o.ledger_balanced()) std::printf("unbalanced channels:\n%s", o.ledger_report().c_str());
  if (given(replay, "--trace")) std::printf("trace:\n%s", format(o.run.events).c_str());
  const std::string dot = harness::to_dot(o.run);
  if (const auto path = text(replay, "--dot")) {
    std::ofstream out(*path);
    if (!(out << dot)) throw UsageError("replay: cannot write '" + path->substr(0, 200) + "'");
    std::printf("wrote %s\n", path->c_str());
  }
  if (const auto path = text(replay, "--svg")) {
    std::string why = harness::render_svg(dot, *path);
    if (!why.empty()) throw UsageError("replay: --svg: " + why);
    std::printf("wrote %s\n", path->c_str());
  }
  if (pc.trace_hash && *pc.trace_hash != o.run.trace_hash) {
    std::printf(
        "trace mismatch: the line recorded trace %s but this run produced %s: the code under test "
        "is not deterministic, or it changed since the line was printed\n",
        hex(*pc.trace_hash).c_str(), hex(o.run.trace_hash).c_str());
    return 1;
  }
  return o.clean() ? 0 : 1;
}

}  // namespace fibercheck::cli
