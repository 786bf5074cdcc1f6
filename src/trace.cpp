#include "fibercheck/trace.hpp"

namespace fibercheck {

const char* to_string(EventKind k) noexcept {
  switch (k) {
    case EventKind::spawn:
      return "spawn";
    case EventKind::block:
      return "block";
    case EventKind::wake:
      return "wake";
    case EventKind::send:
      return "send";
    case EventKind::recv:
      return "recv";
    case EventKind::close:
      return "close";
    case EventKind::cancel:
      return "cancel";
    case EventKind::exit:
      return "exit";
    case EventKind::timer:
      return "timer";
    case EventKind::unwind:
      return "unwind";
    case EventKind::select:
      return "select";
  }
  return "?";
}

std::string format(const std::vector<Event>& events) {
  std::string s;
  for (const Event& e : events) {
    s += "step " + std::to_string(e.step) + " t=" + std::to_string(e.time_ns) + "ns ";
    if (e.fiber) {
      s += '#';
      s += std::to_string(e.fiber);
    } else {
      s += "run";
    }
    s += " ";
    s += to_string(e.kind);
    if (!e.detail.empty()) s += " " + e.detail;
    s += "\n";
  }
  return s;
}

}  // namespace fibercheck
