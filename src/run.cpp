#include "fibercheck/run.hpp"

#include <algorithm>
#include <atomic>
#include <boost/fiber/operations.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "detail/boost_wait.hpp"
#include "detail/overflow.hpp"
#include "detail/runtime.hpp"
#include "detail/scheduler.hpp"
#include "detail/vclock.hpp"
#include "fibercheck/deadlock.hpp"
#include "fibercheck/exceptions.hpp"
#include "fibercheck/scope.hpp"

namespace fibercheck {

const char* to_string(Verdict v) noexcept {
  switch (v) {
    case Verdict::finished:
      return "finished";
    case Verdict::quiescent:
      return "quiescent";
    case Verdict::step_budget_exceeded:
      return "step budget exceeded";
    case Verdict::still_running:
      return "still running";
    case Verdict::time_budget_exceeded:
      return "time budget exceeded";
    case Verdict::exception:
      return "exception";
  }
  return "?";
}

std::string hex(std::uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

namespace {

std::string still_running_causes(const std::vector<FiberInfo>& live) {
  std::string s;
  for (const FiberInfo& f : live) {
    s += "  #" + std::to_string(f.id) + " " + f.path;
    if (!f.last_op.empty())
      s += " keeps doing " + f.last_op + " (" + std::to_string(f.op_count) + " times)";
    s += ": " + watched_done_text(f) + "\n";
  }
  return s;
}

}  // namespace

std::string why_not_unwound(const FiberInfo& f) {
  if (!f.not_unwound.empty()) return f.not_unwound;
  if (f.state == FiberState::blocked && !f.in_fibercheck_wait)
    return "blocked outside fibercheck (a plain boost::fibers wait), which it could not leave";
  if (f.state == FiberState::blocked)
    return "blocked in a wait that must finish normally (a scope's destructor waiting for "
           "its children)";
  return "kept running after it was told to unwind: a loop that never enters a fibercheck "
         "operation or a Boost.Fiber wait, or a catch (...) that swallows fibercheck's unwind "
         "without rethrowing";
}

std::string Outcome::summary() const { return summary(true); }
std::string Outcome::headline() const {
  std::string s = summary(false);
  while (!s.empty() && s.back() == '\n') s.pop_back();  // callers put it on lines of their own
  return s;
}

std::string Outcome::summary(bool list_fibers) const {
  std::string s = to_string(verdict);
  s += " after " + std::to_string(steps) + " steps (trace " + hex(trace_hash) + ")";
  if (verdict == Verdict::still_running && root_returned_at_step)
    s += ", root returned at step " + std::to_string(*root_returned_at_step);
  if (cancelled_at_step) s += ", root done closed at step " + std::to_string(*cancelled_at_step);
  if (verdict == Verdict::exception) s += ": fiber '" + error_path + "' threw: " + error;
  if (list_fibers && !live.empty()) {
    s += "\n" + std::to_string(live.size()) + " fiber(s) live:\n" + format(live);
  }
  if (verdict == Verdict::quiescent) {
    // Without the fiber lists the explanation names the fibers without their waits.
    const std::string why =
        explain_deadlock(live, list_fibers ? DeadlockText::full : DeadlockText::names_only);
    if (!why.empty()) {
      if (!list_fibers) s += '\n';
      s += why;
    }
  }
  if (list_fibers &&
      (verdict == Verdict::step_budget_exceeded || verdict == Verdict::time_budget_exceeded)) {
    // format() shows the last op of the ready ones; a timer loop is blocked at the verdict.
    std::string ops;
    for (const FiberInfo& f : live)
      if (f.state == FiberState::blocked && !f.last_op.empty())
        ops += "  #" + std::to_string(f.id) + " " + f.path + " last op: " + f.last_op + " (" +
               std::to_string(f.op_count) + " times)\n";
    if (!ops.empty()) s += "what the blocked ones kept doing:\n" + ops;
  }
  if (verdict == Verdict::still_running) {
    if (!list_fibers) s += '\n';
    s += "root has returned, yet ";
    s += std::to_string(live.size());
    s += " fiber(s) kept running through a fair wind-down: they leaked (nothing will ever stop "
         "them)";
    if (list_fibers) {
      s += ":\n";
      s += still_running_causes(live);
    } else {
      s += '\n';
    }
  }
  if (!reclaim_notes.empty()) {
    s += "\nwhile unwinding the leftover fibers:\n";
    for (const std::string& n : reclaim_notes) s += "  " + n + "\n";
  }
  if (!unreclaimed.empty()) {
    s += "\n" + std::to_string(unreclaimed.size()) +
         " fiber(s) could not be unwound (blocked outside fibercheck, or ignoring the unwind); "
         "their thread is parked";
    if (list_fibers) {
      // Each is in the live list above: here only why it stayed.
      s += ":\n";
      for (const FiberInfo& f : unreclaimed)
        s += "  #" + std::to_string(f.id) + " " + f.path + ": " + why_not_unwound(f) + "\n";
    } else {
      s += "\n";
    }
  }
  return s;
}

namespace {

using detail::FiberProps;
using detail::Runtime;
using detail::StopReason;

// Wakes p, parked in a Boost.Fiber wait queue, to unwind from there (the hooks in
// src/detail/boost_hooks.cpp do it on p's own stack). Not a park that cannot be unwound:
// one without a waker (Boost's noexcept parks), one where the unwind was refused, or a
// wait entered while unwinding already.
bool wake_boost_waiter(FiberProps& p) {
  detail::BoostWait& b = p.boost;
  if (b.how != detail::BoostPark::wait && b.how != detail::BoostPark::wait_until) return false;
  if (b.waker == nullptr || b.unwind || (b.joining && !detail::boost_join_unwind_safe(p)) ||
      !detail::boost_unwind_supported() || detail::boost_unwinding_now(p) ||
      detail::boost_unwind_refused_here(p))
    return false;
  b.unwind = true;
  b.waker->wake();
  return true;
}

// Asks every live fiber to unwind; wakes those blocked in a fibercheck wait, and those
// parked in a Boost.Fiber wait that can be unwound. Returns how many waits it interrupted.
std::size_t request_unwind(Runtime& rt) {
  std::size_t woken = 0;
  for (FiberProps* p = rt.first(); p; p = p->next) {
    if (p->exited) continue;
    p->unwinding = true;
    detail::Waiter* w = p->waiter;
    if (w && w->unwindable && w->try_claim(detail::kUnwind)) {
      w->wake();
      ++woken;
    } else if (w == nullptr && wake_boost_waiter(*p)) {
      ++woken;
    }
  }
  return woken;
}

// Why p, still parked in a Boost.Fiber wait after reclaim, was not unwound; empty when
// it is not parked in one.
std::string boost_not_unwound(const FiberProps& p) {
  using detail::BoostPark;
  switch (p.boost.how) {
    case BoostPark::none:
      return {};
    case BoostPark::suspend:
    case BoostPark::suspend_until:
      return "parked in boost::fibers::unbuffered_channel::push until a "
             "receiver takes its value (or in another park Boost declares noexcept); the value "
             "lives on this fiber's stack and the channel points at it";
    case BoostPark::sleep:
      return "asleep in boost::this_fiber::sleep_for/sleep_until, which "
             "Boost declares noexcept; it is unwound at its next wait once it wakes";
    case BoostPark::wait:
    case BoostPark::wait_until:
      break;
  }
  if (p.boost.joining && !detail::boost_join_unwind_safe(p)) {
    std::string why = "waits in boost::fibers::fiber::join for ";
    why += p.boost.joining_id != 0 ? "#" + std::to_string(p.boost.joining_id) : "a fiber";
    why +=
        ", which could not be unwound; a joiner is never unwound out of its join (the "
        "program's other joinable fiber objects would be destroyed, which terminates)";
    return why;
  }
  if (!detail::boost_unwind_supported())
    return "this build cannot unwind plain Boost.Fiber waits "
           "(Boost.Context's ucontext back end, used by the sanitizer builds)";
  if (detail::boost_unwind_refused_here(p)) return p.boost.cannot_unwind;
  if (detail::boost_unwinding_now(p))
    return "it blocked in a Boost.Fiber wait while being unwound (a "
           "destructor that waits)";
  return {};
}

// Unwinds every fiber still alive, so the thread can run the next case.
// Returns the fibers that could not be unwound.
std::vector<FiberInfo> reclaim(Runtime& rt, detail::Scheduler& s, detail::RunState& st) {
  if (rt.live() == 0) return {};
  st.cancel_step = 0;
  // Unwinding takes a few steps a fiber; a fiber that swallows the unwind and keeps
  // running is what this budget catches.
  st.max_steps = st.steps + 1000 + 64 * rt.live();
  st.stop = StopReason::none;
  st.early_timers = false;
  request_unwind(rt);
  for (;;) {
    boost::this_fiber::yield();
    StopReason r = s.take_stop();
    if (r == StopReason::budget) break;
    if (s.remote_pending()) continue;
    if (rt.live() == 0) break;
    if (r == StopReason::idle && request_unwind(rt) == 0) break;  // the rest cannot be woken
  }
  std::vector<FiberInfo> left = census();
  for (FiberInfo& f : left)
    if (const FiberProps* p = rt.by_id(f.id)) f.not_unwound = boost_not_unwound(*p);
  for (FiberProps* p = rt.first(); p; p = p->next)
    if (!p->exited && p->in_ready) s.quarantine(*p);
  return left;
}

// The instant of the next event: the earliest fibercheck timer or Boost.Fiber sleeper
// (this_fiber::sleep_for, a *_wait_for/_until: they read steady_clock, which is this
// run's clock); INT64_MAX when there is none.
std::int64_t next_due(const detail::RunState& st) noexcept {
  const std::int64_t timer = st.timers.empty() ? INT64_MAX : st.timers.begin()->first.first;
  return std::min(timer, detail::boost_next_deadline());
}

// Lets time pass to the next event: fires the earliest timers, or, when a Boost.Fiber
// deadline comes first, moves the clock to it. Either way the Boost sleepers due by
// then become ready at once (in deadline order), as Boost's dispatcher would make them.
void fire_due_timers(detail::RunState& st) {
  const std::int64_t boost_due = detail::boost_next_deadline();
  if (st.timers.empty() && boost_due == INT64_MAX) return;
  if (st.timers.empty() || boost_due < st.timers.begin()->first.first) {
    if (boost_due > st.now) st.now = boost_due;  // the clock never goes back
    // The wakes that follow are scheduling steps of their own; this says that time
    // passed, and to when, so that a run where it did not hashes differently.
    st.trace_hash = sched::mix(sched::mix(st.trace_hash, 0xB0057D1Eull), st.now);
    std::string what = "Boost.Fiber deadline at ";
    what += std::to_string(st.now);
    what += "ns";
    Runtime::get().event(EventKind::timer, 0, std::move(what));
    detail::boost_wake_due();
    return;
  }
  const std::int64_t due = st.timers.begin()->first.first;
  if (due > st.now) st.now = due;  // the clock never goes back
  while (!st.timers.empty() && st.timers.begin()->first.first == due) {
    detail::Timer* t = st.timers.begin()->second;
    st.timers.erase(st.timers.begin());
    t->armed = false;
    Runtime::get().event(EventKind::timer, 0, "timer due at " + std::to_string(due) + "ns");
    t->fire();
  }
  detail::boost_wake_due();
}

// The root as run_here calls it: with its done, or a void() root (`body`).
struct RootBody {
  const std::function<void(Done)>* with_done = nullptr;
  const std::function<void()>* body = nullptr;
};

Outcome run_here(const RootBody& root, const RunOptions& opt, const source_location& site) {
  Runtime& rt = Runtime::get();
  if (rt.sched == nullptr) install();
  detail::Scheduler& s = *rt.sched;
  if (rt.run != nullptr) throw std::logic_error("fibercheck::run: runs cannot nest");
  if (detail::current_fiber() != nullptr)
    throw std::logic_error("fibercheck::run: call it from a thread's main context, not a fiber");
  if (rt.live() != 0)
    throw std::logic_error("fibercheck::run: fibers from before the run are still alive:\n" +
                           format(census()));
  if (opt.stack_size < 16 * 1024)
    throw std::invalid_argument(
        "fibercheck::run: stack_size below 16 KiB crashes (a fiber's waits and unwinding use "
        "about 6.5 KiB)");

  const bool takes_done = root.with_done != nullptr;
  if (!takes_done && (opt.cancel_at_step || opt.cancel_at_time || opt.cancel_when_idle))
    throw std::invalid_argument(
        "fibercheck::run: this root takes no done, so nothing can cancel it: leave "
        "cancel_at_step, cancel_at_time and cancel_when_idle unset, or make root take a Done");
  Outcome out;
  out.root_takes_done = takes_done;
  detail::RunState st;
  st.strategy = sched::make_strategy(opt.strategy);
  st.strategy->begin(opt.strategy.seed);
  st.max_steps = opt.max_steps;
  st.max_virtual_time = opt.max_virtual_time.count();
  st.fair_from_step = std::min(opt.fair_after_steps, opt.max_steps / 2);
  if (opt.cancel_at_time) st.cancel_at_time = opt.cancel_at_time->count();
  st.record_events = opt.trace;
  st.record_detail = opt.record_choice_detail;
  st.events = &out.events;
  rt.stack_size = opt.stack_size;
  rt.guard_pages = opt.guard_pages;
  rt.capture_stacks = opt.capture_stacks;
  if (opt.guard_pages) detail::arm_overflow_report();
  rt.reset_ids();
  rt.run = &st;
  s.begin_run(st);

  DoneSource root_done(opt.root_name);
  auto cancel = [&] {
    st.cancel_fired = true;
    out.cancelled_at_step = st.steps;
    rt.event(EventKind::cancel, 0, "root done closed");
    root_done.close();
  };
  if (opt.cancel_at_step) {
    if (*opt.cancel_at_step == 0) {
      cancel();
    } else {
      st.cancel_step = *opt.cancel_at_step;
    }
  }
  // The end of the test body: once root has returned and its done is closed (or will
  // not be), the fibers left get RunOptions::leak_window_steps fair steps to end.
  bool window_open = false;
  std::uint64_t window_end = UINT64_MAX;
  auto open_window = [&] {
    if (window_open || !out.root_returned_at_step || opt.leak_window_steps == 0) return;
    const bool cancel_pending = !st.cancel_fired && (st.cancel_step != 0 || opt.cancel_at_time);
    if (cancel_pending) return;  // the window opens when the cancellation comes
    window_open = true;
    // The first half of the window is still the strategy's (a wind-down has interleavings
    // worth exploring too); from the second half on the schedule is fair, so a fiber that
    // polls until another acts gets its turn before anything is blamed.
    const std::uint64_t half = opt.leak_window_steps / 2;
    st.fair_from_step = std::min(st.fair_from_step, st.steps + half);
    const std::uint64_t grace = std::max<std::uint64_t>(opt.leak_window_steps - half,
                                                        16 * std::max<std::size_t>(rt.live(), 1));
    const std::uint64_t end = std::max(st.steps, st.fair_from_step) + grace;
    if (end < st.max_steps) {
      window_end = end;
      st.max_steps = end;
    }
  };
  auto root_returned = [&] {
    out.root_returned_at_step = st.steps;
    // A returned parent waits for nothing: closing when idle means closing now.
    if (opt.cancel_when_idle && !st.cancel_fired && st.cancel_step == 0 && !opt.cancel_at_time)
      cancel();
    open_window();
  };
  {
    FiberProps* p = detail::new_fiber(
        opt.root_name, site, takes_done ? root_done.done().name() : std::string(), nullptr);
    p->kind = "root";
    detail::mix_trace(detail::op_hash("kind", p->kind));
    detail::launch(p, nullptr, [&root, &root_returned, d = root_done.done()] {
      if (root.with_done) {
        (*root.with_done)(d);
      } else {
        (*root.body)();
      }
      root_returned();
    });
  }

  for (;;) {
    boost::this_fiber::yield();
    StopReason r = s.take_stop();
    if (r == StopReason::cancel) {
      cancel();
      open_window();
      continue;
    }
    if (r == StopReason::exception) {
      out.verdict = Verdict::exception;
      break;
    }
    if (r == StopReason::timer) {  // the strategy fired the earliest timer early
      fire_due_timers(st);
      continue;
    }
    if (r == StopReason::budget) {
      out.verdict = st.steps >= window_end ? Verdict::still_running : Verdict::step_budget_exceeded;
      break;
    }
    if (s.remote_pending()) continue;  // a wake-up from another thread is on its way
    if (rt.live() == 0) {
      out.verdict = Verdict::finished;
      break;
    }
    // Every fiber is blocked: time passes to the next event, a timer of fibercheck's or
    // a Boost.Fiber sleeper's deadline, unless a time-based cancellation comes first.
    const std::int64_t due = next_due(st);
    const bool timer_first = due != INT64_MAX && !(opt.cancel_at_time && !st.cancel_fired &&
                                                   opt.cancel_at_time->count() <= due);
    if (timer_first) {
      if (due > opt.max_virtual_time.count()) {
        out.verdict = Verdict::time_budget_exceeded;
        break;
      }
      fire_due_timers(st);
      ++st.steps;  // time passing counts against the step budget, so ticking forever ends
      if (st.steps >= st.max_steps) {
        out.verdict =
            st.steps >= window_end ? Verdict::still_running : Verdict::step_budget_exceeded;
        break;
      }
      continue;
    }
    if (opt.cancel_at_time && !st.cancel_fired) {
      if (st.now < opt.cancel_at_time->count()) st.now = opt.cancel_at_time->count();
      cancel();
      open_window();
      continue;
    }
    if (opt.cancel_when_idle && !st.cancel_fired) {
      cancel();
      open_window();
      continue;
    }
    out.verdict = Verdict::quiescent;
    break;
  }

  out.live = census();
  out.steps = st.steps;
  out.trace_hash = st.trace_hash;
  out.choices = st.choices;
  out.choice_defaults = st.choice_defaults;
  out.choice_counts = st.choice_counts;
  out.choice_detail = std::move(st.choice_detail);
  st.record_detail = false;
  out.preemptions = st.preemptions;
  out.virtual_time = std::chrono::nanoseconds(st.now);
  if (st.error) {
    out.exception = st.error;
    out.error = describe_exception(st.error);
    out.error_path = st.error_path;
  }
  st.record_events = false;
  st.reclaiming = true;
  out.unreclaimed = reclaim(rt, s, st);
  out.reclaim_notes = std::move(st.reclaim_notes);
  root_done.close();
  for (auto& [key, t] : st.timers) {
    t->armed = false;
    t->discard();
  }
  st.timers.clear();
  s.end_run();
  rt.run = nullptr;
  if (!out.unreclaimed.empty()) rt.poisoned = true;
  detail::trim_stacks();  // a huge tree's stacks do not stay resident after its run
  return out;
}

// Waits up to kHandoffSpin for pred() by spinning, before a caller falls back to
// sleeping on a condition variable. Handing a case to a sleeping thread and back costs
// two wake-ups: 46 us a run() of a one-child scope on this 2-core VM when both sides
// slept, 1.4 us with the spin, against 1.1 us for running it on the case thread itself.
constexpr std::chrono::microseconds kHandoffSpin{50};

template <class Pred>
bool spin_until(Pred pred) {
  const auto until = std::chrono::steady_clock::now() + kHandoffSpin;
  for (unsigned i = 1;; ++i) {
    if (pred()) return true;
    if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return false;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    std::this_thread::yield();
#endif
  }
}

// A thread that runs cases. It installs fibercheck's scheduler before any fiber
// exists on it (Boost never tells a scheduling algorithm of fibers created before it).
// When a case leaves fibers that cannot be unwound, the thread parks for good instead
// of returning (its exit would wait for them forever) and the owner starts another.
// Jobs and results are handed over through atomics, each side spinning briefly
// (spin_until) before it sleeps on the condition variable. The handover state is
// shared with the thread: the owner may see a parked thread's result and let go of it
// while that thread is still waking it.
class CaseThread {
 public:
  CaseThread() : s_(std::make_shared<Shared>()), thread_([s = s_] { loop(*s); }) {}
  ~CaseThread() {
    s_->quit.store(true, std::memory_order_release);
    s_->wake();
    if (s_->parked) {
      thread_.detach();
    } else {
      thread_.join();
    }
  }

  // Runs fn on the case thread and waits. Returns false if the thread parked.
  bool execute(const std::function<void()>& fn) {
    Shared& s = *s_;
    s.done.store(false, std::memory_order_relaxed);
    s.job.store(&fn, std::memory_order_release);
    s.wake();
    auto finished = [&s] { return s.done.load(std::memory_order_acquire); };
    if (!spin_until(finished)) {
      std::unique_lock<std::mutex> lk(s.m);
      s.cv.wait(lk, finished);
    }
    // error and parked were written before done was released.
    if (s.error) {
      auto e = s.error;
      s.error = nullptr;
      std::rethrow_exception(e);
    }
    return !s.parked;
  }

  [[nodiscard]] bool parked() const { return s_->parked; }
  static bool on_one() noexcept { return t_on_case_thread; }

 private:
  struct Shared {
    std::mutex m;
    std::condition_variable cv;
    std::atomic<const std::function<void()>*> job{nullptr};
    std::atomic<bool> done{false};
    std::atomic<bool> quit{false};
    bool parked = false;  // written by the case thread before it releases done
    std::exception_ptr error;

    // Wakes whichever side sleeps: the flag it waits for was stored before, and the
    // sleeper checks it under m, so taking m here cannot lose the wake-up.
    void wake() {
      { std::lock_guard<std::mutex> lk(m); }
      cv.notify_all();
    }
  };

  static void loop(Shared& s) {
    t_on_case_thread = true;
    install();
    auto have_work = [&s] {
      return s.job.load(std::memory_order_acquire) != nullptr ||
             s.quit.load(std::memory_order_acquire);
    };
    for (;;) {
      if (!spin_until(have_work)) {
        std::unique_lock<std::mutex> lk(s.m);
        s.cv.wait(lk, have_work);
      }
      const std::function<void()>* job = s.job.exchange(nullptr, std::memory_order_acq_rel);
      if (job == nullptr) return;  // quit
      std::exception_ptr err;
      try {
        (*job)();
      } catch (...) {
        err = std::current_exception();
      }
      const bool poisoned = Runtime::get().poisoned;
      s.error = err;
      s.parked = poisoned;
      s.done.store(true, std::memory_order_release);
      s.wake();
      if (poisoned) std::promise<void>().get_future().wait();  // parked for the life of the process
    }
  }

  static thread_local bool t_on_case_thread;
  std::shared_ptr<Shared> s_;  // the thread holds a reference too, for good if it parks
  std::thread thread_;
};

thread_local bool CaseThread::t_on_case_thread = false;

void execute_on_case_thread(const std::function<void()>& fn) {
  thread_local std::unique_ptr<CaseThread> t;
  if (!t) t = std::make_unique<CaseThread>();
  bool alive = true;
  try {
    alive = t->execute(fn);
  } catch (...) {
    if (t->parked()) t.reset();
    throw;
  }
  if (!alive) t.reset();
}

}  // namespace

namespace {
Outcome run_root(const RootBody& root, const RunOptions& options, const source_location& site) {
  if (CaseThread::on_one()) {
    if (Runtime::get().poisoned)
      throw std::logic_error(
          "fibercheck::run: this case thread is parked after an unreclaimable leak");
    return run_here(root, options, site);
  }
  Outcome out;
  execute_on_case_thread([&] { out = run_here(root, options, site); });
  return out;
}
}  // namespace

Outcome run(const std::function<void(Done)>& root, const RunOptions& options,
            source_location site) {
  return run_root(RootBody{&root, nullptr}, options, site);
}

Outcome run(const std::function<void()>& root, const RunOptions& options, source_location site) {
  return run_root(RootBody{nullptr, &root}, options, site);
}

void on_case_thread(const std::function<void()>& fn) {
  if (CaseThread::on_one()) {
    fn();
    return;
  }
  execute_on_case_thread(fn);
}

}  // namespace fibercheck
