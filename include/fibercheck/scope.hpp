// scope.hpp: structured spawning. A Scope starts named child fibers; each child
// gets a done signal derived from the scope's; join() waits for all of them.
//
// Leaving a scope without joining closes its done and then joins, so no child
// outlives its scope. An exception escaping a child is captured and rethrown from
// join() as a FiberError naming the child's path; every fiber fibercheck starts
// goes through one wrapper, so nothing reaches std::terminate (which Boost.Fiber calls
// when an exception escapes a fiber's function).
//
// Ordering: everything a child did happens before join() returns.
#pragma once

#include <boost/fiber/fiber.hpp>
#include <boost/fiber/protected_fixedsize_stack.hpp>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "fibercheck/config.hpp"
#include "fibercheck/detail/wait.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck {

// An exception that escaped a fiber, with the fiber's path.
class FiberError : public std::runtime_error {
 public:
  FiberError(std::string path, std::exception_ptr cause, const std::string& what);
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] std::exception_ptr cause() const noexcept { return cause_; }

 private:
  std::string path_;
  std::exception_ptr cause_;
};

namespace detail {

class ScopeState;
struct FiberProps;

// Creates and registers the record of a fiber about to start (id, name, path, site).
FiberProps* new_fiber(const std::string& name, const source_location& loc,
                      const std::string& done_name, ScopeState* scope);
// The body every fibercheck fiber runs: catches, records, relays, and signals exit.
void fiber_main(FiberProps* self, ScopeState* scope, void (*body)(void*), void* arg) noexcept;
std::size_t stack_size() noexcept;
// True when this thread's run asked for guard-page stacks (RunOptions::guard_pages).
bool guard_pages() noexcept;
// Tells the fiber's record where its guard page is, for the stack-overflow report.
void note_guard(FiberProps* p, const boost::context::stack_context& sc) noexcept;

boost::fibers::fiber_properties* as_properties(FiberProps* p) noexcept;

// protected_fixedsize_stack (an inaccessible page below the stack) that records
// where that page is, so a fault on it is reported as this fiber's stack overflow.
struct GuardedStack {
  std::size_t size;
  FiberProps* props;
  boost::context::stack_context allocate() {
    boost::context::stack_context sc = boost::fibers::protected_fixedsize_stack(size).allocate();
    note_guard(props, sc);
    return sc;
  }
  void deallocate(boost::context::stack_context& sc) noexcept {
    boost::fibers::protected_fixedsize_stack(size).deallocate(sc);
  }
};

// Stacks for fibers without guard pages: page-aligned, carved from mmap'd slabs, and
// kept per thread for the next fiber, so a property run that starts fibers case after
// case neither maps memory nor faults its pages in again. trim_stacks() (at the end
// of every run) gives back free stacks beyond a warm reserve.
boost::context::stack_context take_stack(std::size_t size);
void give_stack(boost::context::stack_context& sc) noexcept;
void trim_stacks() noexcept;

struct PooledStack {
  std::size_t size;
  boost::context::stack_context allocate() { return take_stack(size); }
  void deallocate(boost::context::stack_context& sc) noexcept { give_stack(sc); }
};

template <class Fn>
void launch(FiberProps* props, ScopeState* scope, Fn&& fn) {
  auto main = [props, scope, fn = std::forward<Fn>(fn)]() mutable {
    fiber_main(
        props, scope, [](void* p) { (*static_cast<std::decay_t<Fn>*>(p))(); }, &fn);
  };
  if (guard_pages()) {
    boost::fibers::fiber f(as_properties(props), std::allocator_arg,
                           GuardedStack{stack_size(), props}, std::move(main));
    f.detach();
    return;
  }
  boost::fibers::fiber f(as_properties(props), std::allocator_arg, PooledStack{stack_size()},
                         std::move(main));
  f.detach();
}

}  // namespace detail

class Scope {
 public:
  // A scope whose done is derived from `parent`; `name` names that done in the
  // census (default: the path of the fiber that creates the scope). `loc` (the line
  // that declares the scope, by default) is where the census says the destructor's
  // wait for the children blocked: a destructor has no call site of its own.
  explicit Scope(const Done& parent, std::string name = "",
                 source_location loc = source_location::current());
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  // Closes the scope's done, then waits for every child.
  ~Scope();

  // Starts a child fiber named `name` running fn(done) (or fn() if it takes no
  // arguments), where done is this scope's done.
  template <class F>
  void spawn(std::string name, F&& fn, source_location loc = source_location::current()) {
    Done d = done();
    detail::FiberProps* props = detail::new_fiber(name, loc, d.name(), state_.get());
    auto body = [d, fn = std::forward<F>(fn)]() mutable {
      if constexpr (std::is_invocable_v<std::decay_t<F>&, Done>) {
        fn(d);
      } else {
        fn();
      }
    };
    detail::launch(props, state_.get(), std::move(body));
    // The child is ready: the strategy may run it first or let the parent go on.
    detail::sync_point("spawn", name);
  }

  // Waits for every child. Rethrows the first child exception as a FiberError. `loc`
  // (the caller's line, by default) is where the census says a blocked join blocked.
  void join(source_location loc = source_location::current());
  // Closes the scope's done: every child is asked to stop.
  void cancel() noexcept { source_.close(); }
  [[nodiscard]] Done done() const noexcept { return source_.done(); }
  // Children started and not yet finished.
  [[nodiscard]] std::size_t running() const;

 private:
  void wait_children(bool unwindable, const source_location& site);
  DoneSource source_;
  source_location site_;  // where the scope was declared
  std::shared_ptr<detail::ScopeState> state_;
};

// Starts a fiber that no scope waits for (Go's `go f()`); the census still sees
// it, and a run reports it if it is still alive at the end.
template <class F>
void go(std::string name, F&& fn, source_location loc = source_location::current()) {
  detail::FiberProps* props = detail::new_fiber(name, loc, "", nullptr);
  detail::launch(props, nullptr, std::forward<F>(fn));
  // The child is ready: the strategy may run it first or let the parent go on.
  detail::sync_point("go", name);
}

}  // namespace fibercheck
