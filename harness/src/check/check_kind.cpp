#include "fibercheck/harness/check_kind.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "check/check_names.hpp"
#include "check/check_plan.hpp"
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

CheckResult replay_kind_case(const std::string& kind, const std::string& line, CheckResult r) {
  // A root case line (root=) is check()'s: another check's line.
  if (!is_tree_case_line(line) && line.find(" root=") != std::string::npos) {
    r.skipped = true;
    std::fprintf(stderr,
                 "fibercheck: FIBERCHECK_REPLAY holds a check() line (root=); skipping check '%s' "
                 "of kind '%s'\n",
                 r.name.c_str(), kind.c_str());
    return r;
  }
  ParsedCase pc;
  try {
    pc = parse_case(line);
  } catch (const ParseError& e) {
    note_replay_taken(line);
    r.ok = false;
    r.report = std::string("fibercheck: FIBERCHECK_REPLAY: ") + e.what() + "\n";
    std::fputs(r.report.c_str(), stderr);
    return r;
  }
  if (!uses(pc.spec.topology, kind)) {
    r.skipped = true;
    std::fprintf(stderr,
                 "fibercheck: FIBERCHECK_REPLAY does not use kind '%s'; skipping check '%s'\n",
                 kind.c_str(), r.name.c_str());
    return r;
  }
  note_replay_taken(line);
  r.replayed = true;
  r.cases_asked = 1;
  r.cases_run = 1;
  pc.spec.trace = true;
  const CaseOutcome o = run_case(pc.spec);
  r.ok = o.clean();
  r.outcome = o.run;
  r.case_line = line;
  r.report = "fibercheck: replay of a case of kind '" + kind + "' (check '" + r.name +
             "')\nexpected: " + expected_of(pc.spec) + "\nverdict: " + to_string(o.verdict) + ": " +
             o.run.headline() + "\n" + lineage_report(o.run) + "trace:\n" + format(o.run.events);
  if (pc.trace_hash && *pc.trace_hash != o.run.trace_hash) {
    r.ok = false;
    r.report += "trace mismatch: the line recorded trace " + hex(*pc.trace_hash) +
                " but this run produced " + hex(o.run.trace_hash) + "\n";
  }
  std::fputs(r.report.c_str(), stderr);
  return r;
}

// Case k of the sequence: a random tree with the kind planted, a schedule and a
// cancellation point, all drawn from case k's seed alone (the same in every shard).
CaseSpec kind_case(const KindInfo& k, const CheckOptions& opt, std::size_t max_nodes,
                   std::uint64_t base_seed, std::uint64_t index) {
  sched::Rng rng(case_seed(base_seed, index));
  CaseSpec c;
  GenOptions gen;
  gen.max_nodes = max_nodes;
  c.topology = plant(random_topology(rng, gen), k.name, rng);
  complete_children(c.topology);
  c.strategy.kind = opt.strategies[index % opt.strategies.size()];
  c.strategy.seed = rng.next();
  c.max_steps = opt.max_steps;
  if (opt.completion && k.finite && index % 4 == 0) {
    c.cancel_when_idle = false;
  } else {
    c.cancel_step = rng.below((opt.max_cancel_step ? opt.max_cancel_step : 400) + 1);
  }
  return c;
}

}  // namespace

CheckResult check_kind(const std::string& kind, const CheckOptions& opt, std::size_t max_nodes,
                       source_location site) {
  const KindInfo* k = find_kind(kind);
  if (k == nullptr)
    throw std::invalid_argument("check_kind: no kind named '" + kind +
                                "'; register it first (kind.hpp register_kind)");
  if (opt.strategies.empty())
    throw std::invalid_argument("check_kind: CheckOptions::strategies is empty");
  const CheckIdentity id = identify_check(opt.name, site);
  CheckResult r;
  r.name = id.name;
  r.site = id.site;
  if (const char* line = std::getenv("FIBERCHECK_REPLAY"); line && *line) {
    arm_replay_exit_check();
    r = replay_kind_case(kind, line, std::move(r));
    finish_check(r);
    return r;
  }

  const RcParams rc = rc_params_from_env();
  r.seed = opt.seed ? *opt.seed : rc.seed ? *rc.seed : 1;
  r.shard = shard_for(opt, id.test);
  const std::uint64_t cases = opt.cases ? *opt.cases : rc.max_success ? *rc.max_success : 500;
  r.cases_asked = cases_in_shard(cases, r.shard);
  const Budget budget(opt);
  std::optional<CaseSpec> failing;
  std::uint64_t failing_index = 0;
  on_case_thread([&] {
    for (std::uint64_t i = r.shard.index; i < cases; i += r.shard.total) {
      if (r.cases_run > 0 && budget.spent()) {
        r.out_of_time = true;
        return;
      }
      const CaseSpec c = kind_case(*k, opt, max_nodes, r.seed, i);
      r.case_seeds.push_back(c.strategy.seed);
      ++r.cases_run;
      if (!run_case(c).clean()) {
        failing = c;
        failing_index = i;
        return;
      }
    }
  });
  if (r.out_of_time) r.partial = partial_line(r, budget);
  if (!failing) {
    finish_check(r);
    return r;
  }
  r.ok = false;
  CaseSpec shrunk = *failing;
  bool replayed = true;
  if (opt.shrink) {
    shrunk = shrink_case(shrunk, fails_like(shrunk));
    shrunk = shrink_schedule(shrunk, nullptr, nullptr, nullptr, &replayed);
  }
  const FailureReport f =
      report_failure(id.test.empty() ? r.name : id.test, expected_of(shrunk), shrunk);
  r.case_line = f.line;
  r.replay = "FIBERCHECK_REPLAY='" + f.line + "' " + program_invocation_name +
             (id.test.empty() ? std::string() : " --gtest_filter=" + id.test);
  std::string text = f.text;
  if (const auto at = text.find("\nreplay: "); at != std::string::npos)
    text = text.substr(0, at + 1) + "replay: " + r.replay + "\n" +
           text.substr(text.find('\n', at + 1) + 1);
  std::string& s = r.report;
  s = "fibercheck: check '";
  s += r.name;
  s += "' (at ";
  s += r.site;
  s += ") of kind '";
  s += kind;
  s += "' failed (base seed ";
  s += std::to_string(r.seed);
  s += ", case ";
  s += std::to_string(failing_index + 1);
  s += " of ";
  s += std::to_string(cases);
  if (r.shard.total > 1) {
    s += ", ";
    s += shard_text(r.shard);
  }
  s += ", tree shrunk from ";
  s += std::to_string(failing->topology.size());
  s += " to ";
  s += std::to_string(shrunk.topology.size());
  s += " nodes";
  if (!replayed)
    s += "; schedule not shrunk: replaying its recorded choices did not give the same failing "
         "run, so the schedule found is kept";
  s += ")\n";
  s += text;
  CaseSpec traced = shrunk;
  traced.trace = true;
  r.outcome = run_case(traced).run;
  if (opt.print && id.test.empty()) std::fputs(r.report.c_str(), stderr);
  finish_check(r);
  return r;
}

}  // namespace fibercheck::harness
