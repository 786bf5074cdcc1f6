#include "fibercheck/done.hpp"

#include <mutex>
#include <vector>

#include "detail/done_state.hpp"
#include "detail/runtime.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/scope.hpp"

namespace fibercheck {

const char* to_string(CloseReason r) noexcept {
  switch (r) {
    case CloseReason::open:
      return "open";
    case CloseReason::cancelled:
      return "cancelled";
    case CloseReason::deadline_exceeded:
      return "deadline exceeded";
  }
  return "?";
}

namespace detail {

// Closes its state when the virtual clock reaches the deadline. Owned by the run's
// timer list while armed (deleted when it fires or when the run ends); it holds the
// state weakly, so either may go first.
struct DeadlineTimer final : Timer {
  std::weak_ptr<DoneState> state;
  void fire() override {
    if (auto s = unlink()) s->close(CloseReason::deadline_exceeded);
    delete this;
  }
  void discard() override {
    (void)unlink();
    delete this;
  }
  std::shared_ptr<DoneState> unlink() {
    auto s = state.lock();
    if (s) {
      std::lock_guard<detail::ObjectLock> lk(s->m);
      if (s->deadline_timer == this) s->deadline_timer = nullptr;
    }
    return s;
  }
};

void DoneState::drop_timer_locked() noexcept {
  // Another thread's Runtime does not own the timer: it will fire there and find the
  // state closed (or gone).
  if (deadline_timer == nullptr || !runtime_alive() || Runtime::get().run != timer_run) return;
  Runtime::get().disarm(*deadline_timer);
  delete deadline_timer;
  deadline_timer = nullptr;
}

DoneState::~DoneState() {
  drop_timer_locked();
  if (parent) {
    std::lock_guard<detail::ObjectLock> lk(parent->m);
    if (prev_sibling) {
      prev_sibling->next_sibling = next_sibling;
    } else if (parent->first_child == this) {
      parent->first_child = next_sibling;
    }
    if (next_sibling) next_sibling->prev_sibling = prev_sibling;
  }
  // Release ancestors iteratively: a long chain must not recurse once per link.
  thread_local std::vector<std::shared_ptr<DoneState>>* pending = nullptr;
  if (pending) {
    pending->push_back(std::move(parent));
    return;
  }
  std::vector<std::shared_ptr<DoneState>> list;
  list.push_back(std::move(parent));
  pending = &list;
  while (!list.empty()) {
    std::shared_ptr<DoneState> p = std::move(list.back());
    list.pop_back();
    p.reset();
  }
  pending = nullptr;
}

void DoneState::attach(const std::shared_ptr<DoneState>& p) {
  parent = p;
  bool parent_closed;
  CloseReason why;
  {
    std::lock_guard<detail::ObjectLock> lk(p->m);
    parent_closed = p->is_closed.load(std::memory_order_acquire);
    why = p->reason;
    if (!parent_closed) {
      next_sibling = p->first_child;
      if (next_sibling) next_sibling->prev_sibling = this;
      p->first_child = this;
    }
  }
  if (parent_closed) close(why);
}

bool DoneState::close(CloseReason why) noexcept {
  touch_all();  // every descendant signal closes with it
  // Iterative, so a chain of a hundred thousand derived signals cannot overflow
  // a fiber's stack.
  std::vector<std::shared_ptr<DoneState>> pending;
  bool first = false;
  std::shared_ptr<DoneState> self_keep;
  DoneState* cur = this;
  for (;;) {
    std::stop_source* to_stop = nullptr;
    {
      std::lock_guard<detail::ObjectLock> lk(cur->m);
      if (!cur->is_closed.load(std::memory_order_relaxed)) {
        if (cur == this) first = true;
        cur->reason = why;
        Runtime* rt = runtime_alive() ? &Runtime::get() : nullptr;
        cur->closed_step = (rt && rt->run) ? rt->run->steps : 0;
        cur->is_closed.store(true, std::memory_order_release);
        cur->drop_timer_locked();
        while (WaitNode* n = cur->waiters.claim_first()) {
          n->result = Status::cancelled;
          n->waiter->wake();
        }
        for (DoneState* c = cur->first_child; c; c = c->next_sibling) {
          if (auto sp = c->weak_from_this().lock()) pending.push_back(std::move(sp));
        }
        to_stop = cur->stop.get();
        if (rt) rt->event(EventKind::close, 0, "done '" + cur->name + "'");
      }
    }
    if (to_stop) to_stop->request_stop();
    if (pending.empty()) break;
    self_keep = std::move(pending.back());
    pending.pop_back();
    cur = self_keep.get();
  }
  return first;
}

std::string DoneState::describe(WaitOp) const {
  std::string s = "wait on done '" + name + "'";
  if (deadline_ns) s += " (deadline t=" + std::to_string(*deadline_ns) + "ns)";
  return s;
}

}  // namespace detail

bool Done::closed() const noexcept {
  if (!state_) return false;
  detail::sync_point("closed() of done",
                     state_->name);  // Go's ctx.Err(): a read another fiber races
  detail::note_watch(state_.get());
  return state_->is_closed.load(std::memory_order_acquire);
}

CloseReason Done::reason() const noexcept {
  if (!closed()) return CloseReason::open;
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  return state_->reason;
}

std::string Done::name() const { return state_ ? state_->name : std::string("never"); }

void Done::wait(source_location loc) const {
  static const std::string kNever = "never";
  detail::enter("wait on done", state_ ? state_->name : kNever);
  detail::note_watch(state_.get());
  detail::Waiter w;
  detail::WaitNode node;
  node.waiter = &w;
  node.op = detail::WaitOp::done;
  static const struct Never final : detail::Waitable {
    std::string describe(detail::WaitOp) const override {
      return "wait on a done that never closes";
    }
  } never;
  node.object = state_ ? static_cast<const detail::Waitable*>(state_.get()) : &never;
  w.nodes = &node;
  w.node_count = 1;
  w.site = loc;
  if (state_) {
    std::lock_guard<detail::ObjectLock> lk(state_->m);
    if (state_->is_closed.load(std::memory_order_relaxed)) return;
    state_->waiters.push_back(node);
  }
  int fired = w.block();
  if (state_) {
    std::lock_guard<detail::ObjectLock> lk(state_->m);
    state_->waiters.remove(node);
  }
  if (fired == detail::kUnwind) throw detail::Unwind{};
}

std::optional<std::chrono::nanoseconds> Done::deadline() const {
  std::optional<std::int64_t> at;
  // Parents are linked before a state is shared and never change.
  for (const detail::DoneState* s = state_.get(); s; s = s->parent.get())
    if (s->deadline_ns && (!at || *s->deadline_ns < *at)) at = s->deadline_ns;
  if (!at) return std::nullopt;
  return std::chrono::nanoseconds(*at);
}

std::stop_token Done::stop_token() const {
  if (!state_) return std::stop_token();
  bool closed_now;
  std::stop_token tok;
  {
    std::lock_guard<detail::ObjectLock> lk(state_->m);
    if (!state_->stop) state_->stop = std::make_unique<std::stop_source>();
    closed_now = state_->is_closed.load(std::memory_order_relaxed);
    tok = state_->stop->get_token();
  }
  if (closed_now) state_->stop->request_stop();
  return tok;
}

DoneSource::DoneSource(std::string name)
    : state_(std::make_shared<detail::DoneState>(std::move(name))) {}

DoneSource::DoneSource(const Done& parent, std::string name)
    : state_(std::make_shared<detail::DoneState>(std::move(name))) {
  if (parent.state_) state_->attach(parent.state_);
}

DoneSource DoneSource::from_stop_token(std::stop_token token, std::string name) {
  DoneSource src(std::move(name));
  std::weak_ptr<detail::DoneState> weak = src.state_;
  src.state_->on_stop = std::make_unique<std::stop_callback<std::function<void()>>>(
      std::move(token), std::function<void()>([weak] {
        if (auto s = weak.lock()) s->close(CloseReason::cancelled);
      }));
  return src;
}

DoneSource& DoneSource::operator=(DoneSource&& other) noexcept {
  if (this != &other) {
    close();
    state_ = std::move(other.state_);
  }
  return *this;
}

DoneSource::~DoneSource() { close(); }

bool DoneSource::close() noexcept {
  if (!state_) return false;
  // Go's cancel(): other fibers may run just before it. Closing a closed source changes
  // nothing, so it is no scheduling point (every Scope's destructor closes its source).
  if (!state_->is_closed.load(std::memory_order_acquire))
    detail::sync_point("close of done", state_->name);
  return state_->close(CloseReason::cancelled);
}

bool DoneSource::closed() const noexcept {
  return state_ && state_->is_closed.load(std::memory_order_acquire);
}

DoneSource with_deadline(const Done& parent, std::chrono::nanoseconds at, std::string name) {
  DoneSource src(parent, std::move(name));
  detail::DoneState& s = *src.state_;
  detail::sync_point("arm deadline of done", s.name);
  s.deadline_ns = at.count();
  detail::Runtime& rt = detail::Runtime::get();
  if (s.is_closed.load(std::memory_order_acquire)) return src;
  if (at.count() <= rt.now()) {
    s.close(CloseReason::deadline_exceeded);
  } else if (rt.run != nullptr) {
    auto* t = new detail::DeadlineTimer;
    t->state = src.state_;
    {
      std::lock_guard<detail::ObjectLock> lk(s.m);
      s.deadline_timer = t;
      s.timer_run = rt.run;
    }
    rt.arm(*t, at.count());
  } else {
    go("deadline " + s.name, [d = src.done(), at] {
      if (sleep_for(d, at - now()) == Status::ok) d.state()->close(CloseReason::deadline_exceeded);
    });
  }
  return src;
}

DoneSource with_timeout(const Done& parent, std::chrono::nanoseconds d, std::string name) {
  return with_deadline(parent, now() + d, std::move(name));
}

}  // namespace fibercheck
