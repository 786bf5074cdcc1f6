#include "lineage.hpp"

#include <map>
#include <set>
#include <vector>

namespace fibercheck::harness {

namespace {

// "recv on chan 'pipe#3' (cap 0, ...)" -> "pipe#3"; empty when no channel is named.
std::string channel_in(const std::string& text, std::size_t from = 0) {
  const std::size_t at = text.find("chan '", from);
  if (at == std::string::npos) return "";
  const std::size_t start = at + 6;
  const std::size_t end = text.find('\'', start);
  return end == std::string::npos ? "" : text.substr(start, end - start);
}

// "stage-1" -> "stage": fibers a node starts are named after its kind.
std::string kind_of(const std::string& name) {
  std::size_t dash = name.rfind('-');
  if (dash == std::string::npos || dash + 1 == name.size()) return name;
  for (std::size_t i = dash + 1; i < name.size(); ++i)
    if (name[i] < '0' || name[i] > '9') return name;
  return name.substr(0, dash);
}

struct FiberHistory {
  std::string path;
  std::optional<std::uint64_t> exited_at;
};

}  // namespace

std::string lineage_report(const Outcome& o) {
  if (o.live.empty()) return "";
  std::map<std::uint64_t, FiberHistory> fibers;
  std::map<std::string, std::set<std::uint64_t>> users;  // channel -> fibers that used it
  std::map<std::string, std::uint64_t> done_closed;      // done name -> step
  for (const Event& e : o.events) {
    switch (e.kind) {
      case EventKind::spawn: fibers[e.fiber].path = e.detail.substr(0, e.detail.find(' ')); break;
      case EventKind::exit: fibers[e.fiber].exited_at = e.step; break;
      case EventKind::send:
      case EventKind::recv:
      case EventKind::block:
        for (std::size_t at = 0;;) {
          std::string ch = channel_in(e.detail, at);
          if (ch.empty()) break;
          users[ch].insert(e.fiber);
          at = e.detail.find("chan '", at) + 6 + ch.size();
        }
        break;
      case EventKind::close:
        if (e.detail.rfind("done '", 0) == 0) {
          std::string name = e.detail.substr(6, e.detail.size() - 7);
          done_closed.emplace(name, e.step);
        }
        break;
      default: break;
    }
  }
  for (const FiberInfo& f : o.live) fibers[f.id].path = f.path;

  // One line per leaked fiber; the grouping key leaves out what differs between
  // copies of the same bug (the path and the step).
  std::map<std::string, std::vector<std::string>> groups;
  std::vector<std::string> order;
  for (const FiberInfo& f : o.live) {
    std::string line = f.path + " (" + kind_of(f.name) + ", spawned at " + f.site() + ") ";
    const std::string ch = channel_in(f.blocked_on);
    if (f.state == FiberState::blocked) {
      line += "blocked in " + (f.blocked_on.empty() ? std::string("a wait") : f.blocked_on);
      if (f.in_fibercheck_wait) line += " since step " + std::to_string(f.blocked_since_step);
    } else {
      line += std::string(to_string(f.state));
    }
    std::string reason = kind_of(f.name) + "|" + f.blocked_on.substr(0, f.blocked_on.find(" on ")) +
                         "|" + (ch.empty() ? "" : "chan");
    if (!ch.empty()) {
      std::vector<std::string> others;
      for (std::uint64_t id : users[ch]) {
        if (id == f.id) continue;
        const FiberHistory& h = fibers[id];
        others.push_back(h.path + (h.exited_at ? " exited at step " + std::to_string(*h.exited_at)
                                               : std::string(" is still alive")));
      }
      if (others.empty()) {
        line += "; no other fiber ever used '" + ch + "'";
      } else {
        line += "; other fibers on '" + ch + "': ";
        for (std::size_t i = 0; i < others.size(); ++i) line += (i ? ", " : "") + others[i];
      }
    }
    if (!f.done.empty()) {
      const bool watched = f.blocked_on.find("wait on done") != std::string::npos;
      auto closed = done_closed.find(f.done);
      line += "; done '" + f.done + "' ";
      line += closed == done_closed.end() ? "never closed"
                                          : "closed at step " + std::to_string(closed->second);
      // A fiber joining its children cannot end before they do: it is stuck
      // because of them, not because it ignored its done.
      const bool joining = f.blocked_on.rfind("join of", 0) == 0;
      line += joining ? "; it waits for its children to end"
                      : watched ? " and was watched" : " and was not watched";
      reason += watched ? "|watched" : "|unwatched";
    } else if (f.state == FiberState::blocked) {
      line += "; it was given no done signal at all";
      reason += "|nodone";
    }
    if (!groups.count(reason)) order.push_back(reason);
    groups[reason].push_back(line);
  }
  std::string s = std::to_string(o.live.size()) + " fiber(s) leaked";
  s += order.size() > 1 ? ", for " + std::to_string(order.size()) + " reasons:\n" : ":\n";
  for (const std::string& r : order) {
    const auto& lines = groups[r];
    if (lines.size() > 1) s += "  " + std::to_string(lines.size()) + " fibers alike:\n";
    for (const std::string& l : lines) s += (lines.size() > 1 ? "    " : "  ") + l + "\n";
  }
  return s;
}

}  // namespace fibercheck::harness
