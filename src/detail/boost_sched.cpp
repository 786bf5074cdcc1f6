// boost_sched.cpp (internal): fibercheck's copies of Boost.Fiber 1.81's exported
// operations that need not block: each takes a scheduling point, then calls Boost's
// own function in libboost_fiber.so.
//
// An operation that does not block never reaches the scheduling algorithm: two fibers
// racing on a boost::fibers::mutex without ever blocking would run in one order only,
// whatever the strategy. As with the wait hooks (src/detail/boost_hooks.cpp), a
// definition of the same member function in the executable binds every caller, the
// library's own calls included, since libboost_fiber.so calls them through its PLT.
// The real function is found once, while the program loads, with dlsym(RTLD_NEXT).
//
// What is and is not a scheduling point, and what that means for DFS, is in
// docs/boost-fiber-notes.md ("Plain Boost.Fiber waits").
#include "detail/boost_sched.hpp"

#include <dlfcn.h>

#include <boost/fiber/barrier.hpp>
#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/recursive_mutex.hpp>
#include <boost/fiber/recursive_timed_mutex.hpp>
#include <boost/fiber/timed_mutex.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "detail/runtime.hpp"
#include "detail/scheduler.hpp"
#include "detail/symbolize.hpp"
#include "fibercheck/detail/wait.hpp"

namespace fibercheck::detail {

void boost_sched_linked() noexcept {}

#ifndef FIBERCHECK_NO_BOOST_HOOKS
namespace {

using TimePoint = std::chrono::steady_clock::time_point;

// Boost's own functions, as plain functions taking `this` first (the Itanium C++ ABI).
struct Real {
  void (*mutex_lock)(boost::fibers::mutex*);
  bool (*mutex_try_lock)(boost::fibers::mutex*);
  void (*timed_lock)(boost::fibers::timed_mutex*);
  bool (*timed_try_lock)(boost::fibers::timed_mutex*);
  bool (*timed_try_lock_until)(boost::fibers::timed_mutex*, const TimePoint&);
  void (*recursive_lock)(boost::fibers::recursive_mutex*);
  bool (*recursive_try_lock)(boost::fibers::recursive_mutex*);
  void (*recursive_timed_lock)(boost::fibers::recursive_timed_mutex*);
  bool (*recursive_timed_try_lock)(boost::fibers::recursive_timed_mutex*);
  bool (*recursive_timed_try_lock_until)(boost::fibers::recursive_timed_mutex*, const TimePoint&);
  void (*notify_one)(boost::fibers::condition_variable_any*);
  void (*notify_all)(boost::fibers::condition_variable_any*);
  bool (*barrier_wait)(boost::fibers::barrier*);
};

// The next definition after the executable's, which is Boost's. Without it fibercheck
// cannot run Boost's operation at all: it says which symbol and stops.
template <typename Fn>
void find(Fn& fn, const char* mangled) noexcept {
  void* f = dlsym(RTLD_NEXT, mangled);
  if (f == nullptr) {
    std::fprintf(stderr,
                 "fibercheck: %s is not exported by the loaded Boost.Fiber; fibercheck needs "
                 "libboost_fiber.so.1.81.0 (see docs/boost-fiber-notes.md)\n",
                 mangled);
    std::abort();
  }
  fn = reinterpret_cast<Fn>(f);
}

Real load() noexcept {
  Real r{};
  find(r.mutex_lock, "_ZN5boost6fibers5mutex4lockEv");
  find(r.mutex_try_lock, "_ZN5boost6fibers5mutex8try_lockEv");
  find(r.timed_lock, "_ZN5boost6fibers11timed_mutex4lockEv");
  find(r.timed_try_lock, "_ZN5boost6fibers11timed_mutex8try_lockEv");
  find(r.timed_try_lock_until,
       "_ZN5boost6fibers11timed_mutex15try_lock_until_ERKNSt6chrono10time_pointINS2_3_V212steady_"
       "clockENS2_8durationIlSt5ratioILl1ELl1000000000EEEEEE");
  find(r.recursive_lock, "_ZN5boost6fibers15recursive_mutex4lockEv");
  find(r.recursive_try_lock, "_ZN5boost6fibers15recursive_mutex8try_lockEv");
  find(r.recursive_timed_lock, "_ZN5boost6fibers21recursive_timed_mutex4lockEv");
  find(r.recursive_timed_try_lock, "_ZN5boost6fibers21recursive_timed_mutex8try_lockEv");
  find(r.recursive_timed_try_lock_until,
       "_ZN5boost6fibers21recursive_timed_mutex15try_lock_until_ERKNSt6chrono10time_"
       "pointINS2_3_V212steady_clockENS2_8durationIlSt5ratioILl1ELl1000000000EEEEEE");
  find(r.notify_one, "_ZN5boost6fibers22condition_variable_any10notify_oneEv");
  find(r.notify_all, "_ZN5boost6fibers22condition_variable_any10notify_allEv");
  find(r.barrier_wait, "_ZN5boost6fibers7barrier4waitEv");
  return r;
}

const Real& real() noexcept {
  static const Real r = load();
  return r;
}

// Looked up while the program loads, on the main thread's stack, rather than at the
// first call, which may be on a small fiber stack.
[[maybe_unused]] const Real& g_loaded = real();

// Boost's primitives have no names: their operations are told apart by verb alone, and
// for DFS they all touch this one name (an empty one, as fibercheck::yield() does).
const std::string kUnnamed;

// `wakes`: the operation may make another fiber ready (a notify, a barrier's last
// arrival, an unlock), so for DFS it commutes with nothing, as fibercheck's own do.
void point(const char* verb, const void* caller, bool wakes) noexcept {
  if (!t_running.valid || t_running.props == nullptr) return;
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || rt.sched == nullptr) return;
  // A call from libboost_fiber.so's own code is part of a Boost operation that already
  // took its point (barrier::wait locks its mutex and notifies).
  if (caller != nullptr && in_boost_fiber_library(caller)) return;
  sync_point(verb, kUnnamed);
  if (wakes) touch_all();
}

}  // namespace
#endif  // FIBERCHECK_NO_BOOST_HOOKS

