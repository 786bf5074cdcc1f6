#include "check_scenarios.hpp"

#include "fibercheck/run.hpp"
#include "fibercheck/sched/rng.hpp"

namespace fibercheck::harness {

namespace {

// One case: a scheduling seed and a cancellation point, drawn from the case seed.
// A correct scenario must end clean whether or not (and wherever) the root's done
// closes; a leaking one must never end clean.
std::string check_one(const Scenario& s, const CheckConfig& cfg, std::uint64_t case_seed) {
  sched::Rng rng(case_seed);
  RunOptions o;
  o.strategy.kind = cfg.strategy;
  o.strategy.seed = rng.next();
  if (s.leaks) {
    Outcome out = run(s.root, o);
    if (out.clean())
      return "expected a leak, but every fiber ended (" + out.summary() + ")";
    return "";
  }
  if (rng.below(4) != 0) {
    Outcome plain = run(s.root, o);
    o.cancel_at_step = rng.below(plain.steps + 2);
  }
  Outcome out = run(s.root, o);
  if (!out.clean()) {
    std::string where = o.cancel_at_step ? " with the root's done closed at step " +
                                               std::to_string(*o.cancel_at_step)
                                         : "";
    return "expected every fiber to end" + where + ", but: " + out.summary();
  }
  return "";
}

}  // namespace

std::vector<ScenarioResult> check_scenarios(
    const CheckConfig& cfg, const std::function<void(std::uint64_t, std::uint64_t)>& progress) {
  std::vector<ScenarioResult> results;
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t done = 0, failures = 0;
  on_case_thread([&] {
    for (const Scenario& s : scenarios()) {
      if (!cfg.only.empty() && s.name != cfg.only) continue;
      ScenarioResult r;
      r.name = s.name;
      r.leaks = s.leaks;
      const auto t0 = std::chrono::steady_clock::now();
      for (std::uint64_t i = 0; i < cfg.cases; ++i) {
        if (cfg.time_budget.count() > 0 &&
            std::chrono::steady_clock::now() - start > cfg.time_budget)
          break;
        const std::uint64_t case_seed = sched::mix(cfg.seed, i);
        std::string failure = check_one(s, cfg, case_seed);
        ++r.cases;
        ++done;
        if (!failure.empty()) {
          ++r.failures;
          ++failures;
          if (r.first_failure.empty())
            r.first_failure = failure + "\n  replay: fibercheck run --suite " + s.name +
                              " --seed " + std::to_string(cfg.seed) + " --strategy " +
                              sched::to_string(cfg.strategy) + " (case " + std::to_string(i) +
                              ")";
        }
        if (progress) progress(done, failures);
      }
      r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      results.push_back(std::move(r));
    }
  });
  return results;
}

}  // namespace fibercheck::harness
