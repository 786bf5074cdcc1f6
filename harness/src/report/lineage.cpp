#include "report/lineage.hpp"

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

// Every channel named in a wait's or an event's text, in order, each once.
std::vector<std::string> channels_in(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t at = 0;;) {
    const std::size_t found = text.find("chan '", at);
    if (found == std::string::npos) break;
    std::string ch = channel_in(text, found);
    at = found + 6 + ch.size() + 1;
    bool seen = false;
    for (const std::string& c : out) seen = seen || c == ch;
    if (!seen) out.push_back(std::move(ch));
  }
  return out;
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

// What a fiber last did with a channel: used it (sent, received, or blocked on it),
// or offered it in a select that then went another way.
struct LastUse {
  std::uint64_t step = 0;
  bool departed = false;
  bool several_channels = false;  // the select offered more than one channel
  bool send = false;              // it offered to send on the channel (else to receive)
  std::string took;               // what the select took instead, as the report says it
};

// An EventKind::select event's text, "{A or B or ...} took C", taken apart.
struct SelectEvent {
  std::vector<std::pair<std::string, bool>> offered;  // channel, whether a send
  std::string took_channel;                           // the channel case it took, if any
  std::string took;                                   // C, as the report says it
};

SelectEvent parse_select(const std::string& detail) {
  SelectEvent s;
  const std::size_t mid = detail.rfind("} took ");
  if (detail.empty() || detail[0] != '{' || mid == std::string::npos) return s;
  const std::string alts = detail.substr(1, mid - 1);
  for (std::size_t at = 0;;) {
    const std::size_t found = alts.find(" on chan '", at);
    if (found == std::string::npos || found < 4) break;
    const std::string ch = channel_in(alts, found);
    s.offered.emplace_back(ch, alts.compare(found - 4, 4, "send") == 0);
    at = found + 10 + ch.size() + 1;
  }
  std::string took = detail.substr(mid + 7);
  if (took == "default") {
    s.took = "its default case";
  } else if (took == "deadline") {
    s.took = "its deadline";
  } else if (took.rfind("done '", 0) == 0) {
    s.took = took;
  } else {
    // "recv on chan 'extra' (closed)" -> "recv on 'extra' (closed)"
    s.took_channel = channel_in(took);
    const std::size_t chan = took.find("chan '");
    if (chan != std::string::npos) took.erase(chan, 5);
    s.took = took;
  }
  return s;
}

// "#3 root/worker selected on 'results' and left at step 12 by done 'root' instead"
std::string departure_text(const LastUse& u, const std::string& ch) {
  std::string s =
      u.several_channels
          ? "selected on '" + ch + "'"
          : std::string(u.send ? "tried to send on '" : "tried to receive on '") + ch + "'";
  return s + " and left at step " + std::to_string(u.step) + " by " + u.took + " instead";
}

// "#3 root/worker", or "#3 (unnamed)" for a fiber whose path is empty (a root named "",
// or a fiber the event log never saw spawned): a report never names a fiber by nothing.
std::string fiber_label(std::uint64_t id, const std::string& path) {
  std::string s = "#";
  s += std::to_string(id);
  s += ' ';
  s += path.empty() ? std::string("(unnamed)") : path;
  return s;
}

// What the event log says about a run: each fiber's path and exit, who used each
// channel last and how, and when each done closed.
struct History {
  std::map<std::uint64_t, FiberHistory> fibers;
  // channel -> fiber -> what it last did with it (fiber 0: the run itself, whose
  // timers send on the channels of after() and Ticker)
  std::map<std::string, std::map<std::uint64_t, LastUse>> users;
  std::map<std::string, std::uint64_t> done_closed;  // done name -> step
};

History read_history(const Outcome& o) {
  History h;
  for (const Event& e : o.events) {
    switch (e.kind) {
      case EventKind::spawn: {
        // The detail is the path, with " (plain boost fiber)" after it for plain fibers;
        // a fiber's name may itself hold spaces.
        static const std::string kPlain = " (plain boost fiber)";
        std::string path = e.detail;
        if (path.size() >= kPlain.size() &&
            path.compare(path.size() - kPlain.size(), kPlain.size(), kPlain) == 0)
          path.resize(path.size() - kPlain.size());
        h.fibers[e.fiber].path = std::move(path);
        break;
      }
      case EventKind::exit:
        h.fibers[e.fiber].exited_at = e.step;
        break;
      case EventKind::send:
      case EventKind::recv:
      case EventKind::block:
        for (const std::string& ch : channels_in(e.detail))
          h.users[ch][e.fiber] = LastUse{e.step, false, false, false, ""};
        break;
      case EventKind::select: {
        const SelectEvent s = parse_select(e.detail);
        std::set<std::string> distinct;
        for (const auto& [ch, send] : s.offered) distinct.insert(ch);
        for (const auto& [ch, send] : s.offered) {
          if (ch == s.took_channel) continue;  // its send or recv event says it used it
          LastUse u{e.step, true, distinct.size() > 1, send, s.took};
          h.users[ch][e.fiber] = std::move(u);
        }
        break;
      }
      case EventKind::close:
        if (e.detail.rfind("done '", 0) == 0) {
          std::string name = e.detail.substr(6, e.detail.size() - 7);
          h.done_closed.emplace(name, e.step);
        }
        break;
      default:
        break;
    }
  }
  for (const FiberInfo& f : o.live) h.fibers[f.id].path = f.path;
  for (const FiberInfo& f : o.unreclaimed) h.fibers[f.id].path = f.path;
  return h;
}

