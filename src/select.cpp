#include "fibercheck/select.hpp"

#include <algorithm>
#include <mutex>
#include <vector>

#include "detail/done_state.hpp"
#include "detail/runtime.hpp"

namespace fibercheck::detail {

namespace {

struct NilChan final : Waitable {
  std::string describe(WaitOp op) const override {
    return op == WaitOp::send ? "send on nil chan" : "recv on nil chan";
  }
};
const NilChan kNil;

// Every lock a select needs, taken in address order (Go's lockorder) so that two
// selects over the same channels cannot deadlock across threads. A few locks live
// inline: a channel operation (one channel and done) allocates nothing.
class LockSet {
 public:
  void add(ObjectLock* m) {
    if (m == nullptr || std::find(begin(), end(), m) != end()) return;
    if (n_ < kInline) {
      inline_[n_++] = m;
      return;
    }
    if (more_.empty()) more_.assign(inline_, inline_ + n_);
    more_.push_back(m);
    ++n_;
  }
  void lock() {
    std::sort(begin(), end());
    for (auto* it = begin(); it != end(); ++it) (*it)->lock();
  }
  void unlock() {
    for (auto* it = end(); it != begin();) (*--it)->unlock();
  }

 private:
  static constexpr std::size_t kInline = 4;
  ObjectLock** begin() { return more_.empty() ? inline_ : more_.data(); }
  ObjectLock** end() { return begin() + n_; }
  ObjectLock* inline_[kInline] = {};
  std::size_t n_ = 0;
  std::vector<ObjectLock*> more_;
};

Status complete_locked(const SelectCase& c) {
  return c.op == WaitOp::send ? c.chan->try_send_locked(c.slot) : c.chan->try_recv_locked(c.slot);
}

void trace_op(const SelectCase& c, Status st) {
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || !rt.run->record_events) return;
  FiberProps* p = current_fiber();
  // The event's kind is the verb: "send on chan 'out' (cap 0, 0 buffered) -> ok".
  std::string d = "on ";
  d += c.chan->describe_chan();
  d += " -> ";
  d += to_string(st);
  rt.event(c.op == WaitOp::send ? EventKind::send : EventKind::recv, p ? p->id : 0, std::move(d));
}

// One select alternative as an EventKind::select event names it.
void append_case(std::string& s, const SelectCase& c) {
  s += c.op == WaitOp::send ? "send on " : "recv on ";
  if (c.chan == nullptr) {
    s += "nil chan";
    return;
  }
  s += "chan '";
  s += c.chan->name();
  s += "'";
}

// Records an EventKind::select event when the select ended without using a channel it
// offered: `taken` is the case it took, n for done, -1 for its default and kTimeout
// for its deadline. The leak report reads it to tell "nobody used this channel" from
// "this fiber offered to use it and went another way".
void trace_select(const SelectCase* cases, int n, const DoneState* ds, bool has_default, int taken,
                  Status st) {
  Runtime& rt = Runtime::get();
  if (rt.run == nullptr || !rt.run->record_events || rt.run->events == nullptr) return;
  const ChanBase* used = taken >= 0 && taken < n ? cases[taken].chan : nullptr;
  bool left_one = false;
  for (int i = 0; i < n && !left_one; ++i)
    left_one = cases[i].chan != nullptr && cases[i].chan != used;
  if (!left_one) return;
  std::string d = "{";
  for (int i = 0; i < n; ++i) {
    if (i) d += " or ";
    append_case(d, cases[i]);
  }
  if (ds) d += (n ? " or done '" : "done '") + ds->name + "'";
  if (has_default) d += " or default";
  d += "} took ";
  if (taken >= 0 && taken < n) {
    append_case(d, cases[taken]);
    if (st == Status::closed) d += " (closed)";
  } else if (taken == n) {
    d += "done '" + (ds ? ds->name : std::string()) + "'";
  } else if (taken == kTimeout) {
    d += "deadline";
  } else {
    d += "default";
  }
  FiberProps* p = current_fiber();
  const std::uint64_t id = p ? p->id : 0;
  // A polling loop repeats the same selects (a few of them, in turn): drop this one's
  // previous copy when the fiber recorded only selects since, so the log keeps the
  // latest one only. Looks back over a bounded number of events.
  std::vector<Event>& ev = *rt.run->events;
  constexpr std::size_t kLookBack = 64;
  for (std::size_t back = 1; back <= kLookBack && back <= ev.size(); ++back) {
    const Event& e = ev[ev.size() - back];
    if (e.fiber != id) continue;
    if (e.kind != EventKind::select) break;
    if (e.detail == d) {
      ev.erase(ev.end() - static_cast<std::ptrdiff_t>(back));
      break;
    }
  }
  rt.event(EventKind::select, id, std::move(d));
}

// What FiberInfo::last_op says about this operation; Chan's send/recv/try_ forms are
// one-case selects.
const char* op_verb(const SelectCase* cases, int n, bool has_default) {
  if (n == 0) return has_default ? "select_or_default on done" : "select on done";
  if (n > 1)
    return has_default ? "select_or_default, first case on chan" : "select, first case on chan";
  const bool send = cases[0].op == WaitOp::send;
  if (cases[0].chan == nullptr) {
    if (has_default) return send ? "try_send on nil chan" : "try_recv on nil chan";
    return send ? "send on nil chan" : "recv on nil chan";
  }
  if (has_default) return send ? "try_send on chan" : "try_recv on chan";
  return send ? "send on chan" : "recv on chan";
}

const std::string& op_name(const SelectCase* cases, int n, const DoneState* ds) {
  static const std::string kNone;
  if (n == 0) return ds ? ds->name : kNone;
  return cases[0].chan ? cases[0].chan->name() : kNone;
}

}  // namespace

