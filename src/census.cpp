#include "fibercheck/census.hpp"

#include <algorithm>
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/operations.hpp>
#include <string_view>

#include "detail/done_state.hpp"
#include "detail/runtime.hpp"
#include "detail/scheduler.hpp"

namespace fibercheck {

const char* to_string(FiberState s) noexcept {
  switch (s) {
    case FiberState::ready:
      return "ready";
    case FiberState::running:
      return "running";
    case FiberState::blocked:
      return "blocked";
    case FiberState::terminated_not_joined:
      return "terminated, not joined";
  }
  return "?";
}

const char* const kWaitOutsideFibercheck =
    "a wait outside fibercheck (a plain Boost.Fiber mutex, condition variable, channel, "
    "join or sleep)";

std::string FiberInfo::site() const {
  if (file.empty()) return "unknown site (plain boost fiber)";
  return file + ":" + std::to_string(line);
}

std::string FiberInfo::blocked_site() const {
  if (blocked_file.empty()) return {};
  return blocked_file + ":" + std::to_string(blocked_line);
}

namespace {

// True for a file of the C++ standard library's headers ("/usr/include/c++/12/bits/
// std_mutex.h", ".../include/c++/v1/__mutex_base"): the caller of Mutex::lock() inside
// std::lock_guard, std::unique_lock or std::scoped_lock, whose line says nothing about
// the program.
bool in_standard_library(const char* file) {
  return std::string_view(file).find("include/c++/") != std::string_view::npos;
}

// Where a fiber blocked in a fibercheck wait blocked, when the call site is known.
void fill_blocked_site(FiberInfo& f, const detail::Waiter& w) {
  const char* file = w.site.file_name();
  if (file == nullptr || *file == '\0' || w.site.line() == 0 || in_standard_library(file)) return;
  f.blocked_file = file;
  f.blocked_line = w.site.line();
}

}  // namespace

std::vector<FiberInfo> census() {
  std::vector<FiberInfo> out;
  detail::Runtime& rt = detail::Runtime::get();
  detail::FiberProps* self = detail::current_fiber();
  const bool in_run = rt.run != nullptr;
  for (detail::FiberProps* p = rt.first(); p; p = p->next) {
    if (p->exited && !p->plain) continue;
    FiberInfo f;
    f.id = p->id;
    f.parent_id = p->parent_id;
    f.name = p->name;
    f.path = p->path;
    if (p->file) f.file = p->file;
    f.line = p->line;
    if (p->function) f.function = p->function;
    f.done = p->done_name;
    f.plain = p->plain;
    f.kind = p->kind;
    f.created_step = p->created_step;
    f.blocked_since_step = p->blocked_since;
    if (const auto& op = p->recent_ops[p->last_op]; op.verb != nullptr) {
      f.last_op = op.verb;
      if (!op.name.empty()) f.last_op += " '" + op.name + "'";
      f.op_count = op.count;
    }
    if (p->watched_never) {
      f.watched_done = "never";
    } else if (const auto w = p->watched.lock()) {
      f.watched_done = w->name;
      f.watched_done_closed = w->is_closed.load(std::memory_order_acquire);
    }
    if (p->exited) {
      f.state = FiberState::terminated_not_joined;
    } else if (p == self) {
      f.state = FiberState::running;
    } else if (p->waiter != nullptr) {
      f.state = FiberState::blocked;
      f.in_fibercheck_wait = true;
      f.blocked_on = p->waiter->describe();
      fill_blocked_site(f, *p->waiter);
      // A claimed waiter is about to run: it no longer waits for anyone.
      const bool pending = p->waiter->fired.load(std::memory_order_acquire) == detail::kPending;
      for (int i = 0; pending && i < p->waiter->node_count; ++i) {
        const detail::WaitNode& n = p->waiter->nodes[i];
        for (std::uint64_t h : n.object->holders(n.op))
          if (std::find(f.waits_for.begin(), f.waits_for.end(), h) == f.waits_for.end())
            f.waits_for.push_back(h);
      }
    } else if (in_run && !p->in_ready) {
      f.state = FiberState::blocked;
      f.blocked_on = kWaitOutsideFibercheck;
    } else {
      f.state = FiberState::ready;
    }
    out.push_back(std::move(f));
  }
  return out;
}

std::size_t live_fibers() { return detail::Runtime::get().live(); }

std::string format(const std::vector<FiberInfo>& fibers) {
  std::string s;
  for (const FiberInfo& f : fibers) {
    s += "  #" + std::to_string(f.id) + " " + f.path + " " + to_string(f.state);
    if (!f.blocked_file.empty()) s += " at " + f.blocked_site();
    if (!f.blocked_on.empty()) {
      s += ": " + f.blocked_on;
      if (f.state == FiberState::blocked && f.in_fibercheck_wait) {
        // A lock's description already says since when it is held.
        const bool has_since = f.blocked_on.find(" since step ") != std::string::npos;
        s += (has_since ? "; waiting since step " : " since step ") +
             std::to_string(f.blocked_since_step);
      }
    }
    if (!f.last_op.empty() && (f.state == FiberState::ready || f.state == FiberState::running))
      s += "; last op: " + f.last_op + " (" + std::to_string(f.op_count) + " times)";
    if (!f.done.empty()) s += "; given done '" + f.done + "'";
    s += " [spawned at " + f.site() + "]\n";
  }
  return s;
}

std::string watched_done_text(const FiberInfo& f) {
  if (f.watched_done.empty()) return "it watches no done signal, so nothing can stop it";
  if (f.watched_done == "never")
    return "it watches a Done that never closes (a default-constructed Done, Go's "
           "context.Background())";
  if (f.watched_done_closed)
    return "done '" + f.watched_done + "' it watches is closed, yet it goes on";
  return "it watches done '" + f.watched_done + "', which nobody closed";
}

std::string describe_leaks(const std::vector<FiberInfo>& fibers) {
  if (fibers.empty()) return "";
  return "expected no live fibers, found " + std::to_string(fibers.size()) + ":\n" + format(fibers);
}

void install() {
  if (installed()) return;
  boost::fibers::use_scheduling_algorithm<detail::Scheduler>();
}

bool installed() noexcept { return detail::Runtime::get().sched != nullptr; }

}  // namespace fibercheck
