#include "explore/suites.hpp"

#include "explore/shrink.hpp"
#include "fibercheck/harness/kind.hpp"
#include "generate/generate.hpp"
#include "generate/scenarios.hpp"
#include "model/text_form.hpp"

namespace fibercheck::harness {

namespace {

CaseSpec draw_case(sched::Rng& rng, const SuiteConfig& cfg) {
  CaseSpec c;
  GenOptions g;
  g.max_nodes = cfg.max_nodes;
  c.topology = random_topology(rng, g);
  if (!cfg.plant.empty()) c.topology = plant(c.topology, cfg.plant, rng);
  c.strategy.kind = cfg.strategy;
  c.strategy.seed = rng.next();
  c.cancel_step = rng.below(401);
  return c;
}

std::optional<Failure> check_cancellation(std::uint64_t seed, const SuiteConfig& cfg) {
  sched::Rng rng(seed);
  CaseSpec c = draw_case(rng, cfg);
  if (run_case(c).clean()) return std::nullopt;
  return Failure{"every fiber ends once the root's done closes", c};
}

bool fails_cancellation(CaseSpec& c, const SuiteConfig&, const FailureSignature& like) {
  return fails_nearby(c, seeds_for(c.topology), &like);
}

FailureSignature run_signature(const CaseOutcome& o) { return case_signature(o, true); }

// A completion case also fails when it ends clean but some value was lost or doubled:
// that is part of which failure it is.
FailureSignature completion_signature(const CaseOutcome& o) {
  FailureSignature sig = case_signature(o, true);
  if (!o.ledger_balanced()) sig.verdict += " + unbalanced channels";
  return sig;
}

std::optional<Failure> check_completion(std::uint64_t seed, const SuiteConfig& cfg) {
  sched::Rng rng(seed);
  CaseSpec c = draw_case(rng, cfg);
  c.cancel_step.reset();
  c.cancel_when_idle = false;
  c.max_steps = kCompletionMaxSteps;
  CaseOutcome o = run_case(c);
  if (o.clean() && o.ledger_balanced()) return std::nullopt;
  return Failure{"the tree completes without cancellation and every value sent is received once",
                 c};
}

bool fails_completion(CaseSpec& c, const SuiteConfig&, const FailureSignature& like) {
  const CaseOutcome o = run_case(c);
  return (!o.clean() || !o.ledger_balanced()) && completion_signature(o) == like;
}

std::optional<Failure> check_determinism(std::uint64_t seed, const SuiteConfig& cfg) {
  sched::Rng rng(seed);
  CaseSpec c = draw_case(rng, cfg);
  CaseOutcome a = run_case(c), b = run_case(c);
  if (a.run.trace_hash == b.run.trace_hash && a.run.steps == b.run.steps) return std::nullopt;
  return Failure{"the same case gives the same trace hash twice in one process", c};
}

std::optional<Failure> check_text_form(std::uint64_t seed, const SuiteConfig& cfg) {
  sched::Rng rng(seed);
  CaseSpec c = draw_case(rng, cfg);
  auto names = mutant_kind_names();
  if (rng.below(2) == 0) c.topology = plant(c.topology, names[rng.below(names.size())], rng);
  if (parse(print(c.topology)) == c.topology) return std::nullopt;
  return Failure{"parse(print(t)) == t", c};
}

std::optional<Failure> check_mutants(std::uint64_t seed, const SuiteConfig& cfg) {
  sched::Rng rng(seed);
  auto names = mutant_kind_names();
  SuiteConfig planted = cfg;
  const std::string drawn = names[rng.below(names.size())];
  if (planted.plant.empty()) planted.plant = drawn;  // --plant KIND measures one mutant
  CaseSpec c = draw_case(rng, planted);
  if (!fails_nearby(c, seeds_for(c.topology, 64)))
    return Failure{"the planted " + planted.plant + " is caught", c};
  // Every shrink keeps the failure found (fails_nearby made `c` the failing variant).
  const CaseSpec small = shrink_case(c, fails_nearby_like(case_signature(run_case(c), true)));
  if (small.topology.size() <= 2 && small.topology.has_mutant()) return std::nullopt;
  return Failure{"the caught " + planted.plant + " shrinks to at most 2 nodes", small};
}

std::optional<Failure> check_programs(std::uint64_t seed, const SuiteConfig& cfg) {
  sched::Rng rng(seed);
  const auto& all = scenarios();
  const Scenario& s = all[rng.below(all.size())];
  RunOptions o;
  o.strategy.kind = cfg.strategy;
  o.strategy.seed = rng.next();
  if (!s.leaks) o.cancel_at_step = rng.below(200);
  Outcome out = run(s.root, o);
  if (out.clean() != s.leaks) return std::nullopt;
  return Failure{
      "program '" + s.name + "' " + (s.leaks ? "is reported leaking" : "ends clean") +
          " under seed " + std::to_string(o.strategy.seed) +
          (o.cancel_at_step ? " with cancel at step " + std::to_string(*o.cancel_at_step) : "") +
          " (got: " + out.summary() + ")",
      std::nullopt};
}

}  // namespace

bool fails_nearby(CaseSpec& c, int seeds, const FailureSignature* like) {
  const auto fails_with_some_seed = [seeds, like](CaseSpec& x) {
    for (int i = 0; i < seeds; ++i) {
      CaseSpec v = x;
      v.strategy.seed = x.strategy.seed + static_cast<std::uint64_t>(i);
      const CaseOutcome o = run_case(v);
      if (!o.clean() && (like == nullptr || case_signature(o, true) == *like)) {
        x = std::move(v);
        return true;
      }
    }
    return false;
  };
  if (fails_with_some_seed(c)) return true;
  if (!c.cancel_step) return false;
  CaseSpec late = c;
  late.cancel_step.reset();
  late.cancel_when_idle = true;
  if (!fails_with_some_seed(late)) return false;
  c = std::move(late);
  return true;
}

FailsFn fails_nearby_like(FailureSignature like) {
  return [like = std::move(like)](CaseSpec& c) {
    return fails_nearby(c, seeds_for(c.topology), &like);
  };
}

int seeds_for(const Topology& t, int dependent_seeds) {
  std::vector<const Node*> stack{&t};
  while (!stack.empty()) {
    const Node* n = stack.back();
    stack.pop_back();
    const KindInfo* k = find_kind(n->kind);
    if (k && k->schedule_dependent) return dependent_seeds;
    for (const Node& c : n->children) stack.push_back(&c);
  }
  return 1;
}

const std::vector<Suite>& suites() {
  static const std::vector<Suite> all = {
      {"cancellation",
       "closing the root's done ends every fiber of any correct tree, at any cancellation point",
       check_cancellation, fails_cancellation, run_signature},
      {"completion",
       "without cancellation, finite correct trees complete and deliver every value exactly once",
       check_completion, fails_completion, completion_signature},
      {"mutants", "every mutant, planted anywhere, is caught and shrinks to at most 2 nodes",
       check_mutants, nullptr, run_signature},
      {"determinism", "the same case gives the same trace hash twice in one process",
       check_determinism, nullptr, nullptr},
      {"text-form", "the text form round-trips", check_text_form, nullptr, nullptr},
      {"programs", "the bundled example programs end clean or are reported leaking", check_programs,
       nullptr, nullptr},
  };
  return all;
}

const Suite* find_suite(const std::string& name) {
  for (const Suite& s : suites())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace fibercheck::harness
