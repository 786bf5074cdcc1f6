// boost_hooks.cpp (internal): fibercheck's copies of the few exported Boost.Fiber 1.81
// functions through which every blocking call of Boost's own primitives parks.
//
// libboost_fiber.so is not linked with -Bsymbolic: it calls these functions through its
// PLT, as user code does. A definition of the same member function in the executable
// (which is where libfibercheck.a's objects land) therefore binds every caller, Boost's
// own mutex::lock, barrier::wait and fiber::join included. Each copy does what 1.81's
// does, and around the park records what the census needs (BoostWait in FiberProps:
// which wait queue, from where, until when) and gives reclaim a way in: a fiber woken
// to unwind leaves its wait queue exactly as 1.81's timeout path does, then unwinds
// (src/detail/boost_unwind.cpp).
//
// What this relies on, and how an upgrade is caught, is in docs/boost-fiber-notes.md
// ("Plain Boost.Fiber waits"); tests/boost_internals_test.cpp fails loudly when any of
// it changes.
#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <boost/fiber/waker.hpp>
#include <boost/version.hpp>
#include <exception>

#include "detail/boost_sched.hpp"
#include "detail/boost_wait.hpp"
#include "detail/runtime.hpp"

// The bodies below are 1.81's src/waker.cpp and src/context.cpp. Another Boost may
// change them: re-read those files (and docs/boost-fiber-notes.md, "Plain Boost.Fiber
// waits") before changing this number.
static_assert(BOOST_VERSION == 108100,
              "fibercheck's Boost.Fiber hooks (src/detail/boost_hooks.cpp) copy Boost 1.81's "
              "wait path: re-read Boost's src/waker.cpp and src/context.cpp for this version");
static_assert(sizeof(boost::fibers::wait_queue) == sizeof(boost::fibers::detail::waker_slist_t),
              "boost::fibers::wait_queue is no longer just its waker list");
static_assert(sizeof(boost::fibers::waker) == 2 * sizeof(void*),
              "boost::fibers::waker is no longer (context*, epoch)");

namespace fibercheck::detail {

void boost_hooks_linked() noexcept { boost_sched_linked(); }

#ifndef FIBERCHECK_NO_BOOST_HOOKS
namespace {

// The fiber under fibercheck's scheduler that is parking, or nullptr (a thread without
// fibercheck's scheduler, a main or dispatcher context): then the hooks only do what
// Boost does.
FiberProps* parking_fiber() noexcept { return t_running.valid ? t_running.props : nullptr; }

std::int64_t to_ns(std::chrono::steady_clock::time_point tp) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(tp.time_since_epoch()).count();
}

// Marks the start of a park; the caller clears it with end_park when the fiber runs again.
void begin_park(FiberProps& p, BoostPark how, const void* queue, const void* ret,
                std::int64_t deadline) noexcept {
  p.boost.how = how;
  p.boost.queue = queue;
  p.boost.ret = ret;
  p.boost.deadline = deadline;
  Runtime& rt = Runtime::get();
  p.blocked_since = rt.run ? rt.run->steps : 0;
  note_boost_park(p);
}

void end_park(FiberProps& p) noexcept {
  p.boost.how = BoostPark::none;
  p.boost.waker = nullptr;
  p.boost.lock = nullptr;
  p.boost.in_queue = false;
}

// A fiber that reclaim is unwinding and that enters a Boost wait again (its unwind was
// swallowed by a catch (...), or a destructor blocks): it unwinds from here instead of
// blocking. Not inside a fiber::join it may not leave (see BoostWait::joining). Not while a C++
// exception is in flight (fibercheck's own Unwind running a destructor that waits): that wait must
// finish normally.
bool unwind_on_entry(const FiberProps& p) noexcept {
  return p.unwinding && (!p.boost.joining || boost_join_unwind_safe(p)) &&
         boost_unwind_supported() && !boost_unwinding_now(p) && std::uncaught_exceptions() == 0;
}

}  // namespace
#endif  // FIBERCHECK_NO_BOOST_HOOKS
}  // namespace fibercheck::detail

