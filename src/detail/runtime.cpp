#include "detail/runtime.hpp"

#include <algorithm>
#include <boost/fiber/operations.hpp>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <string_view>
#include <typeinfo>

#include "detail/done_state.hpp"
#include "detail/scheduler.hpp"
#include "detail/symbolize.hpp"
#include "fibercheck/sched/rng.hpp"
#include "fibercheck/yield.hpp"

namespace fibercheck::detail {

namespace {
thread_local bool t_runtime_gone = false;
}

bool runtime_alive() noexcept { return !t_runtime_gone; }

Runtime& Runtime::get() {
  thread_local Runtime rt;
  return rt;
}

Runtime::~Runtime() { t_runtime_gone = true; }

FiberProps::~FiberProps() {
  if (registered && runtime_alive()) Runtime::get().forget(*this);
}

constinit thread_local RunningContext t_running;

FiberProps* current_fiber() noexcept {
  if (t_running.valid) return t_running.props;
  boost::fibers::fiber_properties* props = boost::fibers::context::active()->get_properties();
  if (props == nullptr) return nullptr;
  // FiberProps is final: comparing the dynamic type is exact and cheaper than a
  // dynamic_cast (another algorithm_with_properties may have its own properties).
  if (typeid(*props) != typeid(FiberProps)) return nullptr;
  auto* p = static_cast<FiberProps*>(props);
  return p->internal ? nullptr : p;
}

void Runtime::adopt(FiberProps& p, FiberProps* parent) {
  p.id = next_id++;
  p.parent_id = parent ? parent->id : 0;
  p.created_step = run ? run->steps : 0;
  p.registered = true;
  p.prev = tail_;
  p.next = nullptr;
  if (tail_) {
    tail_->next = &p;
  } else {
    head_ = &p;
  }
  tail_ = &p;
  if (run != nullptr) {
    if (by_id_.size() <= p.id) by_id_.resize(p.id * 2 + 16, nullptr);
    by_id_[p.id] = &p;
  }
}

void Runtime::forget(FiberProps& p) noexcept {
  if (!p.registered) return;
  if (p.prev) {
    p.prev->next = p.next;
  } else {
    head_ = p.next;
  }
  if (p.next) {
    p.next->prev = p.prev;
  } else {
    tail_ = p.prev;
  }
  p.prev = p.next = nullptr;
  p.registered = false;
  if (p.id < by_id_.size() && by_id_[p.id] == &p) by_id_[p.id] = nullptr;
}

FiberProps* Runtime::by_id(std::uint64_t id) const noexcept {
  return id < by_id_.size() ? by_id_[id] : nullptr;
}

std::size_t Runtime::live() const noexcept {
  std::size_t n = 0;
  for (FiberProps* p = head_; p; p = p->next)
    if (!p->exited) ++n;
  return n;
}

// One source of virtual time: under a run steady_clock::now() reads
// kVirtualEpoch + run->now on this thread (src/detail/vclock.cpp), so fibercheck's
// clock and Boost.Fiber's sleeps agree; outside a run both are the real steady clock.
std::int64_t Runtime::now() const {
  if (run != nullptr) return run->now;
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Runtime::arm(Timer& t, std::int64_t due) {
  if (run == nullptr) throw std::logic_error("fibercheck: virtual timers need a run");
  if (t.armed) disarm(t);
  t.due = due < run->now ? run->now : due;
  t.seq = ++run->timer_seq;
  run->timers.emplace(std::make_pair(t.due, t.seq), &t);
  t.armed = true;
}

void Runtime::disarm(Timer& t) noexcept {
  if (!t.armed) return;
  if (run != nullptr) run->timers.erase(std::make_pair(t.due, t.seq));
  t.armed = false;
}

void Runtime::event(EventKind kind, std::uint64_t fiber, std::string detail) {
  if (run == nullptr || !run->record_events || run->events == nullptr) return;
  run->events->push_back(Event{run->steps, run->now, kind, fiber, std::move(detail)});
}

void Runtime::reset_ids() {
  next_id = 1;
  by_id_.clear();
}

// ---- WaitList ----

void WaitList::push_back(WaitNode& n) noexcept {
  n.prev = tail_;
  n.next = nullptr;
  if (tail_) {
    tail_->next = &n;
  } else {
    head_ = &n;
  }
  tail_ = &n;
  n.linked = true;
}

void WaitList::remove(WaitNode& n) noexcept {
  if (!n.linked) return;
  if (n.prev) {
    n.prev->next = n.next;
  } else {
    head_ = n.next;
  }
  if (n.next) {
    n.next->prev = n.prev;
  } else {
    tail_ = n.prev;
  }
  n.prev = n.next = nullptr;
  n.linked = false;
}

WaitNode* WaitList::claim_first() noexcept {
  for (WaitNode* n = head_; n; n = n->next) {
    if (n->waiter->try_claim(n->index)) {
      remove(*n);
      return n;
    }
  }
  return nullptr;
}

// ---- Waiter ----

namespace {
struct SleepTimer final : Timer {
  Waiter* w = nullptr;
  void fire() override {
    if (w->try_claim(kTimeout)) w->wake();
  }
};
}  // namespace

std::string Waiter::describe() const {
  std::string s;
  for (int i = 0; i < node_count; ++i) {
    if (!s.empty()) s += " or ";
    s += nodes[i].object->describe(nodes[i].op);
  }
  if (deadline) {
    std::string until = "until t=" + std::to_string(*deadline) + "ns";
    s = s.empty() ? "sleep " + until : s + ", " + until;
  }
  if (s.empty()) s = "a wait with nothing that can end it";
  if (node_count > 1) s = "select {" + s + "}";
  return s;
}

void Waiter::wake() {
  // Wakes under the lock, as Boost's wait_queue does: a fiber that timed out cannot
  // return (and take the waiter off its stack) until wake() is done with it.
  boost::fibers::detail::spinlock_lock lk(splk);
  signaled = true;
  if (parked) {
    parked = false;
    waker.wake();
  }
}

int Waiter::block(std::optional<std::int64_t> deadline_ns) {
  Runtime& rt = Runtime::get();
  FiberProps* self = current_fiber();
  const bool virtual_time = rt.run != nullptr;
  deadline = deadline_ns;
  SleepTimer timer;
  if (deadline_ns && virtual_time) {
    timer.w = this;
    rt.arm(timer, *deadline_ns);
  }
  if (self) {
    self->waiter = this;
    self->blocked_since = rt.run ? rt.run->steps : 0;
    self->park_stack_full = rt.capture_stacks;
    self->park_depth = rt.capture_stacks ? static_cast<std::uint8_t>(capture_stack(
                                               self->park_stack.data(), FiberProps::kParkFrames))
                                         : 0;
    if (rt.run && rt.run->record_events) rt.event(EventKind::block, self->id, describe());
  }
  {
    boost::fibers::context* active = running_context();
    boost::fibers::detail::spinlock_lock lk(splk);
    while (!signaled) {
      waker = active->create_waker();
      parked = true;
      if (deadline_ns && !virtual_time) {
        std::chrono::steady_clock::time_point tp{std::chrono::nanoseconds(*deadline_ns)};
        const bool woken = active->wait_until(tp, lk, boost::fibers::waker(waker));
        lk.lock();
        if (!woken) {
          parked = false;
          if (!signaled && try_claim(kTimeout)) break;
        }
      } else {
        active->suspend(lk);  // unlocks; wake() schedules this fiber again
        lk.lock();
      }
    }
  }
  if (self) {
    self->waiter = nullptr;
    rt.event(EventKind::wake, self->id, "");
  }
  rt.disarm(timer);
  return fired.load(std::memory_order_acquire);
}

// ---- scheduling hooks ----

namespace {
// Throws Unwind on entry to a primitive. A fiber that swallowed an earlier one
// (catch (...) without rethrow) and came back takes a scheduling step first: else
// it could spin between here and its handler for ever without one, and the
// reclaim budget, which counts steps, would never stop it.
[[noreturn]] void throw_unwind(FiberProps& p) {
  if (p.unwinds_thrown++ > 0) {
    Runtime& rt = Runtime::get();
    if (rt.run != nullptr && rt.sched != nullptr) rt.sched->yield_point(p);
  }
  throw Unwind{};
}
}  // namespace

void check_unwind() {
  FiberProps* p = current_fiber();
  if (p != nullptr && p->unwinding && std::uncaught_exceptions() == 0) throw_unwind(*p);
}

void sched_point() {
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || rt.sched == nullptr) return;
  FiberProps* p = current_fiber();
  if (p == nullptr) return;
  rt.sched->yield_point(*p);
  if (p->unwinding && std::uncaught_exceptions() == 0) throw Unwind{};
}

namespace {
std::uint64_t fnv1a(std::uint64_t h, std::string_view s) noexcept {
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}
}  // namespace

std::uint64_t op_hash(const char* verb, const std::string& name) noexcept {
  std::uint64_t h = fnv1a(0xcbf29ce484222325ull, verb);
  h = (h ^ 0xFFu) * 0x100000001b3ull;  // a byte no text holds: "ab"+"c" differs from "a"+"bc"
  return fnv1a(h, name);
}

void mix_trace(std::uint64_t v) noexcept {
  Runtime& rt = Runtime::get();
  if (rt.run != nullptr) rt.run->trace_hash = sched::mix(rt.run->trace_hash, v);
}

namespace {
// Records "verb 'name'" among the fiber's recent operations and returns its slot.
// Compares the literal's address and the name; a new operation takes the least recently
// used slot (and hashes its verb and name once). A loop over a few operations neither
// allocates, moves strings nor hashes them again.
const FiberProps::RecentOp& note_op(FiberProps& p, const char* verb, const std::string& name) {
  auto& ops = p.recent_ops;
  FiberProps::RecentOp* slot = &ops[p.last_op];
  if (slot->verb != verb || slot->name != name) {
    FiberProps::RecentOp* oldest = &ops[0];
    slot = nullptr;
    for (auto& op : ops) {
      if (op.verb == verb && op.name == name) {
        slot = &op;
        break;
      }
      if (op.used < oldest->used) oldest = &op;
    }
    if (slot == nullptr) {
      slot = oldest;
      slot->verb = verb;
      slot->name = name;
      slot->count = 0;
      slot->hash = op_hash(verb, name);
    }
    p.last_op = static_cast<std::uint8_t>(slot - ops.data());
  }
  ++slot->count;
  slot->used = ++p.op_clock;
  return *slot;
}
}  // namespace

void enter(const char* verb, const std::string& name) {
  // check_unwind() and sched_point() with one lookup of the current fiber.
  FiberProps* p = current_fiber();
  if (p == nullptr) return;
  if (p->unwinding && std::uncaught_exceptions() == 0) throw_unwind(*p);
  const FiberProps::RecentOp& op = note_op(*p, verb, name);
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || rt.sched == nullptr) return;
  // The trace hash names the program: which fiber did what to which object (the
  // schedule's own decisions are mixed in by the scheduler).
  rt.run->trace_hash = sched::mix(rt.run->trace_hash, op.hash);
  rt.sched->yield_point(*p);
  if (p->unwinding && std::uncaught_exceptions() == 0) throw Unwind{};
  if (rt.run->record_detail) touch(name);  // the operation runs in the step that follows
}

