#include "fibercheck/mutex.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <system_error>
#include <vector>

#include "detail/runtime.hpp"

namespace fibercheck::detail {

namespace {

// Who holds a lock, as the census names it. Id 0 is a thread's main context.
struct Holder {
  std::uint64_t id = 0;
  std::string path;
  std::uint64_t since = 0;
};

Holder me() {
  FiberProps* p = current_fiber();
  Runtime& rt = Runtime::get();
  Holder h;
  h.since = rt.run ? rt.run->steps : 0;
  if (p == nullptr) {
    h.path = "the main context";
  } else {
    h.id = p->id;
    h.path = p->path;
  }
  return h;
}

// "#4 root/lookup": the census id tells same-named siblings apart, as census lines do.
std::string name_of(const Holder& h) {
  if (h.id == 0) return h.path;
  std::string s = "#";
  s += std::to_string(h.id);
  s += ' ';
  s += h.path;
  return s;
}

std::string text(const Holder& h) {
  std::string s = name_of(h);
  Runtime& rt = Runtime::get();
  if (rt.run != nullptr && h.id != 0) {
    FiberProps* p = rt.by_id(h.id);
    if (p == nullptr || p->exited) s += ", which has exited,";
    s += " since step " + std::to_string(h.since);
  }
  return s;
}

}  // namespace

// The state behind Mutex and SharedMutex. A Mutex never takes the shared side.
class LockState final : public Waitable {
 public:
  LockState(std::string n, bool is_rw) : name(std::move(n)), rw(is_rw) {}

  void acquire(bool shared, const source_location& site);
  bool try_acquire(bool shared);
  void release(bool shared);

  std::string describe(WaitOp op) const override;
  std::vector<std::uint64_t> holders(WaitOp op) const override;

  const std::string name;
  const bool rw;  // a SharedMutex: named "rwmutex" in the census

 private:
  [[nodiscard]] bool free_for_locked(bool shared) const {
    if (writer_) return false;
    return (shared || readers_.empty()) && first_pending() == nullptr;
  }
  [[nodiscard]] WaitNode* first_pending() const {
    for (WaitNode* n = waiters_.front(); n; n = n->next)
      if (n->waiter->fired.load(std::memory_order_acquire) == kPending) return n;
    return nullptr;
  }
  void take_locked(Holder h, bool shared) {
    if (shared) {
      readers_.push_back(std::move(h));
    } else {
      writer_ = std::move(h);
    }
  }
  void hand_off_locked();
  [[nodiscard]] bool held_by(std::uint64_t id, bool shared) const {
    if (!shared) return writer_ && writer_->id == id;
    return std::any_of(readers_.begin(), readers_.end(),
                       [id](const Holder& h) { return h.id == id; });
  }
  void note_foreign_release(const FiberProps& p, bool shared) const;
  const char* verb(bool shared) const {
    if (shared) return "read lock of rwmutex";
    return rw ? "lock of rwmutex" : "lock of mutex";
  }

