// boost_interpose.cpp (internal): fibercheck's copies of the Boost.Fiber 1.81 functions
// that an unwind out of a Boost wait (src/detail/boost_unwind.cpp) passes through and
// that would otherwise call std::terminate. Like the hooks in boost_hooks.cpp they bind
// every caller, because libboost_fiber.so calls its exported functions through its PLT;
// outside an unwind each does exactly what 1.81's does.
#include <boost/fiber/context.hpp>
#include <boost/fiber/exceptions.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/recursive_mutex.hpp>
#include <boost/fiber/recursive_timed_mutex.hpp>
#include <boost/fiber/timed_mutex.hpp>
#include <boost/version.hpp>
#include <string>
#include <system_error>

#include "detail/boost_sched.hpp"
#include "detail/boost_wait.hpp"
#include "detail/runtime.hpp"
#include "fibercheck/detail/wait.hpp"

static_assert(BOOST_VERSION == 108100,
              "fibercheck's Boost.Fiber interposers (src/detail/boost_interpose.cpp) copy Boost "
              "1.81's mutex unlocks and fiber::join: re-read Boost's src/mutex.cpp, "
              "src/timed_mutex.cpp, src/recursive_mutex.cpp, src/recursive_timed_mutex.cpp "
              "and src/fiber.cpp for this version");

namespace fibercheck::detail {

void boost_interpose_linked() noexcept {}

#ifndef FIBERCHECK_NO_BOOST_HOOKS
namespace {

// A fiber unwound out of condition_variable(_any)::wait does not hold the mutex its
// unique_lock names (the wait gave it up), and the lock's destructor releases it: 1.81
// throws lock_error there, from a destructor, which is std::terminate. While a forced
// unwind runs that release is skipped, and the run's report says so.
bool skip_foreign_release(const char* kind) {
  FiberProps* p = t_running.valid ? t_running.props : nullptr;
  if (p == nullptr || !boost_unwinding_now(*p)) return false;
  if (Runtime& rt = Runtime::get(); rt.run != nullptr) {
    std::string note = "#";
    note += std::to_string(p->id);
    note += ' ';
    note += p->path;
    note += ": while unwinding, released a boost::fibers::";
    note += kind;
    note +=
        " it did not hold (unwound out of a condition variable wait, which had given it "
        "up): the release was skipped";
    rt.run->reclaim_notes.push_back(std::move(note));
  }
  return true;
}

// The fiber object of `ctx` is no longer joinable (joined or detached).
void close_handle(boost::fibers::context* ctx) noexcept {
  if (ctx == nullptr) return;
  if (auto* joined = dynamic_cast<FiberProps*>(ctx->get_properties())) joined->handle_open = false;
}

[[noreturn]] void throw_not_owner() {
  throw boost::fibers::lock_error{std::make_error_code(std::errc::operation_not_permitted),
                                  "boost fiber: no  privilege to perform the operation"};
}

}  // namespace
#endif  // FIBERCHECK_NO_BOOST_HOOKS

bool boost_join_unwind_safe(const FiberProps& p) noexcept {
  for (const FiberProps* q = Runtime::get().first(); q != nullptr; q = q->next)
    if (q->parent_id == p.id && q->plain && q->handle_open && q->id != p.boost.joining_id)
      return false;
  return true;
}

}  // namespace fibercheck::detail

