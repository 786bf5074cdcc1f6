// fibercheck replay: reruns one case line exactly and prints its verdict and
// report; says plainly when the trace differs from the one the line recorded.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "model/case_line.hpp"
#include "report/lineage.hpp"
#include "report/picture.hpp"
#include "cli/commands.hpp"
#include "model/text_form.hpp"

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
    throw UsageError("replay: --file " + shown + " is a directory; give the file holding the case line");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    throw UsageError("replay: cannot read " + shown + ": " + std::strerror(errno));
  std::string line;
  int c = 0;
  while (line.size() <= kMaxLine && (c = std::getc(f)) != EOF && c != '\n') line.push_back(static_cast<char>(c));
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) throw UsageError("replay: cannot read " + shown + ": " + std::strerror(err));
  if (line.size() > kMaxLine) throw UsageError("replay: the first line of " + shown + " is over 1 MiB");
  if (line.empty() && c == EOF)
    throw UsageError("replay: " + shown + " is empty; it should hold a case line (fibercheck-case v1 ...)");
  return line;
}

}  // namespace

int cmd_replay(const Args& a) {
  std::string line;
  std::string origin = "the case line";
  if (auto it = a.options.find("file"); it != a.options.end()) {
    if (!a.positional.empty()) throw UsageError("replay: give a case line or --file, not both");
    line = read_first_line(it->second);
    origin = it->second.substr(0, 200);
  } else {
    if (a.positional.size() != 1)
      throw UsageError("replay: expected one case line (quote it) or --file F");
    line = a.positional[0];
  }
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
  std::printf("verdict: %s\n%s\n", to_string(o.verdict), o.run.summary().c_str());
  if (!o.run.live.empty()) std::printf("%s", harness::lineage_report(o.run).c_str());
  if (!o.ledger_balanced()) std::printf("unbalanced channels:\n%s", o.ledger_report().c_str());
  if (a.options.count("trace")) std::printf("trace:\n%s", format(o.run.events).c_str());
  const std::string dot = harness::to_dot(o.run);
  if (auto it = a.options.find("dot"); it != a.options.end()) {
    std::ofstream out(it->second);
    if (!(out << dot)) throw UsageError("replay: cannot write '" + it->second.substr(0, 200) + "'");
    std::printf("wrote %s\n", it->second.c_str());
  }
  if (auto it = a.options.find("svg"); it != a.options.end()) {
    std::string why = harness::render_svg(dot, it->second);
    if (!why.empty()) throw UsageError("replay: --svg: " + why);
    std::printf("wrote %s\n", it->second.c_str());
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
