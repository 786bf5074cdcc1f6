#include "fibercheck/once.hpp"

#include <mutex>

#include "detail/block_on.hpp"
#include "detail/runtime.hpp"

namespace fibercheck::detail {

class OnceState final : public Waitable {
 public:
  explicit OnceState(std::string n) : name(std::move(n)) {}

  std::string describe(WaitOp) const override {
    std::string s = "call_once of once '" + name + "'";
    if (!running) return s + " (being handed over)";
    s += " running in " + runner_path;
    if (Runtime::get().run != nullptr) s += " since step " + std::to_string(since);
    return s;
  }
  std::vector<std::uint64_t> holders(WaitOp) const override {
    if (running && runner != 0) return {runner};
    return {};
  }

  const std::string name;
  ObjectLock m;
  bool completed = false;
  bool running = false;
  std::uint64_t runner = 0;  // fiber id; 0: a main context
  std::string runner_path;
  std::uint64_t since = 0;
  WaitList waiters;
};

namespace {
// "#4 root/loader": the census id tells same-named siblings apart, as census lines do.
std::string runner_name(const FiberProps* p) {
  if (p == nullptr) return "the main context";
  std::string s = "#";
  s += std::to_string(p->id);
  s += ' ';
  s += p->path;
  return s;
}
}  // namespace

}  // namespace fibercheck::detail

namespace fibercheck {

Once::Once(std::string name) : state_(std::make_shared<detail::OnceState>(std::move(name))) {}

bool Once::begin(const source_location& site) const {
  auto keep = state_;
  detail::OnceState& s = *keep;
  detail::enter("call_once of once", s.name);
  for (;;) {
    bool decided = false;
    bool run_it = false;
    // Ready when the function has completed (skip it) or nobody runs it (run it).
    (void)detail::block_on(
        {s.m, s.waiters, s, detail::WaitOp::other, site}, nullptr,
        [&] {
          if (s.completed) {
            decided = true;
          } else if (!s.running) {
            detail::FiberProps* p = detail::current_fiber();
            detail::Runtime& rt = detail::Runtime::get();
            s.running = true;
            s.runner = p ? p->id : 0;
            s.runner_path = detail::runner_name(p);
            s.since = rt.run ? rt.run->steps : 0;
            decided = run_it = true;
          }
          return decided;
        },
        [] {});
    if (decided) return run_it;
  }
}

void Once::finish(bool completed) const noexcept {
  // Waiters may see the function's effects only after this point: other fibers may run
  // between the function's return and its completion being published.
  detail::sync_point(completed ? "complete once" : "abandon once", state_->name);
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  state_->running = false;
  state_->completed = completed;
  while (detail::WaitNode* n = state_->waiters.claim_first()) {
    n->result = Status::ok;
    n->waiter->wake();
  }
}

bool Once::done() const {
  detail::sync_point("done() of once", state_->name);
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  return state_->completed;
}

const std::string& Once::name() const noexcept { return state_->name; }

}  // namespace fibercheck
