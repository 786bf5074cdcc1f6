// chan_base.hpp (internal): the type-independent half of a channel, which the
// select engine drives. Every method ending in _locked needs `m` held.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/detail/wait.hpp"

namespace fibercheck::detail {

// True when some node's waiter has not been claimed yet (a completed select leaves
// its other nodes linked until it runs again).
inline bool has_pending(const WaitList& q) noexcept {
  for (WaitNode* n = q.front(); n; n = n->next)
    if (n->waiter->fired.load(std::memory_order_acquire) == kPending) return true;
  return false;
}

class ChanBase : public Waitable {
 public:
  ChanBase(std::string name, std::size_t capacity);
  virtual ~ChanBase() = default;

  [[nodiscard]] bool ready_locked(WaitOp op) const noexcept {
    if (op == WaitOp::send) return closed_ || has_pending(recvq_) || buffered_locked() < cap_;
    return closed_ || buffered_locked() != 0 || has_pending(sendq_);
  }
  // Sends *static_cast<T*>(src): ok, closed or would_block.
  virtual Status try_send_locked(void* src) = 0;
  // Receives into *static_cast<std::optional<T>*>(dst): ok, closed or would_block.
  virtual Status try_recv_locked(void* dst) = 0;
  [[nodiscard]] virtual std::size_t buffered_locked() const noexcept = 0;

  // Closes the channel, waking every blocked sender and receiver. False if it was closed.
  bool close();
  // "send on chan 'out' (cap 0, 0 buffered)".
  std::string describe(WaitOp op) const override;
  // The channel alone: "chan 'out' (cap 0, 0 buffered, closed)".
  [[nodiscard]] std::string describe_chan() const;

  ObjectLock m;
  WaitList recvq_;
  WaitList sendq_;

  [[nodiscard]] const std::string& name() const noexcept { return name_; }
  // The name as the trace hash knows it, computed once at creation.
  [[nodiscard]] std::uint64_t name_hash() const noexcept { return name_hash_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return cap_; }
  [[nodiscard]] bool closed_locked() const noexcept { return closed_; }

 protected:
  std::string name_;
  std::uint64_t name_hash_;
  std::size_t cap_;
  bool closed_ = false;
};

}  // namespace fibercheck::detail
