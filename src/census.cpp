#include "fibercheck/census.hpp"

#include <algorithm>
#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/operations.hpp>
#include <map>
#include <string_view>

#include "detail/done_state.hpp"
#include "detail/runtime.hpp"
#include "detail/scheduler.hpp"
#include "detail/symbolize.hpp"

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

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// "boost::fibers::buffered_channel<int>::pop(int&)" -> {"boost::fibers::buffered_channel<int>",
// "pop"}: the qualifier and the last name, split at the last "::" outside template
// arguments.
std::pair<std::string, std::string> split_qualified(const std::string& bare) {
  int depth = 0;
  std::size_t cut = std::string::npos;
  for (std::size_t i = 0; i + 1 < bare.size(); ++i) {
    if (bare[i] == '<' || bare[i] == '(') ++depth;
    if (bare[i] == '>' || bare[i] == ')') --depth;
    if (depth == 0 && bare[i] == ':' && bare[i + 1] == ':') cut = i;
  }
  if (cut == std::string::npos) return {"", bare};
  return {bare.substr(0, cut), bare.substr(cut + 2)};
}

// A level of Boost.Fiber's public API: a primitive's member or a this_fiber function.
bool is_boost_fiber_api(const std::string& fn) {
  if (starts_with(fn, "boost::this_fiber::")) return true;
  return starts_with(fn, "boost::fibers::") && !starts_with(fn, "boost::fibers::detail::") &&
         !starts_with(fn, "boost::fibers::wait_queue::") &&
         !starts_with(fn, "boost::fibers::algo::") &&
         // The fiber's start-up frame: a fiber whose function ends in a tail call to the
         // wait has no frame of its own left, and run_ is not what it waits in.
         !starts_with(fn, "boost::fibers::worker_context") &&
         !starts_with(fn, "boost::fibers::scheduler::");
}

// "file:line" of the first level that is the program's own code.
const detail::SourceLevel* first_program_level(const std::vector<detail::SourceLevel>& levels) {
  for (const detail::SourceLevel& l : levels)
    if (!l.internal) return &l;
  return nullptr;
}

// Every level of a captured stack, innermost first.
std::vector<detail::SourceLevel> levels_of(const void* const* pcs, std::size_t n) {
  std::vector<detail::SourceLevel> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<detail::SourceLevel> l = detail::symbolize(pcs[i]);
    out.insert(out.end(), std::make_move_iterator(l.begin()), std::make_move_iterator(l.end()));
  }
  return out;
}

// Where the stack of a Boost park starts being the primitive's: the frame of the hooked
// call's return address; the frames before it are fibercheck's hook.
std::size_t primitive_frame(const detail::FiberProps& p) {
  for (std::size_t i = 0; i < p.park_depth; ++i)
    if (p.park_stack[i] == p.boost.ret) return i;
  return p.park_depth;
}

// The levels of a Boost park from the primitive outward: the captured stack when there
// is one (a park inside libboost_fiber.so, or capture_stacks), else the inlined levels
// of the return address alone (a header primitive inlined into the program's function).
std::vector<detail::SourceLevel> boost_park_levels(const detail::FiberProps& p) {
  const std::size_t from = primitive_frame(p);
  if (from < p.park_depth) return levels_of(p.park_stack.data() + from, p.park_depth - from);
  return detail::symbolize(p.boost.ret);
}

// "pop on boost::fibers::buffered_channel<int>", "sleep_for": the outermost level of
// Boost.Fiber's API before the program's code; empty when none is named. An inlined
// level whose template arguments have no linkage (a lambda predicate) has no mangled
// name, and its debug information names it unqualified ("wait<...>"): then its scope is
// taken from the nearest qualified level inside it (for condition_variable::wait(lk,
// pred), the condition_variable_any it waits on underneath).
std::string boost_operation(const std::vector<detail::SourceLevel>& levels) {
  std::string scope;
  std::string name;
  std::string inner_scope;  // of the last qualified level of the API
  for (const detail::SourceLevel& l : levels) {
    if (!l.internal) break;
    const std::string bare = detail::bare_function_name(l.function);
    auto [sc, nm] = split_qualified(bare);
    if (is_boost_fiber_api(bare)) {
      scope = inner_scope = sc;
      name = nm;
    } else if (sc.empty() && !nm.empty() && l.file.find("boost/fiber/") != std::string::npos &&
               l.file.find("boost/fiber/detail/") == std::string::npos && !inner_scope.empty()) {
      scope = inner_scope;
      name = nm;
    }
  }
  if (name.empty()) return "";
  if (scope.empty() || scope == "boost::this_fiber") return name;
  // fiber::join parks in the joined fiber's context::join, in libboost_fiber.so: without
  // a stack that frame is all there is, and the program called fiber::join.
  if (scope == "boost::fibers::context" && name == "join") scope = "boost::fibers::fiber";
  return name + " on " + scope;
}

