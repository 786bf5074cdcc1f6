// once.hpp: std::call_once (Go's sync.Once) for fibers, visible to the census.
//
//   fibercheck::Once init("config");
//   init.call([&] { load(); });   // or fibercheck::call_once(init, [&] { load(); })
//
// The first caller runs the function; concurrent callers block until it finishes
// and show in the census as "call_once of once 'config' running in root/loader since
// step 7". As with std::call_once, a call that throws does not count: the exception
// reaches its caller and the next caller (a waiting one first) runs the function. A
// fiber that calls the same Once from inside the function blocks for good, and the
// deadlock report says it re-entered it. Like Chan, a Once is a handle: copies share
// the flag. A blocked caller is unwound on reclaim.
//
// Ordering: everything the function did happens before every call() that returns
// without running it.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck {

namespace detail {
class OnceState;
}

class Once {
 public:
  explicit Once(std::string name = "once");

  // Runs f unless a call already completed; blocks while another fiber runs it. `loc`
  // (the caller's line, by default) is where the census says a blocked caller blocked.
  template <class F>
  void call(F&& f, source_location loc = source_location::current()) const {
    if (!begin(loc)) return;
    try {
      std::invoke(std::forward<F>(f));
    } catch (...) {
      finish(false);  // also on unwind: a waiter that is not being reclaimed takes over
      throw;
    }
    finish(true);
  }
  // True once a call completed without throwing.
  [[nodiscard]] bool done() const;
  [[nodiscard]] const std::string& name() const noexcept;

 private:
  // True when the caller must run the function now.
  [[nodiscard]] bool begin(const source_location& site) const;
  void finish(bool completed) const noexcept;
  std::shared_ptr<detail::OnceState> state_;
};

template <class F>
void call_once(const Once& once, F&& f, source_location loc = source_location::current()) {
  once.call(std::forward<F>(f), loc);
}

}  // namespace fibercheck
