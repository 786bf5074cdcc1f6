#include "fibercheck/harness/check_kind.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "explore/shrink.hpp"
#include "fibercheck/harness/kind.hpp"
#include "generate/generate.hpp"
#include "model/case_line.hpp"
#include "model/text_form.hpp"
#include "report/failure.hpp"
#include "report/lineage.hpp"

namespace fibercheck::harness {

namespace {

// plant() leaves a container kind without children: give it simple stages.
void complete_children(Node& n) {
  const KindInfo* k = find_kind(n.kind);
  while (k && n.children.size() < static_cast<std::size_t>(k->min_children))
    n.children.push_back(Node{"stage", {}, {}});
  for (Node& c : n.children) complete_children(c);
}

bool uses(const Node& n, const std::string& kind) {
  if (n.kind == kind) return true;
  for (const Node& c : n.children)
    if (uses(c, kind)) return true;
  return false;
}

std::string expected_of(const CaseSpec& c) {
  return c.cancel_step || c.cancel_when_idle
             ? "every fiber ends once the root's done closes"
             : "without cancellation, the tree completes and every fiber ends";
}

CheckResult replay_kind_case(const std::string& kind, const std::string& line) {
  CheckResult r;
  r.name = kind;
  ParsedCase pc;
  try {
    pc = parse_case(line);
  } catch (const ParseError& e) {
    r.ok = false;
    r.report = std::string("fibercheck: FIBERCHECK_REPLAY: ") + e.what() + "\n";
    std::fputs(r.report.c_str(), stderr);
    return r;
  }
  if (!uses(pc.spec.topology, kind)) {
    r.skipped = true;
    std::fprintf(stderr,
                 "fibercheck: FIBERCHECK_REPLAY does not use kind '%s'; skipping its check\n",
                 kind.c_str());
    return r;
  }
  r.replayed = true;
  r.cases_run = 1;
  pc.spec.trace = true;
  const CaseOutcome o = run_case(pc.spec);
  r.ok = o.clean();
  r.outcome = o.run;
  r.case_line = line;
  r.report = "fibercheck: replay of a case of kind '" + kind +
             "'\nexpected: " + expected_of(pc.spec) + "\nverdict: " + to_string(o.verdict) + ": " +
             o.run.summary() + "\n" + lineage_report(o.run) + "trace:\n" + format(o.run.events);
  if (pc.trace_hash && *pc.trace_hash != o.run.trace_hash) {
    r.ok = false;
    r.report += "trace mismatch: the line recorded trace " + hex(*pc.trace_hash) +
                " but this run produced " + hex(o.run.trace_hash) + "\n";
  }
  std::fputs(r.report.c_str(), stderr);
  return r;
}

}  // namespace

CheckResult check_kind(const std::string& kind, const CheckOptions& opt, std::size_t max_nodes) {
  const KindInfo* k = find_kind(kind);
  if (k == nullptr)
    throw std::invalid_argument("check_kind: no kind named '" + kind +
                                "'; register it first (kind.hpp register_kind)");
  if (opt.strategies.empty())
    throw std::invalid_argument("check_kind: CheckOptions::strategies is empty");
  const std::string test = fibercheck::detail::current_test_name();
  if (const char* line = std::getenv("FIBERCHECK_REPLAY"); line && *line)
    return replay_kind_case(kind, line);

  const RcParams rc = rc_params_from_env();
  CheckResult r;
  r.name = opt.name.empty() ? kind : opt.name;
  r.seed = opt.seed ? *opt.seed : rc.seed ? *rc.seed : 1;
  r.shard = opt.shard ? *opt.shard : shard_from_env();
  const std::uint64_t cases = opt.cases ? *opt.cases : rc.max_success ? *rc.max_success : 500;
  const double budget =
      opt.time_budget_seconds > 0 ? opt.time_budget_seconds : time_budget_from_env();
  const auto t0 = std::chrono::steady_clock::now();
  std::optional<CaseSpec> failing;
  on_case_thread([&] {
    for (std::uint64_t i = 0; i < cases; ++i) {
      const std::uint64_t g = r.shard.index + i * r.shard.total;
      sched::Rng rng(case_seed(r.seed, g));
      CaseSpec c;
      GenOptions gen;
      gen.max_nodes = max_nodes;
      c.topology = plant(random_topology(rng, gen), kind, rng);
      complete_children(c.topology);
      c.strategy.kind = opt.strategies[g % opt.strategies.size()];
      c.strategy.seed = rng.next();
      c.max_steps = opt.max_steps;
      if (opt.completion && k->finite && i % 4 == 0) {
        c.cancel_when_idle = false;
      } else {
        c.cancel_step = rng.below((opt.max_cancel_step ? opt.max_cancel_step : 400) + 1);
      }
      r.case_seeds.push_back(c.strategy.seed);
      ++r.cases_run;
      const CaseOutcome o = run_case(c);
      if (!o.clean()) {
        failing = c;
        return;
      }
      if (budget > 0 &&
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() > budget) {
        r.out_of_time = true;
        return;
      }
    }
  });
  if (!failing) return r;
  r.ok = false;
  CaseSpec shrunk = *failing;
  bool replayed = true;
  if (opt.shrink) {
    shrunk = shrink_case(shrunk, fails_like(shrunk));
    shrunk = shrink_schedule(shrunk, nullptr, nullptr, nullptr, &replayed);
  }
  const FailureReport f = report_failure(test.empty() ? r.name : test, expected_of(shrunk), shrunk);
  r.case_line = f.line;
  r.replay = "FIBERCHECK_REPLAY='" + f.line + "' " + program_invocation_name +
             (test.empty() ? std::string() : " --gtest_filter=" + test);
  std::string text = f.text;
  if (const auto at = text.find("\nreplay: "); at != std::string::npos)
    text = text.substr(0, at + 1) + "replay: " + r.replay + "\n" +
           text.substr(text.find('\n', at + 1) + 1);
  r.report = "fibercheck: kind '" + kind + "' failed (base seed " + std::to_string(r.seed) +
             ", case " + std::to_string(r.cases_run) + ", tree shrunk from " +
             std::to_string(failing->topology.size()) + " to " +
             std::to_string(shrunk.topology.size()) + " nodes" +
             (replayed ? std::string()
                       : "; schedule not shrunk: replaying its recorded choices did not give "
                         "the same failing run, so the schedule found is kept") +
             ")\n" + text;
  CaseSpec traced = shrunk;
  traced.trace = true;
  r.outcome = run_case(traced).run;
  if (opt.print && test.empty()) std::fputs(r.report.c_str(), stderr);
  return r;
}

}  // namespace fibercheck::harness