// The census's line for a fiber parked in a Boost wait, its object said separately.
void fill_boost_wait(FiberInfo& f, const detail::FiberProps& p) {
  const std::vector<detail::SourceLevel> levels = boost_park_levels(p);
  f.blocked_on = boost_operation(levels);
  if (f.blocked_on.empty()) f.blocked_on = kWaitOutsideFibercheck;
  if (const detail::SourceLevel* at = first_program_level(levels); at && !at->file.empty()) {
    f.blocked_file = at->file;
    f.blocked_line = at->line;
  }
}

// A plain fiber's spawn site: the program's line that constructed it.
void fill_spawn_site(FiberInfo& f, const detail::FiberProps& p) {
  if (p.spawn_depth == 0) return;
  const std::vector<detail::SourceLevel> levels = levels_of(p.spawn_stack.data(), p.spawn_depth);
  const detail::SourceLevel* at = first_program_level(levels);
  if (at == nullptr || at->file.empty()) return;
  f.file = at->file;
  f.line = at->line;
  f.function = at->function;
}

// "function at file:line" per level of the stack captured at the park, from the wait's
// own frames outward: fibercheck's hook and park machinery above it (all of fibercheck's
// frames, for a fibercheck wait), and the fiber's start-up frames below the program's
// last one, are left out.
std::vector<std::string> stack_text(const detail::FiberProps& p) {
  if (!p.park_stack_full || p.park_depth == 0) return {};
  std::size_t from = 0;
  if (p.boost.how != detail::BoostPark::none) {
    from = primitive_frame(p);
    if (from == p.park_depth) from = 0;
  }
  std::vector<detail::SourceLevel> levels =
      levels_of(p.park_stack.data() + from, p.park_depth - from);
  // A fibercheck wait starts at the program's frame: its description already names the
  // operation. A Boost wait keeps the primitive's frames, which the name comes from.
  std::size_t first = 0;
  const bool boost_wait = p.boost.how != detail::BoostPark::none;
  while (first < levels.size() &&
         (boost_wait ? starts_with(levels[first].function, "fibercheck::detail::")
                     : levels[first].internal))
    ++first;
  std::size_t end = levels.size();
  while (end > first && levels[end - 1].internal) --end;
  std::vector<std::string> out;
  for (std::size_t i = first; i < end; ++i) {
    const detail::SourceLevel& l = levels[i];
    std::string line = l.function.empty() ? std::string("??") : l.function;
    if (!l.file.empty()) {
      line += " at ";
      line += l.file;
      line += ':';
      line += std::to_string(l.line);
    }
    out.push_back(std::move(line));
  }
  return out;
}

// Numbers the wait queues of Boost parks in order of first appearance and says, for each
// parked fiber, which object it waits on and who else waits there.
void name_boost_objects(std::vector<FiberInfo>& out, const std::vector<const void*>& queues) {
  std::map<const void*, std::uint64_t> number;
  std::map<const void*, std::vector<std::uint64_t>> waiters;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (queues[i] == nullptr) continue;
    number.emplace(queues[i], number.size() + 1);
    waiters[queues[i]].push_back(out[i].id);
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (queues[i] == nullptr) continue;
    std::string s = " (object ";
    s += std::to_string(number[queues[i]]);
    bool first = true;
    for (std::uint64_t id : waiters[queues[i]]) {
      if (id == out[i].id) continue;
      s += first ? ", also waited on by #" : ", #";
      s += std::to_string(id);
      first = false;
    }
    s += ")";
    out[i].blocked_on += s;
  }
}

}  // namespace

std::vector<FiberInfo> census() {
  std::vector<FiberInfo> out;
  detail::Runtime& rt = detail::Runtime::get();
  detail::FiberProps* self = detail::current_fiber();
  const bool in_run = rt.run != nullptr;
  std::vector<const void*> queues;  // per fiber in `out`: the Boost wait queue it parks in
  for (detail::FiberProps* p = rt.first(); p; p = p->next) {
    if (p->exited && !p->plain) continue;
    FiberInfo f;
    const void* queue = nullptr;
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
    } else if (p->boost.how != detail::BoostPark::none) {
      f.state = FiberState::blocked;
      f.in_boost_wait = true;
      fill_boost_wait(f, *p);
      queue = p->boost.queue;
    } else if (in_run && !p->in_ready) {
      f.state = FiberState::blocked;
      f.blocked_on = kWaitOutsideFibercheck;
    } else {
      f.state = FiberState::ready;
    }
    if (p->plain && f.file.empty()) fill_spawn_site(f, *p);
    if (f.state == FiberState::blocked) f.stack = stack_text(*p);
    out.push_back(std::move(f));
    queues.push_back(queue);
  }
  name_boost_objects(out, queues);
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
      if (f.state == FiberState::blocked && (f.in_fibercheck_wait || f.in_boost_wait)) {
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
