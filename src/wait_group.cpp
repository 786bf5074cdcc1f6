#include "fibercheck/wait_group.hpp"

#include <mutex>
#include <stdexcept>

#include "detail/block_on.hpp"
#include "detail/runtime.hpp"

namespace fibercheck::detail {

class WaitGroupState final : public Waitable {
 public:
  explicit WaitGroupState(std::string n) : name(std::move(n)) {}

  std::string describe(WaitOp) const override {
    return "wait on waitgroup '" + name + "' (" + std::to_string(count) + " outstanding)";
  }

  const std::string name;
  ObjectLock m;
  std::int64_t count = 0;
  WaitList waiters;
};

}  // namespace fibercheck::detail

namespace fibercheck {

WaitGroup::WaitGroup(std::string name)
    : state_(std::make_shared<detail::WaitGroupState>(std::move(name))) {}

void WaitGroup::add(std::int64_t delta) const {
  detail::sync_point(delta < 0 ? "done on waitgroup" : "add to waitgroup", state_->name);
  detail::touch_all();
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  if (state_->count + delta < 0)
    throw std::invalid_argument("fibercheck: negative counter for waitgroup '" + state_->name +
                                "'");
  state_->count += delta;
  if (state_->count != 0) return;
  while (detail::WaitNode* n = state_->waiters.claim_first()) {
    n->result = Status::ok;
    n->waiter->wake();
  }
}

void WaitGroup::wait(source_location loc) const { (void)wait(Done(), loc); }

Status WaitGroup::wait(const Done& cancel, source_location loc) const {
  auto keep = state_;  // a blocked wait keeps the counter alive if every handle goes
  detail::enter("wait on waitgroup", keep->name);
  return detail::block_on(
      {keep->m, keep->waiters, *keep, detail::WaitOp::other, loc}, &cancel,
      [&] { return keep->count == 0; }, [] {});
}

std::int64_t WaitGroup::outstanding() const {
  detail::sync_point("outstanding() of waitgroup", state_->name);
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  return state_->count;
}

const std::string& WaitGroup::name() const noexcept { return state_->name; }

}  // namespace fibercheck