void sync_point(const char* verb, const std::string& name) {
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || rt.sched == nullptr) return;
  FiberProps* p = current_fiber();
  if (p == nullptr) return;
  rt.run->trace_hash = sched::mix(rt.run->trace_hash, note_op(*p, verb, name).hash);
  rt.sched->yield_point(*p);
  if (rt.run != nullptr && rt.run->record_detail) touch(name);
}

void note_watch(const DoneState* done) noexcept {
  FiberProps* p = current_fiber();
  if (p == nullptr) return;
  if (done == nullptr) {
    p->watched_never = true;
    p->watched_raw = nullptr;
    p->watched.reset();
    return;
  }
  p->watched_never = false;
  // The same state again, still alive: nothing to do (an expired one may have been
  // replaced by a new state at the same address).
  if (p->watched_raw == done && !p->watched.expired()) return;
  p->watched = done->weak_from_this();
  p->watched_raw = done;
}

void touch(const std::string& name) noexcept {
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || !rt.run->record_detail || rt.run->choice_detail.empty()) return;
  // FNV-1a; equal names count as one primitive, which only costs reduction.
  const std::uint64_t h = fnv1a(0xcbf29ce484222325ull, name);
  auto& t = rt.run->choice_detail.back().touched;
  if (std::find(t.begin(), t.end(), h) == t.end()) t.push_back(h);
}