  ObjectLock m_;
  std::optional<Holder> writer_;
  std::vector<Holder> readers_;
  WaitList waiters_;  // WaitOp::lock or WaitOp::rlock; slot: the waiter's Holder
};

void LockState::hand_off_locked() {
  // FIFO: the front writer alone, or every reader up to the next writer.
  for (WaitNode* n = waiters_.front(); n;) {
    WaitNode* next = n->next;
    const bool shared = n->op == WaitOp::rlock;
    if (n->waiter->fired.load(std::memory_order_acquire) == kPending) {
      if (writer_ || (!shared && !readers_.empty())) return;
      if (n->waiter->try_claim(n->index)) {
        waiters_.remove(*n);
        Holder h = *static_cast<Holder*>(n->slot);
        Runtime& rt = Runtime::get();
        h.since = rt.run ? rt.run->steps : 0;
        take_locked(std::move(h), shared);
        n->result = Status::ok;
        n->waiter->wake();
        if (!shared) return;
      }
    }
    n = next;
  }
}

void LockState::acquire(bool shared, const source_location& site) {
  enter(verb(shared), name);
  Holder self = me();
  Waiter w;
  WaitNode node;
  node.waiter = &w;
  node.op = shared ? WaitOp::rlock : WaitOp::lock;
  node.object = this;
  node.slot = &self;
  w.nodes = &node;
  w.node_count = 1;
  w.site = site;
  {
    std::lock_guard<detail::ObjectLock> lk(m_);
    if (free_for_locked(shared)) {
      take_locked(std::move(self), shared);
      return;
    }
    waiters_.push_back(node);
  }
  if (w.block() == kUnwind) {
    {
      std::lock_guard<detail::ObjectLock> lk(m_);
      waiters_.remove(node);
      hand_off_locked();  // a writer leaving the queue may let the readers behind it in
    }
    throw Unwind{};
  }
  // Granted: the releasing fiber recorded us as the holder and unlinked our node.
}

bool LockState::try_acquire(bool shared) {
  enter(shared ? "try_lock_shared of rwmutex" : (rw ? "try_lock of rwmutex" : "try_lock of mutex"),
        name);
  Holder self = me();
  std::lock_guard<detail::ObjectLock> lk(m_);
  if (!free_for_locked(shared)) return false;
  take_locked(std::move(self), shared);
  return true;
}

void LockState::release(bool shared) {
  // Other fibers may run just before the lock is released (Go: Unlock is a
  // synchronization point); the hand-off wakes a waiter, so it commutes with nothing.
  sync_point(shared ? "unlock_shared of rwmutex" : (rw ? "unlock of rwmutex" : "unlock of mutex"),
             name);
  touch_all();
  std::lock_guard<detail::ObjectLock> lk(m_);
  // While reclaim unwinds this fiber, its destructors (a lock_guard over a mutex it
  // unlocked by hand, a unique_lock...) may release what it no longer holds: releasing
  // another fiber's hold would break that fiber's own unwinding, and throwing from a
  // destructor terminates. Such a release is ignored and noted in the run's report.
  // Outside unwinding any fiber may release a held lock, as in Go.
  if (FiberProps* p = current_fiber(); p != nullptr && p->unwinding) {
    if (!held_by(p->id, shared)) {
      note_foreign_release(*p, shared);
      return;
    }
  }
  if (shared) {
    if (readers_.empty())
      throw std::system_error(
          std::make_error_code(std::errc::operation_not_permitted),
          "fibercheck: unlock_shared of rwmutex '" + name + "' not read-locked");
    // Any reader may release (Go allows it); prefer the caller's own entry.
    FiberProps* p = current_fiber();
    const std::uint64_t id = p ? p->id : 0;
    auto it = std::find_if(readers_.begin(), readers_.end(),
                           [id](const Holder& h) { return h.id == id; });
    readers_.erase(it == readers_.end() ? readers_.begin() : it);
  } else {
    if (!writer_)
      throw std::system_error(std::make_error_code(std::errc::operation_not_permitted),
                              std::string("fibercheck: unlock of unlocked ") +
                                  (rw ? "rwmutex" : "mutex") + " '" + name + "'");
    writer_.reset();
  }
  hand_off_locked();
}

void LockState::note_foreign_release(const FiberProps& p, bool shared) const {
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr) return;
  std::string s =
      name_of(Holder{p.id, p.path, 0}) + ": " +
      (shared ? "unlock_shared of rwmutex" : (rw ? "unlock of rwmutex" : "unlock of mutex")) +
      " '" + name + "' it did not " + (shared ? "read-lock" : "hold");
  if (shared) {
    s += readers_.empty()
             ? " (not read-locked)"
             : " (read-locked by " + std::to_string(readers_.size()) + " other reader(s))";
  } else if (writer_) {
    s += " (held by " + name_of(*writer_) + ")";
  } else if (!readers_.empty()) {
    s += " (read-locked only)";
  } else {
    s += " (not locked)";
  }
  rt.run->reclaim_notes.push_back(s + ", ignored while unwinding");
}

std::string LockState::describe(WaitOp op) const {
  std::string s = std::string(verb(op == WaitOp::rlock)) + " '" + name + "'";
  if (writer_) return s + " held by " + text(*writer_);
  if (op == WaitOp::rlock) {
    for (WaitNode* n = waiters_.front(); n; n = n->next)
      if (n->op == WaitOp::lock && n->waiter->fired.load(std::memory_order_acquire) == kPending)
        return s + " queued behind writer " + name_of(*static_cast<const Holder*>(n->slot)) + " (" +
               std::to_string(readers_.size()) + " reader(s) hold it)";
  }
  if (readers_.empty()) return s + " (free, being handed over)";
  s += " held by " + std::to_string(readers_.size()) + " reader(s): ";
  for (std::size_t i = 0; i < readers_.size(); ++i) s += (i ? ", " : "") + text(readers_[i]);
  return s;
}

std::vector<std::uint64_t> LockState::holders(WaitOp op) const {
  std::vector<std::uint64_t> ids;
  auto add = [&ids](std::uint64_t id) {
    if (id != 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  if (writer_) {
    add(writer_->id);
  } else if (op == WaitOp::rlock) {
    // A reader waits for the writers queued ahead of it.
    for (WaitNode* n = waiters_.front(); n; n = n->next)
      if (n->op == WaitOp::lock && n->waiter->fired.load(std::memory_order_acquire) == kPending)
        add(static_cast<const Holder*>(n->slot)->id);
  } else {
    for (const Holder& h : readers_) add(h.id);
  }
  return ids;
}

}  // namespace fibercheck::detail

namespace fibercheck {

Mutex::Mutex(std::string name)
    : state_(std::make_shared<detail::LockState>(std::move(name), false)) {}

void Mutex::lock(source_location loc) const {
  auto keep = state_;  // a blocked lock() keeps the state alive if every handle goes
  keep->acquire(false, loc);
}
bool Mutex::try_lock() const { return state_->try_acquire(false); }
void Mutex::unlock() const { state_->release(false); }
const std::string& Mutex::name() const noexcept { return state_->name; }

SharedMutex::SharedMutex(std::string name)
    : state_(std::make_shared<detail::LockState>(std::move(name), true)) {}

void SharedMutex::lock(source_location loc) const {
  auto keep = state_;
  keep->acquire(false, loc);
}
bool SharedMutex::try_lock() const { return state_->try_acquire(false); }
void SharedMutex::unlock() const { state_->release(false); }
void SharedMutex::lock_shared(source_location loc) const {
  auto keep = state_;
  keep->acquire(true, loc);
}
bool SharedMutex::try_lock_shared() const { return state_->try_acquire(true); }
void SharedMutex::unlock_shared() const { state_->release(true); }
const std::string& SharedMutex::name() const noexcept { return state_->name; }

}  // namespace fibercheck