#ifndef FIBERCHECK_NO_BOOST_HOOKS
void boost_sched_point(const char* verb, const void* /*object*/, const void* caller) noexcept {
  point(verb, caller, true);
}
#else
void boost_sched_point(const char*, const void*, const void*) noexcept {}
#endif

}  // namespace fibercheck::detail

#ifndef FIBERCHECK_NO_BOOST_HOOKS  // a static Boost.Fiber defines these itself
namespace boost::fibers {

namespace fc = fibercheck::detail;

void mutex::lock() {
  fc::point("lock of boost::fibers::mutex", __builtin_return_address(0), false);
  fc::real().mutex_lock(this);
}

// 1.81's try_lock also yields inside (context::yield()), success or not: a second point.
bool mutex::try_lock() {
  fc::point("try_lock of boost::fibers::mutex", __builtin_return_address(0), false);
  return fc::real().mutex_try_lock(this);
}

void timed_mutex::lock() {
  fc::point("lock of boost::fibers::timed_mutex", __builtin_return_address(0), false);
  fc::real().timed_lock(this);
}

bool timed_mutex::try_lock() {
  fc::point("try_lock of boost::fibers::timed_mutex", __builtin_return_address(0), false);
  return fc::real().timed_try_lock(this);
}

// try_lock_for and try_lock_until (header templates) come here.
bool timed_mutex::try_lock_until_(
    std::chrono::steady_clock::time_point const& timeout_time) noexcept {
  fc::point("try_lock_until of boost::fibers::timed_mutex", __builtin_return_address(0), false);
  return fc::real().timed_try_lock_until(this, timeout_time);
}

void recursive_mutex::lock() {
  fc::point("lock of boost::fibers::recursive_mutex", __builtin_return_address(0), false);
  fc::real().recursive_lock(this);
}

bool recursive_mutex::try_lock() noexcept {
  fc::point("try_lock of boost::fibers::recursive_mutex", __builtin_return_address(0), false);
  return fc::real().recursive_try_lock(this);
}

void recursive_timed_mutex::lock() {
  fc::point("lock of boost::fibers::recursive_timed_mutex", __builtin_return_address(0), false);
  fc::real().recursive_timed_lock(this);
}

bool recursive_timed_mutex::try_lock() noexcept {
  fc::point("try_lock of boost::fibers::recursive_timed_mutex", __builtin_return_address(0), false);
  return fc::real().recursive_timed_try_lock(this);
}

bool recursive_timed_mutex::try_lock_until_(
    std::chrono::steady_clock::time_point const& timeout_time) noexcept {
  fc::point("try_lock_until of boost::fibers::recursive_timed_mutex", __builtin_return_address(0),
            false);
  return fc::real().recursive_timed_try_lock_until(this, timeout_time);
}

// condition_variable's notify_one/all (inline) call these.
void condition_variable_any::notify_one() noexcept {
  fc::point("notify_one of boost::fibers::condition_variable", __builtin_return_address(0), true);
  fc::real().notify_one(this);
}

void condition_variable_any::notify_all() noexcept {
  fc::point("notify_all of boost::fibers::condition_variable", __builtin_return_address(0), true);
  fc::real().notify_all(this);
}

// Its own mutex::lock, mutex::unlock and notify_all are called from inside the library:
// they take no second point.
bool barrier::wait() {
  fc::point("wait of boost::fibers::barrier", __builtin_return_address(0), true);
  return fc::real().barrier_wait(this);
}

}  // namespace boost::fibers
#endif  // FIBERCHECK_NO_BOOST_HOOKS