void touch_all() noexcept {
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || !rt.run->record_detail || rt.run->choice_detail.empty()) return;
  rt.run->choice_detail.back().touched_all = true;
}

std::size_t choose_case(std::size_t n) {
  Runtime& rt = Runtime::get();
  if (rt.sched == nullptr || rt.run == nullptr) {
    // Outside a deterministic run, as Go does: any ready case, uniformly. Always the
    // first would starve a closed done behind a channel that is always ready, and
    // `for { select { case ch <- v: case <-done: return } }` would never return.
    if (n <= 1) return 0;
    thread_local sched::Rng rng(0x5E1EC7ull);
    return rng.below(n);
  }
  return rt.sched->choose_case(n);
}

std::size_t choose_value(std::size_t n) {
  if (n == 0) throw std::invalid_argument("fibercheck::choose: n must be at least 1");
  Runtime& rt = Runtime::get();
  if (rt.sched == nullptr || rt.run == nullptr || current_fiber() == nullptr) {
    if (n == 1) return 0;
    thread_local sched::Rng rng(0xC4005Eull);
    return rng.below(n);
  }
  return rt.sched->choose_value(n);
}

}  // namespace fibercheck::detail

namespace fibercheck {

void yield() {
  detail::Runtime& rt = detail::Runtime::get();
  if (rt.run != nullptr && rt.sched != nullptr) {
    static const std::string kYield;
    detail::sync_point("yield", kYield);
    // A fiber spinning on yield() alone is unwound here when its run reclaims it;
    // without this its case thread could only be parked.
    detail::check_unwind();
    return;
  }
  boost::this_fiber::yield();
}

std::size_t choose(std::size_t n) { return detail::choose_value(n); }

}  // namespace fibercheck
