// done.hpp: a close-once "done" signal shared by a fiber and its descendants.
//
// Go's rule, in C++: whoever starts a fiber must be able to stop it, by handing it
// a read-only Done that the owner's DoneSource closes. A DoneSource can be derived
// from a parent Done: it closes when the parent closes or when it is closed itself
// (Go's context.WithCancel). Closing is idempotent and safe from any fiber, from
// the main context, and from another thread. Waiting blocks the fiber, never the
// thread.
//
// with_timeout and with_deadline derive a signal that also closes by itself at a time
// on the fibercheck clock (Go's context.WithTimeout and WithDeadline); reason() then
// says deadline_exceeded rather than cancelled. Under fibercheck::run the time is
// virtual: a virtual timer closes it when the clock reaches the deadline. Elsewhere a
// helper fiber on the calling thread sleeps on the steady clock until then, so that
// thread must run fibers (any thread waiting on a Done does).
//
// Ordering: everything a fiber did before close() is visible to any fiber that
// then sees closed() == true or returns from a wait on it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/source_location.hpp"
#include "fibercheck/status.hpp"

namespace fibercheck {

namespace detail {
class DoneState;
}

enum class CloseReason { open, cancelled, deadline_exceeded };

[[nodiscard]] const char* to_string(CloseReason r) noexcept;

// The read-only side. A default-constructed Done never closes (Go's nil channel
// as a done, or context.Background()).
class Done {
 public:
  Done() noexcept = default;

  // True once the owner closed this signal or any ancestor of it.
  [[nodiscard]] bool closed() const noexcept;
  // Blocks the calling fiber until closed. A never-closing Done blocks forever. `loc`
  // (the caller's line, by default) is where the census says it blocked.
  void wait(source_location loc = source_location::current()) const;
  // Why it closed: open, cancelled, or deadline_exceeded.
  [[nodiscard]] CloseReason reason() const noexcept;
  // The name it reports in the census ("root/pipeline"); "never" for the default.
  [[nodiscard]] std::string name() const;
  // A std::stop_token that is stop-requested when this signal closes.
  [[nodiscard]] std::stop_token stop_token() const;
  // The earliest deadline of this signal and its ancestors, on the fibercheck clock
  // (fibercheck::now()); nullopt when none has one (Go's ctx.Deadline()).
  [[nodiscard]] std::optional<std::chrono::nanoseconds> deadline() const;
  // False for the default, never-closing Done.
  [[nodiscard]] bool can_close() const noexcept { return state_ != nullptr; }

  [[nodiscard]] detail::DoneState* state() const noexcept { return state_.get(); }

 private:
  friend class DoneSource;
  explicit Done(std::shared_ptr<detail::DoneState> s) noexcept : state_(std::move(s)) {}
  std::shared_ptr<detail::DoneState> state_;
};

// The owner's side. Closes its signal when destroyed, so a signal cannot be
// forgotten open (the leak Go's `go vet` warns about for context.WithCancel).
class DoneSource {
 public:
  explicit DoneSource(std::string name = "done");
  // Derived: closes when `parent` closes, or when close() is called.
  DoneSource(const Done& parent, std::string name);
  // Closes when `token` is stop-requested.
  static DoneSource from_stop_token(std::stop_token token, std::string name = "stop_token");

  DoneSource(DoneSource&&) noexcept = default;
  DoneSource& operator=(DoneSource&& other) noexcept;
  DoneSource(const DoneSource&) = delete;
  DoneSource& operator=(const DoneSource&) = delete;
  ~DoneSource();

  [[nodiscard]] Done done() const noexcept { return Done(state_); }
  // Closes the signal and every signal derived from it. Returns true for the call
  // that closed it, false if it was already closed.
  bool close() noexcept;
  [[nodiscard]] bool closed() const noexcept;

 private:
  friend DoneSource with_deadline(const Done&, std::chrono::nanoseconds, std::string);
  std::shared_ptr<detail::DoneState> state_;
};

// Go's context.WithCancel: a DoneSource derived from `parent`.
[[nodiscard]] inline DoneSource with_cancel(const Done& parent, std::string name) {
  return DoneSource(parent, std::move(name));
}

// Go's context.WithDeadline: derived from `parent`, and closing by itself with
// CloseReason::deadline_exceeded when fibercheck::now() reaches `at` (at once if it
// already has).
[[nodiscard]] DoneSource with_deadline(const Done& parent, std::chrono::nanoseconds at,
                                       std::string name);
// Go's context.WithTimeout: with_deadline(parent, now() + d, name).
[[nodiscard]] DoneSource with_timeout(const Done& parent, std::chrono::nanoseconds d,
                                      std::string name);

}  // namespace fibercheck
