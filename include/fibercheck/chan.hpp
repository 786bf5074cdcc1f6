// chan.hpp: Go's channels for fibers: unbuffered (rendezvous) or buffered, FIFO.
//
// A Chan<T> is a handle: copies refer to the same channel. A default-constructed
// Chan is Go's nil channel: sends and receives on it block forever (and show so
// in the census), and a select case on it is never ready. send and recv take a
// done signal and return a Status instead of throwing: ok, closed (a send found the
// channel closed, or a receive found it closed and drained), or cancelled (done
// closed first; when both are possible at once, the choice is the scheduler's).
// Move-only T is supported. Built on Boost.Fiber's spinlock and context wakers, not
// Boost's channels (which read freed memory after close() and take only power-of-two
// buffer sizes). Safe across threads.
//
// Ordering: a value's construction happens before the receive that returns it.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "fibercheck/config.hpp"
#include "fibercheck/detail/chan_base.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/source_location.hpp"
#include "fibercheck/status.hpp"

namespace fibercheck {

// What a receive produced: a value with Status::ok, or no value and why not.
template <class T>
struct Recv {
  Status status = Status::would_block;
  std::optional<T> value;

  [[nodiscard]] explicit operator bool() const noexcept { return status == Status::ok; }
  [[nodiscard]] T& operator*() { return *value; }
  [[nodiscard]] const T& operator*() const { return *value; }
  [[nodiscard]] T* operator->() { return &*value; }
};

namespace detail {

template <class T>
class ChanState final : public ChanBase {
 public:
  // libstdc++'s deque allocates on construction: only buffered channels get one.
  ChanState(std::string name, std::size_t capacity)
      : ChanBase(std::move(name), capacity),
        buf_(capacity > 0 ? std::make_unique<std::deque<T>>() : nullptr) {}

  Status try_send_locked(void* src) override {
    T& v = *static_cast<T*>(src);
    if (closed_) return Status::closed;
    if (WaitNode* r = recvq_.claim_first()) {
      static_cast<std::optional<T>*>(r->slot)->emplace(std::move(v));
      r->result = Status::ok;
      r->waiter->wake();
      return Status::ok;
    }
    if (buf_ && buf_->size() < cap_) {
      buf_->push_back(std::move(v));
      return Status::ok;
    }
    return Status::would_block;
  }

  Status try_recv_locked(void* dst) override {
    auto& out = *static_cast<std::optional<T>*>(dst);
    if (buf_ && !buf_->empty()) {
      out.emplace(std::move(buf_->front()));
      buf_->pop_front();
      if (WaitNode* s = sendq_.claim_first()) {  // a blocked sender's value takes the slot
        buf_->push_back(std::move(*static_cast<T*>(s->slot)));
        s->result = Status::ok;
        s->waiter->wake();
      }
      return Status::ok;
    }
    if (WaitNode* s = sendq_.claim_first()) {  // rendezvous: take it from the sender's stack
      out.emplace(std::move(*static_cast<T*>(s->slot)));
      s->result = Status::ok;
      s->waiter->wake();
      return Status::ok;
    }
    if (closed_) {
      out.reset();
      return Status::closed;
    }
    return Status::would_block;
  }

  std::size_t buffered_locked() const noexcept override { return buf_ ? buf_->size() : 0; }

 private:
  std::unique_ptr<std::deque<T>> buf_;
};

// One operation of a select; built by on_send / on_recv.
struct SelectCase {
  ChanBase* chan = nullptr;  // nullptr: a nil channel, never ready
  WaitOp op = WaitOp::recv;
  void* slot = nullptr;
  Status* status_out = nullptr;
};

struct SelectResult {
  int index;  // the case taken; -1 when done closed, a default was taken, or a deadline passed
  Status status;
};

// `site`: the user's call, for the census of a blocked select (empty for forms that
// never block).
SelectResult select_impl(const SelectCase* cases, int n, const Done* done, bool has_default,
                         std::optional<std::int64_t> deadline = std::nullopt,
                         const source_location& site = source_location());

}  // namespace detail

template <class T>
class Chan {
 public:
  // The nil channel.
  Chan() noexcept = default;
  // A channel holding up to `capacity` values; 0 makes it unbuffered.
  explicit Chan(std::size_t capacity, std::string name = "chan")
      : state_(std::make_shared<detail::ChanState<T>>(std::move(name), capacity)) {}

  // Blocks until the value is delivered (ok), the channel is closed (closed) or
  // done closes (cancelled). The value is consumed either way. `loc` (the caller's
  // line, by default) is where the census says a blocked sender blocked.
  Status send(const Done& done, T value, source_location loc = source_location::current()) const {
    Status st = Status::would_block;
    detail::SelectCase c{state_.get(), detail::WaitOp::send, &value, &st};
    return detail::select_impl(&c, 1, &done, false, std::nullopt, loc).status;
  }
  Status send(T value, source_location loc = source_location::current()) const {
    return send(Done(), std::move(value), loc);
  }

  // Blocks until a value arrives (ok), the channel is closed and drained (closed),
  // or done closes (cancelled).
  Recv<T> recv(const Done& done = Done(), source_location loc = source_location::current()) const {
    Recv<T> r;
    detail::SelectCase c{state_.get(), detail::WaitOp::recv, &r.value, &r.status};
    r.status = detail::select_impl(&c, 1, &done, false, std::nullopt, loc).status;
    return r;
  }

  // Non-blocking forms: Status::would_block when the operation cannot happen now.
  Status try_send(T value) const {
    Status st = Status::would_block;
    detail::SelectCase c{state_.get(), detail::WaitOp::send, &value, &st};
    return detail::select_impl(&c, 1, nullptr, true).status;
  }
  Recv<T> try_recv() const {
    Recv<T> r;
    detail::SelectCase c{state_.get(), detail::WaitOp::recv, &r.value, &r.status};
    r.status = detail::select_impl(&c, 1, nullptr, true).status;
    return r;
  }

  // Closes the channel: blocked receivers see closed once the buffer drains, blocked
  // senders see closed. Returns false if it was already closed (Go would panic).
  bool close() const { return state_ ? state_->close() : false; }

  [[nodiscard]] bool nil() const noexcept { return state_ == nullptr; }
  [[nodiscard]] std::size_t capacity() const noexcept { return state_ ? state_->capacity() : 0; }
  [[nodiscard]] std::string name() const { return state_ ? state_->name() : "nil"; }
  // Queries of a channel another fiber may change are scheduling points, as in Go's len(ch).
  [[nodiscard]] std::size_t size() const {
    if (!state_) return 0;
    detail::sync_point("size() of chan", state_->name());
    detail::check_unwind();  // a loop of queries alone is still reclaimable
    std::lock_guard<detail::ObjectLock> lk(state_->m);
    return state_->buffered_locked();
  }
  [[nodiscard]] bool closed() const {
    if (!state_) return false;
    detail::sync_point("closed() of chan", state_->name());
    detail::check_unwind();  // a loop of queries alone is still reclaimable
    std::lock_guard<detail::ObjectLock> lk(state_->m);
    return state_->closed_locked();
  }

  [[nodiscard]] detail::ChanBase* base() const noexcept { return state_.get(); }
  friend bool operator==(const Chan& a, const Chan& b) noexcept { return a.state_ == b.state_; }

 private:
  std::shared_ptr<detail::ChanState<T>> state_;
};

}  // namespace fibercheck
