#include "explore/runner.hpp"

namespace fibercheck::harness {

const char* to_string(CaseVerdict v) noexcept {
  switch (v) {
    case CaseVerdict::clean:
      return "clean";
    case CaseVerdict::leak:
      return "leak";
    case CaseVerdict::deadlock_before_cancel:
      return "deadlock before cancel";
    case CaseVerdict::budget_exceeded:
      return "budget exceeded";
    case CaseVerdict::exception:
      return "exception";
  }
  return "?";
}

bool CaseOutcome::ledger_balanced() const { return ledger_report().empty(); }

std::string CaseOutcome::ledger_report() const {
  std::string s;
  for (const auto& [name, l] : ledger) {
    if (l.was_cut() || (l.sent == l.received && l.sent_hash == l.received_hash)) continue;
    s += "  chan '" + name + "': " + std::to_string(l.sent) + " sent, " +
         std::to_string(l.received) + " received\n";
  }
  return s;
}

CaseOutcome run_case(const CaseSpec& spec) {
  CaseOutcome result;
  CaseContext ctx;
  RunOptions o;
  o.strategy = spec.strategy;
  o.cancel_at_step = spec.cancel_step;
  o.cancel_when_idle = spec.cancel_when_idle;
  o.max_steps = spec.max_steps;
  o.trace = spec.trace;
  // A traced run replays a case for its report (runs are deterministic): the stacks of
  // its leaked fibers are captured then, never during the search.
  o.capture_stacks = spec.trace;
  o.record_choice_detail = spec.record_choice_detail;
  o.max_virtual_time = std::chrono::hours(24);
  std::uint64_t delivered = 0;
  const Topology& topo = spec.topology;
  result.run = run(
      [&](Done done) {
        Stream input(0, "input");
        input.close();
        Stream output(0, "output");
        Scope scope(done);
        scope.spawn("collector", [&, output](Done d) {
          while (auto v = output.recv(d)) {
            ++delivered;
            record_received(ctx, output.name(), *v);
          }
        });
        run_node(topo, ctx, done, input, output);
        scope.join();
      },
      o);
  result.ledger = std::move(ctx.ledger);
  result.delivered = delivered;
  switch (result.run.verdict) {
    case Verdict::finished:
      result.verdict = CaseVerdict::clean;
      break;
    case Verdict::quiescent:
      result.verdict =
          result.run.cancelled_at_step ? CaseVerdict::leak : CaseVerdict::deadlock_before_cancel;
      break;
    case Verdict::still_running:
      result.verdict = CaseVerdict::leak;
      break;
    case Verdict::step_budget_exceeded:
    case Verdict::time_budget_exceeded:
      result.verdict = CaseVerdict::budget_exceeded;
      break;
    case Verdict::exception:
      result.verdict = CaseVerdict::exception;
      break;
  }
  return result;
}

}  // namespace fibercheck::harness