bool keeps_running(Verdict v) {
  return v == Verdict::step_budget_exceeded || v == Verdict::time_budget_exceeded ||
         v == Verdict::still_running;
}

// "#3 root/flush (flush, spawned at leak_timer.cpp:27)"
std::string who_and_origin(const FiberInfo& f) {
  std::string s = fiber_label(f.id, f.path);
  s += " (";
  if (f.plain && f.file.empty()) {  // made where no stack was captured, or no debug info
    s += "a plain boost::fibers::fiber, spawn site unknown)";
    return s;
  }
  if (f.plain) {
    s += "a plain boost::fibers::fiber, spawned at ";
    s += f.site();
    s += ")";
    return s;
  }
  const std::string kind = kind_of(f.name);
  if (!kind.empty()) s += kind + ", ";
  s += "spawned at ";
  s += f.site();
  s += ")";
  return s;
}

// "blocked in recv on chan 'in' (cap 0) since step 12, at worker.cpp:40", or for a
// fiber that can run: "ready, last op: ... (n times); it watches ...".
std::string state_text(const FiberInfo& f, Verdict verdict) {
  std::string s;
  if (f.state == FiberState::terminated_not_joined) {
    // Nothing it watches matters: it has ended, and only its owner's join is missing.
    s += "terminated, not joined: its function returned, but the boost::fibers::fiber "
         "object was neither joined nor detached";
    return s;
  }
  if (f.state != FiberState::blocked) {
    s += to_string(f.state);
    if (!f.last_op.empty())
      s += ", last op: " + f.last_op + " (" + std::to_string(f.op_count) + " times)";
    // What could stop a fiber that never blocks: the done its loop checks.
    s += "; ";
    s += watched_done_text(f);
    return s;
  }
  // The runtime describes a wait as a noun phrase ("recv on chan ..."); an older
  // description of a plain Boost.Fiber wait starts with "blocked" itself.
  if (f.blocked_on.rfind("blocked ", 0) == 0) {
    s += f.blocked_on;
  } else {
    s += "blocked in ";
    s += f.blocked_on.empty() ? std::string("a wait") : f.blocked_on;
  }
  if (f.in_fibercheck_wait || f.in_boost_wait) {
    // A lock's or a once's description already says since when another fiber holds
    // it: say since when this one waits as a separate fact.
    const bool has_since = f.blocked_on.find(" since step ") != std::string::npos;
    s += has_since ? "; waiting since step " : " since step ";
    s += std::to_string(f.blocked_since_step);
  }
  const std::string at = f.blocked_site();
  if (!at.empty()) {
    s += ", at " + at;
  } else if (!f.in_fibercheck_wait) {
    s += ", at a line fibercheck cannot see (inside plain Boost.Fiber code)";
  }
  if (keeps_running(verdict) && !f.last_op.empty()) {
    // Blocked at this instant, yet it kept coming back (a loop over a timer or a poll).
    s += "; last op: " + f.last_op + " (" + std::to_string(f.op_count) + " times)";
    s += "; ";
    s += watched_done_text(f);
  }
  return s;
}

// For each channel the fiber waits on, every other fiber that used it. A fiber the
// report describes itself (`listed`) is named by its id alone: its path is on its line.
std::string channel_text(const FiberInfo& f, History& h, const std::set<std::uint64_t>& listed) {
  std::string s;
  for (const std::string& ch : channels_in(f.blocked_on)) {
    std::vector<std::string> others;
    for (const auto& [id, use] : h.users[ch]) {
      if (id == f.id) continue;
      if (id == 0) {
        std::string timer = "a timer, last at step ";
        timer += std::to_string(use.step);
        others.push_back(std::move(timer));
        continue;
      }
      const FiberHistory& other = h.fibers[id];
      // Appended piece by piece: GCC 12 at -O3 (Release) sees a false overlap
      // (-Wrestrict) in `"literal" + std::to_string(...)`.
      std::string who = "#";
      who += std::to_string(id);
      if (listed.count(id) == 0) who = fiber_label(id, other.path);
      if (use.departed) {
        who += " ";
        who += departure_text(use, ch);
        who += " and";
      }
      if (other.exited_at) {
        who += " exited at step ";
        who += std::to_string(*other.exited_at);
      } else {
        who += " is still alive";
      }
      others.push_back(std::move(who));
    }
    if (others.empty()) {
      s += "; no other fiber ever used '" + ch + "'";
    } else {
      s += "; other fibers on '" + ch + "': ";
      for (std::size_t i = 0; i < others.size(); ++i) s += (i ? ", " : "") + others[i];
    }
  }
  return s;
}

