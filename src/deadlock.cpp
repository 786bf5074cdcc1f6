#include "fibercheck/deadlock.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <set>

namespace fibercheck {

namespace {

bool contains(const std::string& s, const char* what) { return s.find(what) != std::string::npos; }

std::string who(const FiberInfo& f) {
  std::string s(1, '#');
  s += std::to_string(f.id);
  s += ' ';
  s += f.path;
  return s;
}

// Names the shape of a cycle from what its members wait on.
std::string kind_of(const std::vector<const FiberInfo*>& cycle) {
  bool all_locks = true;
  bool reader = false;
  for (const FiberInfo* f : cycle) {
    if (contains(f->blocked_on, "read lock of")) reader = true;
    if (f->blocked_on.rfind("lock of ", 0) != 0) all_locks = false;
  }
  if (reader) return "reader/writer cycle";
  if (all_locks) return "lock-order cycle";
  return "wait-for cycle";
}

std::string explain_self(const FiberInfo& f, DeadlockText text) {
  std::string why = "waits for itself";
  if (contains(f.blocked_on, "lock of"))
    why = "waits for a lock it already holds (locks are not recursive)";
  if (contains(f.blocked_on, "call_once")) why = "re-enters a once it is running";
  std::string s = "deadlock: " + who(f) + " " + why;
  if (text == DeadlockText::full) s += ": " + f.blocked_on;
  return s + "\n";
}

class CycleFinder {
 public:
  explicit CycleFinder(const std::map<std::uint64_t, const FiberInfo*>& blocked)
      : blocked_(blocked) {}

  std::vector<std::vector<const FiberInfo*>> find() {
    for (const auto& [id, f] : blocked_)
      if (colour_[id] == 0) visit(f);
    return cycles_;
  }

 private:
  // Recursive: its depth is bounded by the fibers blocked on locks and onces.
  void visit(const FiberInfo* f) {
    colour_[f->id] = 1;
    stack_.push_back(f);
    for (std::uint64_t to : f->waits_for) {
      auto it = blocked_.find(to);
      if (it == blocked_.end()) continue;
      if (colour_[to] == 0) {
        visit(it->second);
      } else if (colour_[to] == 1) {
        record(to);
      }
    }
    stack_.pop_back();
    colour_[f->id] = 2;
  }

  void record(std::uint64_t start) {
    auto from = std::find_if(stack_.begin(), stack_.end(),
                             [start](const FiberInfo* f) { return f->id == start; });
    std::vector<const FiberInfo*> cycle(from, stack_.end());
    std::set<std::uint64_t> key;
    for (const FiberInfo* f : cycle) key.insert(f->id);
    if (seen_.insert(key).second) cycles_.push_back(std::move(cycle));
  }

  const std::map<std::uint64_t, const FiberInfo*>& blocked_;
  std::map<std::uint64_t, int> colour_;  // 0 unvisited, 1 on the stack, 2 done
  std::vector<const FiberInfo*> stack_;
  std::set<std::set<std::uint64_t>> seen_;
  std::vector<std::vector<const FiberInfo*>> cycles_;
};

}  // namespace

std::string explain_deadlock(const std::vector<FiberInfo>& fibers, DeadlockText text) {
  const bool full = text == DeadlockText::full;
  std::map<std::uint64_t, const FiberInfo*> live;
  std::map<std::uint64_t, const FiberInfo*> blocked;
  for (const FiberInfo& f : fibers) {
    live[f.id] = &f;
    if (f.state == FiberState::blocked) blocked[f.id] = &f;
  }
  std::string s;
  std::set<std::uint64_t> in_cycle;
  for (const auto& cycle : CycleFinder(blocked).find()) {
    for (const FiberInfo* f : cycle) in_cycle.insert(f->id);
    if (cycle.size() == 1) {
      s += explain_self(*cycle[0], text);
      continue;
    }
    s += "deadlock: " + kind_of(cycle) + " of " + std::to_string(cycle.size()) +
         " fibers, each waiting for the next:";
    if (full) {
      s += "\n";
      for (const FiberInfo* f : cycle) s += "  " + who(*f) + ": " + f->blocked_on + "\n";
    } else {
      for (std::size_t i = 0; i < cycle.size(); ++i) {
        s += i ? ", " : " ";
        s += who(*cycle[i]);
      }
      s += "\n";
    }
  }
  for (const auto& [id, f] : blocked) {
    if (in_cycle.count(id) != 0) continue;
    for (std::uint64_t to : f->waits_for) {
      auto it = live.find(to);
      std::string line = who(*f) + " waits for #" + std::to_string(to);
      if (it == live.end()) {
        line += ", which has exited without releasing it";
      } else if (in_cycle.count(to) != 0) {
        line += " " + it->second->path + ", which is in a deadlock cycle";
      } else if (it->second->state == FiberState::blocked && to != id) {
        line += " " + it->second->path + ", which is itself blocked";
        if (full) line += ": " + it->second->blocked_on;
      } else {
        continue;  // the holder can still run: not stuck because of it
      }
      s += "stuck: " + line + "\n";
    }
  }
  return s;
}

}  // namespace fibercheck