SelectResult select_impl(const SelectCase* cases, int n, const Done* done, bool has_default,
                         std::optional<std::int64_t> deadline, const source_location& site) {
  DoneState* ds = done ? done->state() : nullptr;
  enter(op_verb(cases, n, has_default), op_name(cases, n, ds));
  if (done) note_watch(ds);
  // enter() put the first case in the trace hash; the others go in too, so that two
  // selects differing only there give different traces.
  if (n > 1 && Runtime::get().run != nullptr) {
    for (int i = 1; i < n; ++i) {
      const std::uint64_t chan = cases[i].chan ? cases[i].chan->name_hash() : 0x4E11ull;
      mix_trace(chan + static_cast<std::uint64_t>(cases[i].op));
    }
  }
  for (int i = 0; i < n; ++i)
    if (cases[i].chan) touch(cases[i].chan->name());
  LockSet locks;
  for (int i = 0; i < n; ++i) locks.add(cases[i].chan ? &cases[i].chan->m : nullptr);
  if (ds) locks.add(&ds->m);

  locks.lock();
  // Poll: collect the ready cases in declaration order, done last.
  int ready[16];
  std::vector<int> ready_big;
  int* r = n < 16 ? ready : (ready_big.resize(static_cast<std::size_t>(n) + 1), ready_big.data());
  int nready = 0;
  for (int i = 0; i < n; ++i)
    if (cases[i].chan && cases[i].chan->ready_locked(cases[i].op)) r[nready++] = i;
  if (ds && ds->is_closed.load(std::memory_order_relaxed)) r[nready++] = n;
  if (nready > 0) {
    int k = r[choose_case(static_cast<std::size_t>(nready))];
    if (k == n) {
      locks.unlock();
      trace_select(cases, n, ds, has_default, n, Status::cancelled);
      return {-1, Status::cancelled};
    }
    Status st = complete_locked(cases[k]);
    locks.unlock();
    if (cases[k].status_out) *cases[k].status_out = st;
    trace_op(cases[k], st);
    trace_select(cases, n, ds, has_default, k, st);
    return {k, st};
  }
  if (has_default) {
    locks.unlock();
    trace_select(cases, n, ds, has_default, -1, Status::would_block);
    return {-1, Status::would_block};
  }

  // Block: one node per case (nil channels included, for the census), plus done.
  Waiter w;
  WaitNode inline_nodes[4];
  std::vector<WaitNode> more_nodes;
  WaitNode* nodes = inline_nodes;
  if (n + 1 > 4) {
    more_nodes.resize(static_cast<std::size_t>(n) + 1);
    nodes = more_nodes.data();
  }
  for (int i = 0; i < n; ++i) {
    WaitNode& node = nodes[static_cast<std::size_t>(i)];
    node.waiter = &w;
    node.index = i;
    node.op = cases[i].op;
    node.slot = cases[i].slot;
    node.object = cases[i].chan ? static_cast<const Waitable*>(cases[i].chan) : &kNil;
    if (cases[i].chan)
      (cases[i].op == WaitOp::send ? cases[i].chan->sendq_ : cases[i].chan->recvq_).push_back(node);
  }
  int count = n;
  if (ds) {
    WaitNode& node = nodes[static_cast<std::size_t>(n)];
    node.waiter = &w;
    node.index = n;
    node.op = WaitOp::done;
    node.object = ds;
    ds->waiters.push_back(node);
    count = n + 1;
  }
  w.nodes = nodes;
  w.node_count = count;
  w.site = site;
  locks.unlock();

  const int fired = w.block(deadline);

  locks.lock();
  for (int i = 0; i < n; ++i) {
    WaitNode& node = nodes[static_cast<std::size_t>(i)];
    if (node.linked)
      (node.op == WaitOp::send ? cases[i].chan->sendq_ : cases[i].chan->recvq_).remove(node);
  }
  if (ds) ds->waiters.remove(nodes[static_cast<std::size_t>(n)]);
  locks.unlock();

  if (fired == kUnwind) throw Unwind{};
  if (fired == kTimeout) {
    trace_select(cases, n, ds, has_default, kTimeout, Status::timeout);
    return {-1, Status::timeout};
  }
  if (fired == n) {
    trace_select(cases, n, ds, has_default, n, Status::cancelled);
    return {-1, Status::cancelled};
  }
  Status st = nodes[static_cast<std::size_t>(fired)].result;
  if (cases[fired].status_out) *cases[fired].status_out = st;
  trace_op(cases[fired], st);
  trace_select(cases, n, ds, has_default, fired, st);
  return {fired, st};
}