#ifndef FIBERCHECK_NO_BOOST_HOOKS  // a static Boost.Fiber defines these itself
namespace boost::fibers {

namespace fc = fibercheck::detail;

void wait_queue::suspend_and_wait(detail::spinlock_lock& lk, context* active_ctx) {
  fc::FiberProps* p = fc::parking_fiber();
  if (p != nullptr) {
    if (fc::unwind_on_entry(*p) && !fc::boost_unwind_refused(*p)) {
      lk.unlock();
      fc::boost_unwind_self(*p);
    }
    fc::begin_park(*p, fc::BoostPark::wait, this, __builtin_return_address(0), -1);
  }
  waker_with_hook w{active_ctx->create_waker()};
  slist_.push_back(w);
  if (p != nullptr) {
    p->boost.waker = &w;
    p->boost.lock = &lk;
    p->boost.in_queue = true;
  }
  for (;;) {
    active_ctx->suspend(lk);
    if (p == nullptr) return;
    if (!p->boost.unwind) {
      fc::end_park(*p);
      return;
    }
    // Woken by reclaim, not by a notify: the waker is still in the queue. Take it out
    // under the primitive's lock (no spinlock is ever held across a switch), as the
    // timeout path below does, before this stack goes away.
    const bool refused = fc::boost_unwind_refused(*p);
    lk.lock();
    if (w.is_linked()) slist_.remove(w);
    if (refused) {
      // It stays parked where it was, behind a fresh waker (the woken one's is spent).
      p->boost.unwind = false;
      static_cast<waker&>(w) = active_ctx->create_waker();
      slist_.push_back(w);
      continue;
    }
    fc::end_park(*p);
    lk.unlock();
    fc::boost_unwind_self(*p);
  }
}

bool wait_queue::suspend_and_wait_until(detail::spinlock_lock& lk, context* active_ctx,
                                        std::chrono::steady_clock::time_point const& timeout_time) {
  fc::FiberProps* p = fc::parking_fiber();
  if (p != nullptr) {
    if (fc::unwind_on_entry(*p) && !fc::boost_unwind_refused(*p)) {
      lk.unlock();
      fc::boost_unwind_self(*p);
    }
    fc::begin_park(*p, fc::BoostPark::wait_until, this, __builtin_return_address(0),
                   fc::to_ns(timeout_time));
  }
  waker_with_hook w{active_ctx->create_waker()};
  slist_.push_back(w);
  if (p != nullptr) {
    p->boost.waker = &w;
    p->boost.lock = &lk;
    p->boost.in_queue = true;
  }
  for (;;) {
    const bool woken = active_ctx->wait_until(timeout_time, lk, waker(w));
    const bool unwind = p != nullptr && p->boost.unwind;
    const bool refused = unwind && fc::boost_unwind_refused(*p);
    if (p != nullptr && !refused) fc::end_park(*p);
    if (woken && !unwind) return true;
    for (;;) {
      if (lk.try_lock()) break;
      context::active()->yield();
    }
    if (w.is_linked()) slist_.remove(w);
    if (refused) {
      // Parked again until the same deadline, behind a fresh waker.
      p->boost.unwind = false;
      static_cast<waker&>(w) = active_ctx->create_waker();
      slist_.push_back(w);
      continue;
    }
    lk.unlock();
    if (unwind) fc::boost_unwind_self(*p);
    return false;
  }
}

// A park that bypasses wait_queue: unbuffered_channel::push once its value is published,
// waiting for a receiver to take it; and fibercheck's own waits (a Waiter), and the park
// inside suspend_and_wait above, which are not counted again. Boost declares it noexcept:
// it can only observe.
void context::suspend(detail::spinlock_lock& lk) noexcept {
  fc::FiberProps* p = fc::parking_fiber();
  if (p != nullptr && p->waiter == nullptr && !p->boost.in_queue) {
    fc::begin_park(*p, fc::BoostPark::suspend, nullptr, __builtin_return_address(0), -1);
    scheduler_->suspend(lk);
    fc::end_park(*p);
    return;
  }
  scheduler_->suspend(lk);
}

// unbuffered_channel::push_wait_until's park, fibercheck's own timed waits (outside a
// run), and the park inside suspend_and_wait_until above. noexcept: observe only.
bool context::wait_until(std::chrono::steady_clock::time_point const& tp, detail::spinlock_lock& lk,
                         waker&& w) noexcept {
  fc::FiberProps* p = fc::parking_fiber();
  if (p != nullptr && p->waiter == nullptr && !p->boost.in_queue) {
    fc::begin_park(*p, fc::BoostPark::suspend_until, nullptr, __builtin_return_address(0),
                   fc::to_ns(tp));
    const bool woken = scheduler_->wait_until(this, tp, lk, std::move(w));
    fc::end_park(*p);
    return woken;
  }
  return scheduler_->wait_until(this, tp, lk, std::move(w));
}

// this_fiber::sleep_for and sleep_until. noexcept: observe only.
bool context::wait_until(std::chrono::steady_clock::time_point const& tp) noexcept {
  fc::FiberProps* p = fc::parking_fiber();
  if (p == nullptr) return scheduler_->wait_until(this, tp);
  fc::begin_park(*p, fc::BoostPark::sleep, nullptr, __builtin_return_address(0), fc::to_ns(tp));
  const bool woken = scheduler_->wait_until(this, tp);
  fc::end_park(*p);
  return woken;
}

}  // namespace boost::fibers
#endif  // FIBERCHECK_NO_BOOST_HOOKS
