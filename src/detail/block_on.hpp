// block_on.hpp (internal): one wait on one object's WaitList, optionally cut short by
// a done signal: the shape of WaitGroup::wait, CondVar::wait and Once's waiters.
#pragma once

#include <utility>

#include "detail/done_state.hpp"
#include "fibercheck/detail/wait.hpp"

namespace fibercheck::detail {

// The object side of a wait: its lock, its list, what the census calls it.
struct BlockOn {
  ObjectLock& m;
  WaitList& list;
  const Waitable& object;
  WaitOp op = WaitOp::other;
  source_location site;  // the user's call, for the census
};

// Locks the object's and the done's mutex in address order (as select does).
class LockPair {
 public:
  LockPair(ObjectLock* a, ObjectLock* b) : a_(a), b_(b) {
    if (b_ != nullptr && b_ < a_) std::swap(a_, b_);
    a_->lock();
    if (b_) b_->lock();
  }
  LockPair(const LockPair&) = delete;
  LockPair& operator=(const LockPair&) = delete;
  ~LockPair() {
    if (b_) b_->unlock();
    a_->unlock();
  }

 private:
  ObjectLock* a_;
  ObjectLock* b_;
};

// With both locks held: returns Status::ok if ready_locked() says so, else
// Status::cancelled if done is closed, else links a node into on.list (and into the
// done's waiters), calls registered() after unlocking, and blocks. A waker claims the
// node with index 0 and sets its result; done closing gives Status::cancelled.
// Throws Unwind when reclaimed. The caller has called enter().
template <class Ready, class Registered>
Status block_on(const BlockOn& on, const Done* done, Ready&& ready_locked,
                Registered&& registered) {
  DoneState* ds = done ? done->state() : nullptr;
  Waiter w;
  WaitNode nodes[2];
  nodes[0].waiter = &w;
  nodes[0].index = 0;
  nodes[0].op = on.op;
  nodes[0].object = &on.object;
  nodes[1].waiter = &w;
  nodes[1].index = 1;
  nodes[1].op = WaitOp::done;
  nodes[1].object = ds;
  w.nodes = nodes;
  w.node_count = ds ? 2 : 1;
  w.site = on.site;
  {
    LockPair lk(&on.m, ds ? &ds->m : nullptr);
    if (ready_locked()) return Status::ok;
    if (ds && ds->is_closed.load(std::memory_order_relaxed)) return Status::cancelled;
    on.list.push_back(nodes[0]);
    if (ds) ds->waiters.push_back(nodes[1]);
  }
  registered();
  const int fired = w.block();
  {
    LockPair lk(&on.m, ds ? &ds->m : nullptr);
    on.list.remove(nodes[0]);
    if (ds) ds->waiters.remove(nodes[1]);
  }
  if (fired == kUnwind) throw Unwind{};
  return fired == 0 ? nodes[0].result : Status::cancelled;
}

}  // namespace fibercheck::detail
