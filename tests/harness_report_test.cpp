// What a failure shows: the lineage of each leaked fiber, the picture, the case
// line with its replay command, and the file CI keeps.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "explore/runner.hpp"
#include "model/text_form.hpp"
#include "report/failure.hpp"
#include "report/lineage.hpp"
#include "report/picture.hpp"
#include "support.hpp"

namespace fibercheck::harness {
namespace {

CaseSpec leaking() {
  CaseSpec c;
  c.topology = parse("fc1 pipe{cap=0}(gen{n=2},leak-send-unread{replicas=3})");
  c.strategy.kind = sched::StrategyKind::fifo;
  c.cancel_step = 0;
  c.trace = true;  // the lineage and the picture read the event log
  return c;
}

bool contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

TEST(Lineage, NamesEachLeakedFiberItsChannelAndItsDone) {
  const CaseOutcome o = run_case(leaking());
  ASSERT_EQ(o.verdict, CaseVerdict::leak);
  const std::string r = lineage_report(o.run);
  EXPECT_TRUE(contains(r, "root/leak-send-unread-1/replica-")) << r;  // path from the root
  EXPECT_TRUE(contains(r, "blocked in send on chan 'results")) << r;
  EXPECT_TRUE(contains(r, "(cap 0")) << r;
  EXPECT_TRUE(contains(r, "leak_send_unread.cpp")) << r;  // spawn site
  EXPECT_TRUE(contains(r, "no done signal")) << r;        // the done it should have watched
  EXPECT_TRUE(contains(r, "fibers alike")) << r;          // grouped by reason
}

TEST(Picture, DotMarksTheLeakedFiberRedAndItsPathBold) {
  const CaseOutcome o = run_case(leaking());
  const std::string dot = to_dot(o.run);
  EXPECT_TRUE(contains(dot, "digraph")) << dot;
  EXPECT_TRUE(contains(dot, "\" [label=\"replica-") && contains(dot, "fillcolor=\"#e74c3c\""))
      << "the leaked fiber is red\n"
      << dot;
  std::size_t red_replicas = 0;
  for (std::size_t at = dot.find("[label=\"replica-"); at != std::string::npos;
       at = dot.find("[label=\"replica-", at + 1)) {
    const std::size_t eol = dot.find('\n', at);
    if (dot.substr(at, eol - at).find("#e74c3c") != std::string::npos) ++red_replicas;
  }
  EXPECT_EQ(red_replicas, 2u) << "two of three replicas leak: both red\n" << dot;
  EXPECT_TRUE(contains(dot, "fillcolor=\"#d5d5d5\"")) << "exited fibers are grey\n" << dot;
  EXPECT_TRUE(contains(dot, "penwidth=3")) << dot;
  EXPECT_TRUE(contains(dot, "style=dashed")) << dot;  // channels
}

TEST(Picture, SvgShowsTheLeakedFiberMarked) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "graphviz not installed";
  const CaseOutcome o = run_case(leaking());
  const std::filesystem::path svg = std::filesystem::temp_directory_path() /
                                    ("fibercheck-report-test-" + std::to_string(getpid()) + ".svg");
  ASSERT_EQ(render_svg(to_dot(o.run), svg.string()), "");
  std::ifstream in(svg);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(svg);
  const std::string s = text.str();
  EXPECT_TRUE(contains(s, "<svg")) << s.substr(0, 200);
  EXPECT_TRUE(contains(s, "replica&#45;0")) << "the leaked fiber is in the picture";
  EXPECT_TRUE(contains(s, "fill=\"#e74c3c\"")) << "the leaked fiber is drawn red";
}

TEST(Failure, ReportHoldsExpectedHappenedCaseLineAndReplayCommand) {
  const FailureReport r = report_failure("Suite.Property", "every fiber ends", leaking());
  EXPECT_TRUE(contains(r.text, "expected: every fiber ends")) << r.text;
  EXPECT_TRUE(contains(r.text, "happened: leak")) << r.text;
  EXPECT_TRUE(contains(r.text, "case: fibercheck-case v1 ")) << r.text;
  EXPECT_TRUE(contains(r.text, "replay: fibercheck replay '" + r.line + "'")) << r.text;
  EXPECT_TRUE(r.deterministic);
}

TEST(Failure, ReportDescribesEachLeakedFiberOnce) {
  const FailureReport r = report_failure("Suite.Property", "every fiber ends", leaking());
  const CaseOutcome o = run_case(leaking());
  ASSERT_EQ(o.run.live.size(), 2u) << r.text;
  for (const FiberInfo& f : o.run.live) {
    // Appended piece by piece: GCC 12 at -O3 sees a false overlap (-Wrestrict) in
    // `"#" + std::to_string(...)`.
    std::string entry = "#";
    entry += std::to_string(f.id);
    entry += " " + f.path + " (";
    const std::size_t first = r.text.find(entry);
    ASSERT_NE(first, std::string::npos) << entry << " in:\n" << r.text;
    EXPECT_EQ(r.text.find(entry, first + 1), std::string::npos) << entry << " twice:\n" << r.text;
    EXPECT_EQ(r.text.find(f.path + " blocked"), std::string::npos)
        << "a census line besides the report's:\n"
        << r.text;
  }
  EXPECT_FALSE(contains(r.text, "fiber(s) live:")) << r.text;
}

TEST(Failure, WithCISetTheCaseIsSavedUnderThePropertysName) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("fibercheck-ci-" + std::to_string(getpid()));
  FailureReport r;
  {
    test::EnvVar ci("CI", "1"), failures_dir("FIBERCHECK_FAILURES_DIR", dir.string());
    r = report_failure("Suite.Property", "every fiber ends", leaking());
  }
  ASSERT_FALSE(r.ci_file.empty());
  EXPECT_TRUE(contains(r.ci_file, "Suite_Property")) << r.ci_file;
  std::ifstream in(r.ci_file);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, r.line);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace fibercheck::harness
