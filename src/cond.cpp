#include "fibercheck/cond.hpp"

#include <system_error>

#include "detail/block_on.hpp"
#include "detail/runtime.hpp"

namespace fibercheck::detail {

class CondState final : public Waitable {
 public:
  explicit CondState(std::string n) : name(std::move(n)) {}

  std::string describe(WaitOp) const override {
    return "wait on condvar '" + name + "' (" + (lock_rw ? "rwmutex '" : "mutex '") + lock_name +
           (lock_read_side ? "', read side)" : "')");
  }

  const std::string name;
  // The lock of the latest waiter: one condvar goes with one lock.
  std::string lock_name;
  bool lock_rw = false;
  bool lock_read_side = false;
  ObjectLock m;
  WaitList waiters;
};

}  // namespace fibercheck::detail

namespace fibercheck {

CondVar::CondVar(std::string name) : state_(std::make_shared<detail::CondState>(std::move(name))) {}

Status CondVar::wait_on(const detail::CondLock& lk, const Done& cancel,
                        const source_location& site) const {
  if (!lk.owns)
    throw std::system_error(std::make_error_code(std::errc::operation_not_permitted),
                            "fibercheck: wait on condvar '" + state_->name + "' without its " +
                                (lk.read_side ? "rwmutex's read lock"
                                 : lk.rw      ? "rwmutex"
                                              : "mutex"));
  auto keep = state_;
  detail::CondState& s = *keep;
  detail::enter("wait on condvar", s.name);
  bool released = false;
  // Linked before the lock is released, so a notify under the lock cannot be lost.
  const Status st = detail::block_on(
      {s.m, s.waiters, s, detail::WaitOp::other, site}, &cancel,
      [&] {
        s.lock_name = *lk.name;
        s.lock_rw = lk.rw;
        s.lock_read_side = lk.read_side;
        return false;
      },
      [&] {
        lk.unlock(lk.lk);
        released = true;
      });
  if (released) lk.relock(lk.lk, site);  // an Unwind from here leaves lk not owning the lock
  return st;
}

void CondVar::notify_one() const {
  detail::sync_point("notify_one of condvar", state_->name);
  detail::touch_all();
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  if (detail::WaitNode* n = state_->waiters.claim_first()) {
    n->result = Status::ok;
    n->waiter->wake();
  }
}

void CondVar::notify_all() const {
  detail::sync_point("notify_all of condvar", state_->name);
  detail::touch_all();
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  while (detail::WaitNode* n = state_->waiters.claim_first()) {
    n->result = Status::ok;
    n->waiter->wake();
  }
}

const std::string& CondVar::name() const noexcept { return state_->name; }

}  // namespace fibercheck