// A fiber's line in the report and the key that groups fibers leaked for the same
// reason (it leaves out what differs between copies of one bug: the path and steps).
struct Entry {
  std::string line;
  std::string reason;
  std::vector<std::string> stack;  // FiberInfo::stack, printed under the line
};

Entry describe(const FiberInfo& f, const Outcome& o, History& h,
               const std::set<std::uint64_t>& listed, const FiberInfo* unreclaimed) {
  const bool blocked = f.state == FiberState::blocked;
  Entry e;
  e.line = who_and_origin(f) + " " + state_text(f, o.verdict) + channel_text(f, h, listed);
  e.stack = f.stack;
  e.reason = kind_of(f.name) + "|" + f.blocked_on.substr(0, f.blocked_on.find(" on ")) + "|" +
             (channels_in(f.blocked_on).empty() ? "" : "chan");
  if (!blocked && !f.done.empty() && f.watched_done == f.done) {
    e.reason += "|running";  // the done it watches, said above, is the one it was given
  } else if (!f.done.empty()) {
    auto closed = h.done_closed.find(f.done);
    e.line += "; done '" + f.done + "' ";
    if (closed == h.done_closed.end()) {
      e.line += "never closed";
    } else {
      e.line += "closed at step ";
      e.line += std::to_string(closed->second);
    }
    // A fiber joining its children cannot end before they do: it is stuck
    // because of them, not because it ignored its done.
    const bool joining = f.blocked_on.rfind("join of", 0) == 0;
    // Watched means it waits on that very done; a wait on some other done does
    // not count (were that one derived from it, it would have closed with it).
    const bool watched = f.blocked_on.find("wait on done '" + f.done + "'") != std::string::npos;
    if (joining) {
      e.line += "; it waits for its children to end";
    } else if (!blocked) {
      // A fiber that keeps running may poll its done: nothing here says it does not.
    } else if (watched) {
      e.line += " and was watched";
    } else {
      e.line += " and was not watched";
      const std::string other = "wait on done '";
      if (const std::size_t at = f.blocked_on.find(other); at != std::string::npos) {
        const std::size_t end = f.blocked_on.find('\'', at + other.size());
        e.line += ": it waits on done '" +
                  f.blocked_on.substr(at + other.size(), end - at - other.size()) + "' instead";
      }
    }
    e.reason += !blocked ? "|running" : watched ? "|watched" : "|unwatched";
  } else if (blocked) {
    e.line += "; it was given no done signal at all";
    e.reason += "|nodone";
  }
  if (unreclaimed) {
    e.line += "; it could not be unwound: ";
    // Its line already says the wait is outside fibercheck: say only what follows.
    e.line +=
        f.state == FiberState::blocked && !f.in_fibercheck_wait && unreclaimed->not_unwound.empty()
            ? std::string("nothing interrupts a wait outside fibercheck")
            : why_not_unwound(*unreclaimed);
    e.reason += "|unreclaimed";
  }
  return e;
}

}  // namespace

std::string lineage_report(const Outcome& o) {
  // Every fiber live at the verdict, then any that could not be unwound and was not
  // live then (one the unwinding itself started).
  std::vector<const FiberInfo*> fibers;
  std::set<std::uint64_t> listed;
  std::map<std::uint64_t, const FiberInfo*> unreclaimed;  // as reclaim left it, with why
  for (const FiberInfo& f : o.unreclaimed) unreclaimed[f.id] = &f;
  for (const FiberInfo& f : o.live)
    if (listed.insert(f.id).second) fibers.push_back(&f);
  for (const FiberInfo& f : o.unreclaimed)
    if (listed.insert(f.id).second) fibers.push_back(&f);
  if (fibers.empty()) return "";

  History h = read_history(o);
  std::map<std::string, std::vector<Entry>> groups;
  std::vector<std::string> order;
  for (const FiberInfo* f : fibers) {
    const auto u = unreclaimed.find(f->id);
    Entry e = describe(*f, o, h, listed, u != unreclaimed.end() ? u->second : nullptr);
    if (!groups.count(e.reason)) order.push_back(e.reason);
    groups[e.reason].push_back(std::move(e));
  }
  std::string s = std::to_string(fibers.size()) + " fiber(s) leaked";
  s += order.size() > 1 ? ", for " + std::to_string(order.size()) + " reasons:\n" : ":\n";
  for (const std::string& r : order) {
    const auto& lines = groups[r];
    if (lines.size() > 1) s += "  " + std::to_string(lines.size()) + " fibers alike:\n";
    const std::string indent = lines.size() > 1 ? "    " : "  ";
    for (const Entry& e : lines) {
      s += indent + e.line + "\n";
      // Its stack where it parked (RunOptions::capture_stacks), under it, as goleak
      // prints a goroutine's.
      for (const std::string& frame : e.stack) s += indent + "    " + frame + "\n";
    }
  }
  return s;
}

std::string outcome_report(const Outcome& o) {
  std::string s = o.headline();
  if (!s.empty() && s.back() != '\n') s += '\n';
  s += lineage_report(o);
  return s;
}

}  // namespace fibercheck::harness
