#include "case_line.hpp"

#include "text_form.hpp"

namespace fibercheck::harness {

std::string case_line(const CaseSpec& c, const CaseOutcome* produced) {
  std::string s = "fibercheck-case v1 strategy=" + sched::to_string(c.strategy.kind);
  if (c.strategy.kind == sched::StrategyKind::replay) {
    s += " choices=";
    for (std::size_t i = 0; i < c.strategy.choices.size(); ++i)
      s += (i ? "." : "") + std::to_string(c.strategy.choices[i]);
    if (c.strategy.choices.empty()) s += "-";
  } else {
    s += " seed=" + std::to_string(c.strategy.seed);
  }
  if (c.strategy.kind == sched::StrategyKind::pct)
    s += " pct-depth=" + std::to_string(c.strategy.pct_depth);
  s += " cancel=" + (c.cancel_step ? std::to_string(*c.cancel_step) : std::string("none"));
  if (!c.cancel_when_idle) s += " cancel-when-idle=0";
  s += " max-steps=" + std::to_string(c.max_steps);
  if (produced) s += " trace=" + hex(produced->run.trace_hash);
  s += " topology=" + print(c.topology);
  return s;
}

}  // namespace fibercheck::harness
