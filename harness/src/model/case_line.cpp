#include "model/case_line.hpp"

#include "model/text_form.hpp"

namespace fibercheck::harness {

std::string case_line_schedule(const sched::StrategySpec& strategy,
                               std::optional<std::uint64_t> cancel_step, bool cancel_when_idle,
                               std::uint64_t max_steps) {
  std::string s = "fibercheck-case v1 strategy=" + sched::to_string(strategy.kind);
  if (strategy.kind == sched::StrategyKind::replay) {
    s += " choices=";
    for (std::size_t i = 0; i < strategy.choices.size(); ++i) {
      // Appended piece by piece: GCC 12 at -O3 (Release) sees a false overlap
      // (-Wrestrict) in `"." + std::to_string(...)`.
      if (i) s += '.';
      s += std::to_string(strategy.choices[i]);
    }
    if (strategy.choices.empty()) s += "-";
  } else {
    s += " seed=" + std::to_string(strategy.seed);
  }
  if (strategy.kind == sched::StrategyKind::pct)
    s += " pct-depth=" + std::to_string(strategy.pct_depth);
  s += " cancel=" + (cancel_step ? std::to_string(*cancel_step) : std::string("none"));
  if (!cancel_when_idle) s += " cancel-when-idle=0";
  s += " max-steps=" + std::to_string(max_steps);
  return s;
}

std::string case_line(const CaseSpec& c, const CaseOutcome* produced) {
  std::string s = case_line_schedule(c.strategy, c.cancel_step, c.cancel_when_idle, c.max_steps);
  if (produced) s += " trace=" + hex(produced->run.trace_hash);
  s += " topology=" + print(c.topology);
  return s;
}

}  // namespace fibercheck::harness
