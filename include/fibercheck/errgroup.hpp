// errgroup.hpp: Go's errgroup.WithContext for fibers.
//
//   fibercheck::ErrGroup g(done, "fetch");
//   for (auto& url : urls) g.go("get", [url](fibercheck::Done d) { get(d, url); });
//   if (std::exception_ptr e = g.wait()) std::rethrow_exception(e);
//
// Children run in a Scope whose done derives from the group's done (Go's derived
// ctx). A child fails by throwing, or by returning a non-zero std::error_code or a
// non-null std::exception_ptr. The first failure closes the group's done, which
// cancels every sibling, and is what wait() returns; later failures are dropped.
// wait() joins every child, then closes the group's done (Go cancels the ctx when
// Wait returns). Leaving the group without wait() cancels and joins the children.
// Reclaim's unwinding is never taken for a child's failure.
//
// Ordering: everything every child did happens before wait() returns.
#pragma once

#include <boost/fiber/mutex.hpp>
#include <exception>
#include <memory>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include "fibercheck/config.hpp"
#include "fibercheck/detail/wait.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck {

class ErrGroup {
 public:
  // The group's done derives from `parent` and is named `name`. `loc` (the line that
  // declares the group, by default) is where the census says the destructor's wait for
  // the children blocked.
  explicit ErrGroup(const Done& parent, std::string name = "errgroup",
                    source_location loc = source_location::current());
  ErrGroup(const ErrGroup&) = delete;
  ErrGroup& operator=(const ErrGroup&) = delete;

  // Starts a child fiber running fn(done) (or fn()), where done closes when the group
  // fails, is cancelled, or its parent closes.
  template <class F>
  void go(std::string name, F&& fn, source_location loc = source_location::current()) {
    scope_.spawn(
        std::move(name),
        [this, fn = std::forward<F>(fn)](Done d) mutable {
          try {
            report(call(fn, d));
          } catch (const detail::Unwind&) {
            throw;
          } catch (...) {
            fail(std::current_exception());
          }
        },
        loc);
  }

  // Joins every child; returns the first failure, or nullptr when all succeeded. `loc`
  // (the caller's line, by default) is where the census says a blocked wait blocked.
  [[nodiscard]] std::exception_ptr wait(source_location loc = source_location::current());
  // Closes the group's done, as a failure would, without recording an error.
  void cancel() noexcept { source_.close(); }
  [[nodiscard]] Done done() const noexcept { return source_.done(); }

 private:
  template <class F>
  static std::exception_ptr call(F& fn, const Done& d) {
    auto run = [&] {
      if constexpr (std::is_invocable_v<F&, Done>) {
        return fn(d);
      } else {
        return fn();
      }
    };
    using R = decltype(run());
    if constexpr (std::is_void_v<R>) {
      run();
      return nullptr;
    } else if constexpr (std::is_same_v<R, std::error_code>) {
      const std::error_code ec = run();
      return ec ? std::make_exception_ptr(std::system_error(ec)) : nullptr;
    } else {
      static_assert(std::is_same_v<R, std::exception_ptr>,
                    "an ErrGroup child returns void, std::error_code or std::exception_ptr");
      return run();
    }
  }
  void report(std::exception_ptr e) {
    if (e) fail(std::move(e));
  }
  void fail(std::exception_ptr e) noexcept;

  detail::ObjectLock m_;  // not a Boost mutex: that would add a scheduling point to fail()
  std::exception_ptr first_;
  DoneSource source_;
  Scope scope_;  // last: destroyed (cancelled and joined) first
};

}  // namespace fibercheck