#ifndef FIBERCHECK_NO_BOOST_HOOKS  // a static Boost.Fiber defines these itself
namespace boost::fibers {

namespace fc = fibercheck::detail;

void mutex::unlock() {
  fc::touch_all();  // may wake a waiter; no scheduling point (see boost_sched.hpp)
  context* active_ctx = context::active();
  detail::spinlock_lock lk{wait_queue_splk_};
  if (BOOST_UNLIKELY(active_ctx != owner_)) {
    if (fc::skip_foreign_release("mutex")) return;
    fc::throw_not_owner();
  }
  owner_ = nullptr;
  wait_queue_.notify_one();
}

void timed_mutex::unlock() {
  fc::touch_all();  // may wake a waiter; no scheduling point (see boost_sched.hpp)
  context* active_ctx = context::active();
  detail::spinlock_lock lk{wait_queue_splk_};
  if (BOOST_UNLIKELY(active_ctx != owner_)) {
    if (fc::skip_foreign_release("timed_mutex")) return;
    fc::throw_not_owner();
  }
  owner_ = nullptr;
  wait_queue_.notify_one();
}

void recursive_mutex::unlock() {
  fc::touch_all();  // may wake a waiter; no scheduling point (see boost_sched.hpp)
  context* active_ctx = context::active();
  detail::spinlock_lock lk{wait_queue_splk_};
  if (BOOST_UNLIKELY(active_ctx != owner_)) {
    if (fc::skip_foreign_release("recursive_mutex")) return;
    fc::throw_not_owner();
  }
  if (0 == --count_) {
    owner_ = nullptr;
    wait_queue_.notify_one();
  }
}

void recursive_timed_mutex::unlock() {
  fc::touch_all();  // may wake a waiter; no scheduling point (see boost_sched.hpp)
  context* active_ctx = context::active();
  detail::spinlock_lock lk{wait_queue_splk_};
  if (BOOST_UNLIKELY(active_ctx != owner_)) {
    if (fc::skip_foreign_release("recursive_timed_mutex")) return;
    fc::throw_not_owner();
  }
  if (0 == --count_) {
    owner_ = nullptr;
    wait_queue_.notify_one();
  }
}

// An unwind out of context::join would skip impl_.reset(), and the destructor of the
// still-joinable fiber would call std::terminate: the joiner detaches instead, and the
// joined fiber is unwound on its own. Reclaim unwinds a joiner out of its join only when
// that is safe (boost_join_unwind_safe); else the join returns once the joined fiber is
// unwound.
void fiber::join() {
  if (BOOST_UNLIKELY(context::active()->get_id() == get_id())) {
    throw fiber_error{std::make_error_code(std::errc::resource_deadlock_would_occur),
                      "boost fiber: trying to join itself"};
  }
  if (BOOST_UNLIKELY(!joinable())) {
    throw fiber_error{std::make_error_code(std::errc::invalid_argument),
                      "boost fiber: fiber not joinable"};
  }
  fc::boost_sched_point("join of boost::fibers::fiber", impl_.get(), __builtin_return_address(0));
  fc::FiberProps* p = fc::t_running.valid ? fc::t_running.props : nullptr;
  // Reclaim leaves a joiner in its join (BoostWait::joining); a join entered during a
  // forced unwind (a destructor that joins) is an ordinary wait.
  const bool mark = p != nullptr && !p->boost.joining;
  if (mark) {
    p->boost.joining = true;
    auto* joined = static_cast<fc::FiberProps*>(impl_->get_properties());
    p->boost.joining_id = joined != nullptr ? joined->id : 0;
  }
  try {
    impl_->join();
  } catch (...) {  // a forced unwind is a foreign exception: only catch (...) sees it
    if (mark) p->boost.joining = false;
    if (p != nullptr && fc::boost_unwinding_now(*p)) detach();
    throw;
  }
  if (mark) p->boost.joining = false;
  fc::close_handle(impl_.get());
  impl_.reset();
}

// 1.81's, and the fiber object is no longer joinable (see boost_join_unwind_safe).
void fiber::detach() {
  if (BOOST_UNLIKELY(!joinable())) {
    throw fiber_error{std::make_error_code(std::errc::invalid_argument),
                      "boost fiber: fiber not joinable"};
  }
  fc::close_handle(impl_.get());
  impl_.reset();
}

}  // namespace boost::fibers
#endif  // FIBERCHECK_NO_BOOST_HOOKS
