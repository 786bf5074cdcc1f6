#include "detail/scheduler.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <boost/fiber/detail/fss.hpp>
#include <boost/fiber/type.hpp>
#include <cstring>

#include "detail/boost_wait.hpp"
#include "detail/symbolize.hpp"
#include "detail/vclock.hpp"
#include "fibercheck/sched/rng.hpp"

namespace fibercheck::detail {

namespace {

using boost::fibers::context;
using boost::fibers::type;

// Runs when a plain boost fiber's function returns (an fss cleanup set from
// new_properties runs exactly then; the properties live until join or detach): marks it
// exited.
class ExitMarker final : public boost::fibers::detail::fss_cleanup_function {
 public:
  void operator()(void* data) override {
    auto* p = static_cast<FiberProps*>(data);
    p->exited = true;
    if (runtime_alive()) Runtime::get().event(EventKind::exit, p->id, "");
  }
};

const int kExitKey = 0;

// The strategy sees option ids through this view of the ready set plus the
// yielding fiber, which is still running and so not in the set.
struct OptionView {
  ReadySet& ready;
  std::uint64_t self;  // 0 when the current fiber is not an option
  std::size_t below;   // ready.rank(self): the options before the current fiber
  std::uint64_t id_at(std::size_t i) const {
    if (self == 0) return ready.kth(i);
    if (i < below) return ready.kth(i);
    if (i == below) return self;
    return ready.kth(i - 1);
  }
};

// A spawn (new ids handed out) or an exit (the last fiber to run is gone) in the step
// that just ended: either one may change what any other step does.
void note_step_end(RunState& run, Runtime& rt) noexcept {
  if (run.choice_detail.empty()) {
    run.detail_next_id = rt.next_id;
    return;
  }
  bool all = rt.next_id != run.detail_next_id;
  run.detail_next_id = rt.next_id;
  if (run.detail_running != 0) {
    FiberProps* last = rt.by_id(run.detail_running);
    if (last == nullptr || last->exited) all = true;
  }
  if (all) run.choice_detail.back().touched_all = true;
}

// The deadline that comes first: the earliest fibercheck timer or the earliest
// Boost.Fiber sleeper (a tie goes to the timer, and the sleepers due then wake with it),
// with the option id a strategy sees for it (sched::timer_id): a Boost deadline's id is
// made of its instant, so each new deadline is ranked afresh, as each new timer is.
struct Pending {
  std::int64_t due = INT64_MAX;
  std::uint64_t id = 0;
};

Pending earliest_pending(const RunState& run) noexcept {
  Pending p;
  if (!run.timers.empty()) {
    p.due = run.timers.begin()->first.first;
    p.id = sched::timer_id(run.timers.begin()->first.second);
  }
  const std::int64_t boost = boost_next_deadline();
  if (boost < p.due) {
    p.due = boost;
    p.id = sched::timer_id((1ull << 62) | (static_cast<std::uint64_t>(boost) >> 2));
  }
  return p;
}

}  // namespace

Scheduler::Scheduler() {
  boost_hooks_linked();  // the Boost.Fiber hooks come with the scheduler, always
  vclock_linked();       // and so does the virtual steady_clock they sleep on
  Runtime::get().sched = this;
  // Installed from the thread's main context (use_scheduling_algorithm): from here on
  // every switch goes through pick_next, which keeps t_running.
  t_running.ctx = context::active();
  t_running.props = nullptr;
  t_running.valid = true;
}

Scheduler::~Scheduler() {
  t_running.valid = false;
  if (runtime_alive() && Runtime::get().sched == this) Runtime::get().sched = nullptr;
}

boost::fibers::fiber_properties* Scheduler::new_properties(context* ctx) {
  auto* p = new FiberProps(ctx);
  if (ctx->is_context(type::main_context) || ctx->is_context(type::dispatcher_context)) {
    p->internal = true;
    return p;
  }
  // A fiber started with plain boost::fibers::fiber: name it after its creator.
  Runtime& rt = Runtime::get();
  FiberProps* parent = current_fiber();
  p->plain = true;
  p->handle_open = true;
  // This runs on the spawner's stack (Boost's fiber constructor schedules the new
  // fiber): the frames above are where the program made it, its spawn site. Unwinding
  // them costs several microseconds, several times a plain spawn's whole cost: only
  // when the run captures stacks (RunOptions::capture_stacks).
  if (rt.capture_stacks)
    p->spawn_depth =
        static_cast<std::uint8_t>(capture_stack(p->spawn_stack.data(), FiberProps::kSpawnFrames));
  rt.adopt(*p, parent);
  p->name = "fiber-" + std::to_string(p->id);
  p->path = parent ? parent->path + "/" + p->name : p->name;
  ctx->set_fss_data(&kExitKey, boost::fibers::detail::fss_cleanup_function::ptr_t{new ExitMarker},
                    p, false);
  mix_trace(op_hash("spawn plain fiber", p->name));
  rt.event(EventKind::spawn, p->id, p->path + " (plain boost fiber)");
  return p;
}

void Scheduler::awakened(context* ctx, FiberProps& props) noexcept {
  if (props.internal) {
    if (ctx->is_context(type::main_context)) {
      main_ = ctx;
    } else {
      dispatcher_ = ctx;
    }
  }
  if (!run_mode()) {  // free mode: plain round robin over every context, like Boost's
    fifo_.push_back(ctx);
    return;
  }
  if (props.internal) {
    if (ctx == main_) {
      main_ready_ = true;
    } else {
      dispatcher_ready_ = true;
    }
    return;
  }
  props.in_ready = true;
  props.ready_seq = ++seq_;
  ready_.insert(props.id, props.ready_seq);
}

bool Scheduler::has_ready_fibers() const noexcept {
  return main_ready_ || dispatcher_ready_ || !fifo_.empty() || ready_.size() != 0;
}

context* Scheduler::take_main() noexcept {
  main_ready_ = false;
  return main_;
}

bool Scheduler::timer_may_fire() const noexcept {
  const RunState& run = *run_;
  if (!run.early_timers || !main_ready_ || run.stop != StopReason::none) return false;
  const std::int64_t due = earliest_pending(run).due;
  if (due == INT64_MAX) return false;
  // A timer past the time budget, or past a pending time-based cancellation, is left to
  // the run's main loop, which handles both when every fiber blocks.
  if (due > run.max_virtual_time) return false;
  return !(run.cancel_at_time >= 0 && !run.cancel_fired && run.cancel_at_time <= due);
}

FiberProps* Scheduler::decide(FiberProps* self) {
  RunState& run = *run_;
  Runtime& rt = Runtime::get();
  idle_ = false;
  const std::size_t fibers = ready_.size() + (self ? 1 : 0);
  // The last option, when a timer is pending: time jumps to the earliest deadline and
  // that timer fires now, while fibers are still runnable (work that takes longer
  // than its timeout). Not taking it never fires a timer early.
  const bool timer = timer_may_fire();
  const std::size_t count = fibers + (timer ? 1 : 0);
  if (run.record_detail) note_step_end(run, rt);
  std::uint64_t chosen;
  if (count == 1) {
    chosen = self ? self->id : ready_.kth(0);
  } else if (run.steps >= run.fair_from_step) {
    // Round robin in id order (which, unlike "ready longest", depends on the state
    // alone, as DFS's fair rule does), and at each wrap a pending timer fires: every
    // ready fiber runs within one round, and time passes for a fiber that sleeps while
    // others poll.
    auto after = [&](std::uint64_t last) {
      std::uint64_t next = UINT64_MAX;
      const std::size_t k = ready_.rank(last + 1);
      if (k < ready_.size()) next = ready_.kth(k);
      if (self && self->id > last && self->id < next) next = self->id;
      return next;
    };
    chosen = after(run.fair_last);
    if (chosen == UINT64_MAX) {
      if (timer) {
        chosen = sched::kTimerOption;
      } else {
        chosen = after(0);
      }
    }
    run.fair_last = chosen == sched::kTimerOption ? 0 : chosen;
  } else {
    const std::size_t self_rank = self ? ready_.rank(self->id) : 0;
    OptionView view{ready_, self ? self->id : 0, self_rank};
    const std::uint64_t oldest = ready_.oldest();
    const std::size_t oldest_index = ready_.rank(oldest) + ((self && self->id < oldest) ? 1 : 0);
    sched::Decision d;
    d.kind = sched::ChoiceKind::schedule;
    d.count = count;
    d.step = run.steps;
    d.fifo_index = oldest_index;
    d.default_index = self ? self_rank : oldest_index;
    if (timer) d.timer_index = fibers;
    auto id_at = [&](std::size_t i) { return i == fibers ? sched::kTimerOption : view.id_at(i); };
    std::vector<std::uint64_t> ids;
    if (run.strategy->wants_ids()) {
      ids.reserve(count);
      for (std::size_t i = 0; i < fibers; ++i) ids.push_back(view.id_at(i));
      if (timer) ids.push_back(earliest_pending(run).id);
      d.ids = ids.data();
    }
    std::size_t k = run.strategy->choose(d);
    if (k >= count) k = d.default_index;
    run.choices.push_back(static_cast<std::uint32_t>(k));
    run.choice_defaults.push_back(static_cast<std::uint32_t>(d.default_index));
    run.choice_counts.push_back(static_cast<std::uint32_t>(count));
    if (k != d.default_index) ++run.preemptions;
    chosen = id_at(k);
    if (run.record_detail) {
      sched::ChoiceDetail cd;
      cd.count = static_cast<std::uint32_t>(count);
      cd.default_index = static_cast<std::uint32_t>(d.default_index);
      cd.running_can_continue = self != nullptr;
      cd.step = run.steps;
      cd.option_ids.reserve(count);
      for (std::size_t i = 0; i < count; ++i) cd.option_ids.push_back(id_at(i));
      run.choice_detail.push_back(std::move(cd));
    }
  }
  if (chosen == sched::kTimerOption) {
    // Firing wakes whoever waits on the timer: it commutes with nothing.
    if (run.record_detail) {
      run.detail_running = 0;
      run.choice_detail.back().touched_all = true;
    }
    ++run.steps;
    run.trace_hash = sched::mix(sched::mix(run.trace_hash, run.steps), sched::kTimerOption);
    return nullptr;
  }
  if (run.record_detail) {
    run.detail_running = chosen;
    if (!run.choice_detail.empty()) {
      auto& ran = run.choice_detail.back().ran;
      if (std::find(ran.begin(), ran.end(), chosen) == ran.end()) ran.push_back(chosen);
    }
  }
  ++run.steps;
  run.trace_hash = sched::mix(sched::mix(run.trace_hash, run.steps), chosen);
  FiberProps* p = rt.by_id(chosen);
  if (p != self) {
    ready_.erase(chosen);
    p->in_ready = false;
  }
  return p;
}

namespace {
FiberProps* props_of(context* c) noexcept {
  // Every context under this scheduler carries FiberProps (new_properties and spawn).
  return c ? static_cast<FiberProps*>(c->get_properties()) : nullptr;
}
}  // namespace

context* Scheduler::pick_next() noexcept {
  context* from = running_context();
  context* to = pick_next_impl();
  context* target = to ? to : dispatcher_;  // Boost resumes the dispatcher on nullptr
  FiberProps* pf = props_of(from);
  FiberProps* pt = props_of(target);
  if (target != nullptr) {
    t_running.ctx = target;
    t_running.props = (pt != nullptr && !pt->internal) ? pt : nullptr;
  } else {
    t_running.valid = false;  // no dispatcher seen yet: ask Boost from now on
  }
  if (target != from && pf && pt) {
    // The address of this thread's exception globals never changes: look it up once
    // (each call goes through the TLS resolver of the shared libstdc++).
    static thread_local void* const g = abi::__cxa_get_globals();
    std::memcpy(pf->eh, g, sizeof pf->eh);
    std::memcpy(g, pt->eh, sizeof pt->eh);
  }
  return to;
}

context* Scheduler::pick_next_impl() noexcept {
  if (forced_ != nullptr) {
    context* c = forced_;
    forced_ = nullptr;
    return c;
  }
  context* active = running_context();
  // A fiber that has just exited hands over to the dispatcher, which frees its
  // stack: otherwise stacks pile up until the run goes idle (100,000 sequential
  // spawns held ~1 GB).
  if (run_mode() && dispatcher_ready_) {
    auto* p = static_cast<FiberProps*>(active->get_properties());
    if (p != nullptr && p->exited) {
      dispatcher_ready_ = false;
      return dispatcher_;
    }
  }
  if (!run_mode()) {
    if (fifo_.empty()) return nullptr;
    context* c = fifo_.front();
    fifo_.pop_front();
    return c;
  }
  RunState& run = *run_;
  if (run.stop != StopReason::none && main_ready_) return take_main();
  if (ready_.size() != 0) {
    if (run.steps >= run.max_steps) run.stop = StopReason::budget;
    if (run.cancel_step != 0 && !run.cancel_fired && run.steps >= run.cancel_step)
      run.stop = StopReason::cancel;
    if (run.stop != StopReason::none && main_ready_) return take_main();
    if (run.stop == StopReason::none || !main_ready_) {
      if (FiberProps* p = decide(nullptr)) return p->context();
      run.stop = StopReason::timer;  // decide() offers the timer only while main is ready
      return take_main();
    }
  }
  if (active == dispatcher_) {
    if (idle_ && main_ready_) {
      idle_ = false;
      if (run.stop == StopReason::none) run.stop = StopReason::idle;
      return take_main();
    }
    return nullptr;
  }
  if (dispatcher_ready_) {
    dispatcher_ready_ = false;
    return dispatcher_;
  }
  if (main_ready_) return take_main();
  return nullptr;
}

void Scheduler::suspend_until(std::chrono::steady_clock::time_point const& tp) noexcept {
  const bool sleeper = tp != std::chrono::steady_clock::time_point::max();
  if (run_mode()) {
    if (main_ready_ && !(sleeper && run_->reclaiming)) {
      // Every fiber of the run is blocked, some perhaps in a Boost sleep or timed wait
      // (tp, on the virtual clock): hand over to the run's main context, which lets
      // time pass to the earliest deadline, its timers' or Boost's (src/run.cpp).
      idle_ = true;
      return;
    }
    if (sleeper) {
      // While the leftovers are reclaimed, time jumps to the next Boost deadline at
      // once: the sleeper wakes (Boost's dispatcher now finds it due) and meets its
      // unwind at its next wait; reclaim's step budget ends one that sleeps for ever.
      // Never a real wait on a virtual time_point.
      run_->now = std::max(run_->now, tp.time_since_epoch().count() - kVirtualEpoch);
      return;
    }
  }
  std::unique_lock<std::mutex> lk(wake_mtx_);
  if (!sleeper) {
    wake_cv_.wait(lk, [this] { return wake_flag_; });
  } else {
    wake_cv_.wait_until(lk, tp, [this] { return wake_flag_; });
  }
  wake_flag_ = false;
}

void Scheduler::notify() noexcept {
  remote_.store(true);
  std::lock_guard<std::mutex> lk(wake_mtx_);
  wake_flag_ = true;
  wake_cv_.notify_all();
}

void Scheduler::begin_run(RunState& run) {
  run_ = &run;
  vclock_begin(&run.now);  // steady_clock::now() on this thread is the run's clock
  ready_.clear();
  seq_ = 0;
  idle_ = false;
  main_ready_ = false;
  dispatcher_ready_ = false;
  quarantined_.clear();
  for (context* c : fifo_) {
    if (c == dispatcher_) dispatcher_ready_ = true;
    if (c == main_) main_ready_ = true;
  }
  fifo_.clear();
}

void Scheduler::end_run() {
  // Fibers still ready here were quarantined: they stay out of scheduling for good.
  run_ = nullptr;
  vclock_end();
  ready_.clear();
  if (dispatcher_ready_) fifo_.push_back(dispatcher_);
  if (main_ready_) fifo_.push_back(main_);
  dispatcher_ready_ = false;
  main_ready_ = false;
}

void Scheduler::yield_point(FiberProps& self) {
  RunState& run = *run_;
  if (run.steps >= run.max_steps) run.stop = StopReason::budget;
  if (run.cancel_step != 0 && !run.cancel_fired && run.steps >= run.cancel_step)
    run.stop = StopReason::cancel;
  if (run.stop != StopReason::none) {
    running_context()->yield();  // pick_next hands over to main
    return;
  }
  FiberProps* next = decide(&self);
  if (next == nullptr) {  // a timer fires first: the run's main context fires it
    run.stop = StopReason::timer;
    running_context()->yield();
    return;
  }
  if (next == &self) return;  // the strategy kept this fiber running: no switch needed
  forced_ = next->context();
  running_context()->yield();
}

std::size_t Scheduler::choose_case(std::size_t n) {
  return choose_among(n, sched::ChoiceKind::select);
}

std::size_t Scheduler::choose_value(std::size_t n) {
  return choose_among(n, sched::ChoiceKind::value);
}

std::size_t Scheduler::choose_among(std::size_t n, sched::ChoiceKind kind) {
  if (n <= 1 || !run_mode()) return 0;
  RunState& run = *run_;
  if (run.steps >= run.fair_from_step) {  // fair: every ready case is taken eventually
    const std::size_t k = run.fair_rng.below(n);
    run.trace_hash = sched::mix(run.trace_hash, 0xFA1F000000ull + k);
    return k;
  }
  sched::Decision d;
  d.kind = kind;
  d.count = n;
  d.step = run.steps;
  std::size_t k = run.strategy->choose(d);
  if (k >= n) k = 0;
  run.choices.push_back(static_cast<std::uint32_t>(k));
  run.choice_defaults.push_back(0);
  run.choice_counts.push_back(static_cast<std::uint32_t>(n));
  if (k != 0 && kind == sched::ChoiceKind::select) ++run.preemptions;
  if (run.record_detail) {
    sched::ChoiceDetail cd;
    cd.kind = kind;
    cd.count = static_cast<std::uint32_t>(n);
    cd.step = run.steps;
    cd.ran.push_back(run.detail_running);
    run.choice_detail.push_back(std::move(cd));
  }
  const std::uint64_t tag =
      kind == sched::ChoiceKind::select ? 0x5E1EC7000000ull : 0xC4005E000000ull;
  run.trace_hash = sched::mix(run.trace_hash, tag + k);
  return k;
}

StopReason Scheduler::take_stop() noexcept {
  StopReason r = run_ ? run_->stop : StopReason::none;
  if (run_) run_->stop = StopReason::none;
  return r;
}

void Scheduler::request_stop(StopReason r) noexcept {
  if (run_ && run_->stop == StopReason::none) run_->stop = r;
}

void Scheduler::quarantine(FiberProps& p) noexcept {
  ready_.erase(p.id);
  p.in_ready = false;
  quarantined_.push_back(p.id);
}

}  // namespace fibercheck::detail
