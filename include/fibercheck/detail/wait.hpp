// wait.hpp (internal): the one blocking mechanism behind every fibercheck primitive.
//
// A blocked operation owns a Waiter on its stack and links one WaitNode per thing it
// waits for (a channel's send or receive queue, a done signal, a scope's join) into
// that object's WaitList. Whoever makes an operation possible claims the waiter with a
// compare-and-swap (first claim wins, so a select completes exactly one case), fills in
// the node's result, and wakes it. Reclaim claims a waiter with kUnwind. Object locks
// are taken before the waiter's lock, never the reverse.
#pragma once

#include <atomic>
#include <boost/fiber/detail/spinlock.hpp>
#include <boost/fiber/waker.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fibercheck/config.hpp"
#include "fibercheck/source_location.hpp"
#include "fibercheck/status.hpp"

namespace fibercheck::detail {

struct FiberProps;
class DoneState;

// The lock of every object a fiber can wait on (channel, done, scope, ...). Held only
// for a few instructions and never across a switch, so Boost's spinlock (what Boost's
// own channels use) is enough, across threads too; boost::fibers::mutex would also
// look up the running context and its owner on every lock and unlock.
using ObjectLock = boost::fibers::detail::spinlock;

enum class WaitOp { recv, send, done, join, sleep, other, lock, rlock };

// Anything a fiber can wait on; it describes itself for the census.
class Waitable {
 public:
  [[nodiscard]] virtual std::string describe(WaitOp op) const = 0;
  // Ids of the fibers that could end a wait of kind `op` on this object (a lock's
  // holders, a once's runner), for the deadlock explainer; empty when anyone could.
  // Read by the census while the run is stopped, so implementations need no lock.
  [[nodiscard]] virtual std::vector<std::uint64_t> holders(WaitOp) const { return {}; }

 protected:
  ~Waitable() = default;
};

// Thrown into a fiber blocked in a fibercheck primitive when its case is reclaimed.
// Deliberately not derived from std::exception, so `catch (const std::exception&)`
// in code under test does not swallow it.
struct Unwind final {};

inline constexpr int kPending = -1;
inline constexpr int kUnwind = -2;
inline constexpr int kTimeout = -3;

struct Waiter;

struct WaitNode {
  Waiter* waiter = nullptr;
  int index = 0;  // which case of the operation this node stands for
  WaitOp op = WaitOp::other;
  const Waitable* object = nullptr;
  void* slot = nullptr;  // send: T* to move from; recv: std::optional<T>* to fill
  Status result = Status::ok;
  WaitNode* prev = nullptr;
  WaitNode* next = nullptr;
  bool linked = false;
};

// An intrusive FIFO of waiting nodes; guarded by its owner's lock.
class WaitList {
 public:
  void push_back(WaitNode& n) noexcept;
  void remove(WaitNode& n) noexcept;
  [[nodiscard]] WaitNode* front() const noexcept { return head_; }
  [[nodiscard]] bool empty() const noexcept { return head_ == nullptr; }
  // Claims and unlinks the first node whose waiter is still pending; nullptr if none.
  WaitNode* claim_first() noexcept;

 private:
  WaitNode* head_ = nullptr;
  WaitNode* tail_ = nullptr;
};

// Parks its fiber directly on Boost's context (a waker and the context's own suspend),
// as Boost's condition variables do inside, without a mutex and wait queue on top:
// one spinlock and one switch a wait.
struct Waiter {
  std::atomic<int> fired{kPending};
  boost::fibers::detail::spinlock splk;  // guards signaled, parked and waker
  boost::fibers::waker waker;            // valid while parked
  bool parked = false;
  bool signaled = false;
  bool unwindable = true;     // false inside destructors: such a wait must finish normally
  WaitNode* nodes = nullptr;  // the operation's nodes, for the census
  int node_count = 0;
  std::optional<std::int64_t> deadline;  // fibercheck clock nanoseconds
  // The user's call that blocks here (FiberInfo::blocked_file and blocked_line); set by
  // the public operation before block(), passed through by fibercheck's own wrappers.
  source_location site;

  bool try_claim(int index) noexcept {
    int expected = kPending;
    return fired.compare_exchange_strong(expected, index, std::memory_order_acq_rel);
  }
  // What the wait is for, as the census prints it.
  [[nodiscard]] std::string describe() const;
  // Wakes the waiting fiber; call after a successful try_claim.
  void wake();
  // Blocks until claimed; returns the claimed index (kTimeout after `deadline`, in
  // fibercheck clock nanoseconds). Registers the wait with the census.
  int block(std::optional<std::int64_t> deadline = std::nullopt);
};

// Entry check of every primitive: throws Unwind when the calling fiber is being
// reclaimed (and is not already unwinding).
void check_unwind();
// A scheduling point: under a deterministic run, lets the strategy switch fibers here.
void sched_point();
// Entry of every primitive: check_unwind(), then records "verb 'name'" as the calling
// fiber's last operation (FiberInfo::last_op), then sched_point(). `verb` must be a
// string literal; an empty `name` prints the verb alone.
void enter(const char* verb, const std::string& name);
// A scheduling point at an operation that never blocks (close, unlock, notify, a
// waitgroup's add/done, a spawn, a timer's creation...): under a deterministic run the
// strategy may switch fibers here, before the operation takes effect, so every order of
// it against other fibers' operations is reachable. Records "verb 'name'" as the fiber's
// last operation and what the step touches, as enter() does, but never throws Unwind:
// these operations run in destructors. Outside a run it costs one thread-local check.
void sync_point(const char* verb, const std::string& name);
// Records that the calling fiber waits on or polls `done` (nullptr: a Done that never
// closes), for FiberInfo::watched_done. Cheap when it watches the same one again.
void note_watch(const DoneState* done) noexcept;
// Records, for a systematic explorer (RunState::record_detail), that the running step
// touched the primitive called `name`, or something every step may depend on.
void touch(const std::string& name) noexcept;
void touch_all() noexcept;
// Picks one of n ready cases (n >= 1): seeded under a deterministic run, recorded for replay.
std::size_t choose_case(std::size_t n);
// fibercheck::choose(n): a value in [0, n) chosen by the run's strategy (recorded,
// replayed, enumerated by DFS); from a thread-local seeded generator outside a run.
std::size_t choose_value(std::size_t n);

}  // namespace fibercheck::detail
