#include "explore/explore.hpp"

namespace fibercheck::harness {

CaseExploration explore_case(const CaseSpec& base, const sched::ExploreOptions& options) {
  CaseExploration result;
  CaseSpec spec = base;
  spec.max_steps = options.max_steps;
  spec.trace = false;
  spec.record_choice_detail = true;
  result.report = sched::explore_attempts(
      [&](const sched::Attempt& a, Outcome& out) {
        spec.strategy = a.strategy;
        spec.cancel_step = a.cancel_step;
        CaseOutcome co = run_case(spec);
        out = co.run;
        const bool failed = !co.clean();
        if (failed) result.outcome = std::move(co);
        return failed;
      },
      options);
  if (result.report.failure) {
    CaseSpec f = base;
    f.max_steps = options.max_steps;
    f.strategy = result.report.failure->strategy;
    f.cancel_step = result.report.failure->cancel_step;
    result.failure = f;
  }
  return result;
}

}  // namespace fibercheck::harness