ChanBase::ChanBase(std::string name, std::size_t capacity)
    : name_(std::move(name)), name_hash_(op_hash("chan", name_)), cap_(capacity) {}

bool ChanBase::close() {
  sync_point("close of chan", name());
  touch_all();
  std::lock_guard<detail::ObjectLock> lk(m);
  if (closed_) return false;
  closed_ = true;
  // Receivers see closed only once the buffer is drained; with waiting receivers it is empty.
  while (WaitNode* n = recvq_.claim_first()) {
    n->result = Status::closed;
    n->waiter->wake();
  }
  while (WaitNode* n = sendq_.claim_first()) {
    n->result = Status::closed;
    n->waiter->wake();
  }
  Runtime& rt = Runtime::get();
  FiberProps* p = current_fiber();
  rt.event(EventKind::close, p ? p->id : 0, "chan '" + name_ + "'");
  return true;
}

std::string ChanBase::describe(WaitOp op) const {
  std::string s = op == WaitOp::send ? "send on " : "recv on ";
  s += describe_chan();
  return s;
}

std::string ChanBase::describe_chan() const {
  std::string s = "chan '";
  s += name_;
  s += "' (cap ";
  s += std::to_string(cap_);
  // The census reads this while the run is stopped, so the unlocked read is stable.
  s += ", ";
  s += std::to_string(buffered_locked());
  s += " buffered";
  if (closed_) s += ", closed";
  s += ")";
  return s;
}

}  // namespace fibercheck::detail
