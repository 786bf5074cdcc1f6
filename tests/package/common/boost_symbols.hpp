// boost_symbols.hpp: whether the program runs fibercheck's copies of the Boost.Fiber
// 1.81 functions it replaces, the check behind "Plain Boost.Fiber waits" in
// docs/boost-fiber-notes.md. fibercheck sees Boost's own waits, and makes Boost's mutex,
// condition-variable and barrier operations scheduling points, by defining these
// exported functions in the executable. That works only while each name is still
// exported by libboost_fiber.so.1.81.0 (a changed signature changes the mangled name and
// the copy silently stops replacing anything) and while the executable's copy is the one
// the dynamic linker binds (a link that lost fibercheck's objects, or a library linked
// ahead of the executable, binds Boost's).
//
// Shared by tests/boost_internals_test.cpp and the package consumers' runtime_check, so
// that a user's kind of link that loses the copies fails loudly. Needs only <dlfcn.h>.
#pragma once

#include <dlfcn.h>

#include <string>
#include <vector>

namespace fibercheck_boost_symbols {

struct BoostSymbol {
  const char* mangled;
  const char* what;
  // fibercheck defines it: the executable's copy must be the one bound. Otherwise
  // fibercheck only calls it, and it must still be exported.
  bool replaced;
};

inline constexpr BoostSymbol kBoostSymbols[] = {
    // The park points (src/detail/boost_hooks.cpp).
    {"_ZN5boost6fibers10wait_queue16suspend_and_waitERSt11unique_lockINS0_6detail13spinlock_"
     "ttasEEPNS0_7contextE",
     "wait_queue::suspend_and_wait", true},
    {"_ZN5boost6fibers10wait_queue22suspend_and_wait_untilERSt11unique_lockINS0_6detail13spinlock_"
     "ttasEEPNS0_7contextERKNSt6chrono10time_pointINS9_3_V212steady_clockENS9_"
     "8durationIlSt5ratioILl1ELl1000000000EEEEEE",
     "wait_queue::suspend_and_wait_until", true},
    {"_ZN5boost6fibers7context7suspendERSt11unique_lockINS0_6detail13spinlock_ttasEE",
     "context::suspend(lk)", true},
    {"_ZN5boost6fibers7context10wait_untilERKNSt6chrono10time_pointINS2_3_V212steady_clockENS2_"
     "8durationIlSt5ratioILl1ELl1000000000EEEEEERSt11unique_lockINS0_6detail13spinlock_ttasEEONS0_"
     "5wakerE",
     "context::wait_until(tp, lk, waker)", true},
    {"_ZN5boost6fibers7context10wait_untilERKNSt6chrono10time_pointINS2_3_V212steady_clockENS2_"
     "8durationIlSt5ratioILl1ELl1000000000EEEEEE",
     "context::wait_until(tp)", true},
    // The scheduling points (src/detail/boost_sched.cpp).
    {"_ZN5boost6fibers5mutex4lockEv", "mutex::lock", true},
    {"_ZN5boost6fibers5mutex8try_lockEv", "mutex::try_lock", true},
    {"_ZN5boost6fibers11timed_mutex4lockEv", "timed_mutex::lock", true},
    {"_ZN5boost6fibers11timed_mutex8try_lockEv", "timed_mutex::try_lock", true},
    {"_ZN5boost6fibers11timed_mutex15try_lock_until_ERKNSt6chrono10time_pointINS2_3_V212steady_"
     "clockENS2_8durationIlSt5ratioILl1ELl1000000000EEEEEE",
     "timed_mutex::try_lock_until_", true},
    {"_ZN5boost6fibers15recursive_mutex4lockEv", "recursive_mutex::lock", true},
    {"_ZN5boost6fibers15recursive_mutex8try_lockEv", "recursive_mutex::try_lock", true},
    {"_ZN5boost6fibers21recursive_timed_mutex4lockEv", "recursive_timed_mutex::lock", true},
    {"_ZN5boost6fibers21recursive_timed_mutex8try_lockEv", "recursive_timed_mutex::try_lock", true},
    {"_ZN5boost6fibers21recursive_timed_mutex15try_lock_until_ERKNSt6chrono10time_"
     "pointINS2_3_V212steady_clockENS2_8durationIlSt5ratioILl1ELl1000000000EEEEEE",
     "recursive_timed_mutex::try_lock_until_", true},
    {"_ZN5boost6fibers22condition_variable_any10notify_oneEv", "condition_variable_any::notify_one",
     true},
    {"_ZN5boost6fibers22condition_variable_any10notify_allEv", "condition_variable_any::notify_all",
     true},
    {"_ZN5boost6fibers7barrier4waitEv", "barrier::wait", true},
    // Unwinding a fiber parked in a Boost wait: the release of a mutex it no longer
    // holds, the join it waits in, and how it ends (context::terminate, Boost's own).
    {"_ZN5boost6fibers5mutex6unlockEv", "mutex::unlock", true},
    {"_ZN5boost6fibers11timed_mutex6unlockEv", "timed_mutex::unlock", true},
    {"_ZN5boost6fibers15recursive_mutex6unlockEv", "recursive_mutex::unlock", true},
    {"_ZN5boost6fibers21recursive_timed_mutex6unlockEv", "recursive_timed_mutex::unlock", true},
    {"_ZN5boost6fibers5fiber4joinEv", "fiber::join", true},
    {"_ZN5boost6fibers7context9terminateEv", "context::terminate", false},
};

// One line for each problem found; empty when every name is exported by Boost.Fiber's
// library and every replaced one is bound to the executable's copy.
inline std::vector<std::string> boost_symbol_problems() {
  std::vector<std::string> problems;
  void* lib = dlopen("libboost_fiber.so.1.81.0", RTLD_NOW | RTLD_NOLOAD);
  if (lib == nullptr) {
    problems.emplace_back(
        "libboost_fiber.so.1.81.0 is not loaded: fibercheck needs Boost.Fiber "
        "1.81 as a shared library");
    return problems;
  }
  // This function is compiled into the executable: its object is the executable.
  Dl_info self{};
  dladdr(reinterpret_cast<void*>(&boost_symbol_problems), &self);
  for (const BoostSymbol& s : kBoostSymbols) {
    void* in_lib = dlsym(lib, s.mangled);
    if (in_lib == nullptr) {
      std::string p = s.what;
      p += " (";
      p += s.mangled;
      p += ") is no longer exported by libboost_fiber.so.1.81.0";
      problems.push_back(std::move(p));
      continue;
    }
    if (!s.replaced) continue;
    void* bound = dlsym(RTLD_DEFAULT, s.mangled);
    Dl_info info{};
    if (bound == nullptr || dladdr(bound, &info) == 0 || info.dli_fbase != self.dli_fbase) {
      std::string p = s.what;
      p += bound == in_lib ? " is bound to Boost's copy"
                           : " is bound to a copy outside the executable";
      p += ", not fibercheck's: the executable lost fibercheck's object, or another library "
           "ahead of Boost's defines it";
      problems.push_back(std::move(p));
    }
  }
  dlclose(lib);
  return problems;
}

}  // namespace fibercheck_boost_symbols
