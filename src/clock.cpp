#include "fibercheck/clock.hpp"

#include <boost/fiber/operations.hpp>

#include "detail/done_state.hpp"
#include "detail/runtime.hpp"
#include "fibercheck/scope.hpp"

namespace fibercheck {

namespace {

// Owned by the run's timer list: deleted when it fires or when the run ends.
struct AfterTimer final : detail::Timer {
  Chan<Duration> ch;
  void fire() override {
    (void)ch.try_send(now());
    delete this;
  }
  void discard() override { delete this; }
};

}  // namespace

Duration now() { return Duration(detail::Runtime::get().now()); }

Status sleep_for(const Done& done, Duration d, source_location loc) {
  static const std::string kNoDone;
  if (done.state()) {
    detail::enter("sleep_for, watching done", done.state()->name);
    detail::note_watch(done.state());
  } else {
    detail::enter("sleep_for (no done)", kNoDone);
  }
  detail::Runtime& rt = detail::Runtime::get();
  detail::DoneState* ds = done.state();
  if (d.count() <= 0) {  // Go's time.Sleep(0): a scheduling point (above) that returns at once
    return ds != nullptr && ds->is_closed.load(std::memory_order_acquire) ? Status::cancelled
                                                                          : Status::ok;
  }
  const std::int64_t deadline = rt.now() + d.count();
  detail::Waiter w;
  w.site = loc;
  detail::WaitNode node;
  node.waiter = &w;
  node.op = detail::WaitOp::done;
  node.object = ds;
  if (ds) {
    w.nodes = &node;
    w.node_count = 1;
    std::lock_guard<detail::ObjectLock> lk(ds->m);
    if (ds->is_closed.load(std::memory_order_relaxed)) return Status::cancelled;
    ds->waiters.push_back(node);
  }
  const int fired = w.block(deadline);
  if (ds) {
    std::lock_guard<detail::ObjectLock> lk(ds->m);
    ds->waiters.remove(node);
  }
  if (fired == detail::kUnwind) throw detail::Unwind{};
  return fired == detail::kTimeout ? Status::ok : Status::cancelled;
}

Chan<Duration> after(Duration d) {
  static const std::string kAfter = "after";
  detail::sync_point("arm timer", kAfter);
  Chan<Duration> ch(1, "after");
  detail::Runtime& rt = detail::Runtime::get();
  if (rt.run != nullptr) {
    auto* t = new AfterTimer;
    t->ch = ch;
    rt.arm(*t, rt.now() + d.count());
  } else {
    go("after", [ch, d] {
      boost::this_fiber::sleep_for(d);
      (void)ch.try_send(now());
    });
  }
  return ch;
}

struct Ticker::Impl final : detail::Timer {
  Chan<Duration> ch;
  Duration period{};
  DoneSource stop_real{"ticker"};  // ends the real-clock helper fiber
  void fire() override {
    (void)ch.try_send(now());
    detail::Runtime::get().arm(*this, due + period.count());
  }
};

Ticker::Ticker(Duration period) : ch_(1, "ticker"), impl_(std::make_unique<Impl>()) {
  if (period.count() <= 0)
    throw std::invalid_argument("fibercheck::Ticker: period must be positive");
  detail::sync_point("start ticker", ch_.name());
  impl_->ch = ch_;
  impl_->period = period;
  detail::Runtime& rt = detail::Runtime::get();
  if (rt.run != nullptr) {
    rt.arm(*impl_, rt.now() + period.count());
  } else {
    go("ticker", [ch = ch_, period, done = impl_->stop_real.done()] {
      while (sleep_for(done, period) == Status::ok) (void)ch.try_send(now());
    });
  }
}

Ticker::~Ticker() { stop(); }

void Ticker::stop() noexcept {
  if (!impl_) return;
  if (impl_->armed) detail::sync_point("stop ticker", ch_.name());
  if (detail::runtime_alive()) detail::Runtime::get().disarm(*impl_);
  impl_->stop_real.close();
}

}  // namespace fibercheck
