#include "explore/signature.hpp"

#include <algorithm>
#include <cctype>

namespace fibercheck::harness {

namespace {

// Numbers outside '...' become '#'; with `drop_names`, quoted names become ''.
std::string normalise(const std::string& s, bool drop_names) {
  std::string out;
  bool quoted = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '\'') {
      quoted = !quoted;
      out += ch;
      continue;
    }
    if (quoted) {
      if (!drop_names) out += ch;
      continue;
    }
    if (std::isdigit(static_cast<unsigned char>(ch))) {
      while (i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1]))) ++i;
      out += '#';
      continue;
    }
    out += ch;
  }
  return out;
}

bool running(const FiberInfo& f) {
  return f.state == FiberState::ready || f.state == FiberState::running;
}

std::string without_since(const std::string& s) {
  const std::size_t at = s.find(" since step ");
  return at == std::string::npos ? s : s.substr(0, at);
}

// A verdict that cuts fibers that keep running at some step: the step or time budget,
// or the end of the leak window after root returned.
bool budget(Verdict v) {
  return v == Verdict::step_budget_exceeded || v == Verdict::time_budget_exceeded ||
         v == Verdict::still_running;
}

// A fiber blocked leaving a scope, waiting for children that are themselves live.
bool joins_children(const FiberInfo& f) {
  return !running(f) && f.blocked_on.rfind("join of scope ", 0) == 0;
}

// What a fiber does, for the coarse form (see coarse_signature in signature.hpp).
std::string coarse_wait(const Outcome& o, const FiberInfo& f) {
  if (running(f)) return "running";
  // Cut by a budget, a fiber that blocked only in the later half of the run (a loop
  // waiting on a timer, a pulse) was caught mid-loop: it counts as running.
  if (budget(o.verdict) && f.blocked_since_step * 2 > o.steps) return "running";
  return normalise(without_since(f.blocked_on), true);
}

FailureSignature make(const Outcome& o, bool coarse) {
  FailureSignature sig;
  sig.verdict = to_string(o.verdict);
  for (const FiberInfo& f : o.live) {
    if (coarse) {
      if (!joins_children(f)) sig.fibers.push_back(coarse_wait(o, f));
    } else {
      sig.fibers.push_back(f.path + ": " + stable_wait(f));
    }
  }
  std::sort(sig.fibers.begin(), sig.fibers.end());
  if (coarse) sig.fibers.erase(std::unique(sig.fibers.begin(), sig.fibers.end()), sig.fibers.end());
  return sig;
}

}  // namespace

std::string FailureSignature::text() const {
  std::string s = verdict;
  for (const std::string& f : fibers) s += "; " + f;
  return s;
}

std::string stable_wait(const FiberInfo& f) {
  if (running(f)) return "running";
  return normalise(without_since(f.blocked_on), false);
}

FailureSignature failure_signature(const Outcome& o) { return make(o, false); }

FailureSignature coarse_signature(const Outcome& o) { return make(o, true); }

}  // namespace fibercheck::harness
