#include "fibercheck/scope.hpp"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

#include "detail/runtime.hpp"
#include "detail/scheduler.hpp"
#include "fibercheck/exceptions.hpp"

namespace fibercheck {

FiberError::FiberError(std::string path, std::exception_ptr cause, const std::string& what)
    : std::runtime_error("fiber '" + path + "' threw: " + what),
      path_(std::move(path)),
      cause_(std::move(cause)) {}

namespace detail {

class ScopeState final : public Waitable, public std::enable_shared_from_this<ScopeState> {
 public:
  explicit ScopeState(std::string n) : name(std::move(n)) {}

  std::string describe(WaitOp) const override {
    std::string s = "join of scope '" + name + "' (" + std::to_string(live) + " children running";
    return s + ")";
  }

  void child_started() {
    std::lock_guard<detail::ObjectLock> lk(m);
    ++live;
  }
  void child_exited(const std::string& path, std::exception_ptr error) noexcept {
    std::lock_guard<detail::ObjectLock> lk(m);
    if (error && !first_error) {
      first_error = error;
      error_path = path;
    }
    if (--live == 0) {
      while (WaitNode* n = joiners.claim_first()) {
        n->result = Status::ok;
        n->waiter->wake();
      }
    }
  }

  ObjectLock m;
  std::string name;
  std::size_t live = 0;
  WaitList joiners;
  std::exception_ptr first_error;
  std::string error_path;
  bool error_taken = false;
  // The fiber that created the scope (nullptr: a main context): it cannot be one of
  // the scope's own descendants, so its destructor skips the lineage walk.
  const FiberProps* creator = nullptr;
  std::uint64_t creator_id = 0;
};

boost::fibers::fiber_properties* as_properties(FiberProps* p) noexcept { return p; }

std::size_t stack_size() noexcept { return Runtime::get().stack_size; }

bool guard_pages() noexcept { return Runtime::get().guard_pages; }

// Under AddressSanitizer and ThreadSanitizer stacks are plain heap blocks, neither
// pooled nor mmap'd. LeakSanitizer scans heap blocks but not anonymous mappings, so
// what only a parked fiber's stack still references would be reported leaked; a freed
// heap stack is poisoned and unpoisoned by ASan itself, with no stale frame redzones to
// reuse. TSan forgets a heap block's past accesses when it is handed out again; a pooled
// stack kept them, and a stack whose last fiber's context was released across threads
// (Boost orders that with an acquire fence, which TSan does not model) was reported
// racing with the next fiber's context built on it (shared-work stress).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define FIBERCHECK_HEAP_STACKS 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define FIBERCHECK_HEAP_STACKS 1
#endif
#endif
#ifndef FIBERCHECK_HEAP_STACKS
#define FIBERCHECK_HEAP_STACKS 0
#endif

namespace {
constexpr std::size_t kPage = 4096;
constexpr std::size_t kSlabStacks = 64;                    // stacks carved from one mapping
constexpr std::size_t kWarmBytes = std::size_t{64} << 20;  // free stacks kept resident

// Stacks come from mmap'd slabs of kSlabStacks stacks: page-aligned with nothing
// around them (aligned_alloc from the heap wrote a malloc header on one more page per
// stack: 2 pages resident a fiber instead of 1), and few mappings even for a million
// fibers. Free stacks wait in a per-thread list, one per size, for the next fiber.
// When a run ends, free stacks beyond kWarmBytes are given back: whole free slabs
// unmapped, the rest's pages released (madvise), so a huge tree does not stay resident.
struct Slab {
  char* base;
  std::size_t bytes;
  std::size_t stack;  // the size of its stacks
};

// Boost's scheduler may free fibers' stacks after this pool's thread_local is gone
// (its own is destroyed later): t_pool_gone makes those a no-op (the slab stays mapped).
thread_local bool t_pool_gone = false;

struct StackPool {
  std::vector<std::pair<std::size_t, std::vector<void*>>> free;  // per stack size
  std::vector<Slab> slabs;                                       // ordered by base

  std::vector<void*>& free_of(std::size_t size) {
    for (auto& [s, list] : free)
      if (s == size) return list;
    free.emplace_back(size, std::vector<void*>{});
    return free.back().second;
  }
  std::size_t free_bytes() const noexcept {
    std::size_t n = 0;
    for (const auto& [s, list] : free) n += s * list.size();
    return n;
  }
  void add_slab(std::size_t size) {
    const std::size_t bytes = size * kSlabStacks;
    void* m = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (m == MAP_FAILED) throw std::bad_alloc();
    auto* base = static_cast<char*>(m);
    const Slab slab{base, bytes, size};
    slabs.insert(std::upper_bound(slabs.begin(), slabs.end(), slab,
                                  [](const Slab& a, const Slab& b) { return a.base < b.base; }),
                 slab);
    std::vector<void*>& list = free_of(size);
    // Highest address last: the first stack handed out is the slab's top one.
    for (std::size_t i = 0; i < kSlabStacks; ++i) list.push_back(base + i * size);
  }
  // Gives free stacks beyond `keep` bytes back to the system.
  void trim(std::size_t keep) noexcept {
    std::size_t have = free_bytes();
    if (have <= keep) return;
    for (auto& [size, list] : free) {
      std::sort(list.begin(), list.end());
      std::vector<void*> kept;
      std::size_t i = 0;
      // Walk the slabs of this size in address order beside the sorted free list.
      for (auto it = slabs.begin(); it != slabs.end();) {
        if (it->stack != size) {
          ++it;
          continue;
        }
        while (i < list.size() && static_cast<char*>(list[i]) < it->base) kept.push_back(list[i++]);
        std::size_t j = i;
        while (j < list.size() && static_cast<char*>(list[j]) < it->base + it->bytes) ++j;
        if (have > keep && j - i == kSlabStacks) {
          ::munmap(it->base, it->bytes);
          have -= it->bytes;
          i = j;
          it = slabs.erase(it);
          continue;
        }
        kept.insert(kept.end(), list.begin() + static_cast<std::ptrdiff_t>(i),
                    list.begin() + static_cast<std::ptrdiff_t>(j));
        i = j;
        ++it;
      }
      kept.insert(kept.end(), list.begin() + static_cast<std::ptrdiff_t>(i), list.end());
      list.swap(kept);
    }
    // Slabs still partly in use: release the pages of the free stacks beyond `keep`.
    for (auto& [size, list] : free) {
      for (std::size_t k = list.size(); k > 0 && have > keep; --k) {
        ::madvise(list[k - 1], size, MADV_DONTNEED);
        have -= size;
      }
    }
  }
  ~StackPool() {
    trim(0);  // slabs with a fiber still on them stay mapped
    t_pool_gone = true;
  }
};
thread_local StackPool t_stacks;
}  // namespace

boost::context::stack_context take_stack(std::size_t size) {
  size = (size + kPage - 1) / kPage * kPage;
  if constexpr (FIBERCHECK_HEAP_STACKS) {
    void* base = std::aligned_alloc(kPage, size);
    if (base == nullptr) throw std::bad_alloc();
    boost::context::stack_context sc;
    sc.size = size;
    sc.sp = static_cast<char*>(base) + size;
    return sc;
  }
  if (t_pool_gone) throw std::runtime_error("fibercheck: a fiber started while its thread exits");
  StackPool& pool = t_stacks;
  std::vector<void*>& list = pool.free_of(size);
  if (list.empty()) pool.add_slab(size);
  void* base = list.back();
  list.pop_back();
  boost::context::stack_context sc;
  sc.size = size;
  sc.sp = static_cast<char*>(base) + size;
  return sc;
}

void give_stack(boost::context::stack_context& sc) noexcept {
  if constexpr (FIBERCHECK_HEAP_STACKS) {
    std::free(static_cast<char*>(sc.sp) - sc.size);
    return;
  }
  if (t_pool_gone) return;
  void* base = static_cast<char*>(sc.sp) - sc.size;
  try {
    t_stacks.free_of(sc.size).push_back(base);
  } catch (...) {
    ::madvise(base, sc.size, MADV_DONTNEED);  // out of memory: lose the stack, not its pages
  }
}

void trim_stacks() noexcept {
  if (!t_pool_gone) t_stacks.trim(kWarmBytes);
}

void note_guard(FiberProps* p, const boost::context::stack_context& sc) noexcept {
  // protected_fixedsize_stack puts one inaccessible page at the low end of its mapping.
  p->guard_page = static_cast<const char*>(sc.sp) - sc.size;
  p->stack_bytes = sc.size;
}

FiberProps* new_fiber(const std::string& name, const source_location& loc,
                      const std::string& done_name, ScopeState* scope) {
  Runtime& rt = Runtime::get();
  FiberProps* parent = current_fiber();
  auto* p = new FiberProps(nullptr);
  if (!rt.untracked) rt.adopt(*p, parent);
  p->name = name;
  p->path = parent ? parent->path + "/" + name : name;
  p->file = loc.file_name();
  p->line = loc.line();
  p->function = loc.function_name();
  p->done_name = done_name;
  mix_trace(op_hash("spawn", name));  // the program's fibers are part of its trace
  if (scope) {
    scope->child_started();
    p->scope = scope;
    p->scope_ref = scope->shared_from_this();
  }
  rt.event(EventKind::spawn, p->id, p->path);
  return p;
}

void fiber_main(FiberProps* self, ScopeState* scope, void (*body)(void*), void* arg) noexcept {
  std::exception_ptr error;
  try {
    body(arg);
  } catch (const Unwind&) {
    Runtime::get().event(EventKind::unwind, self->id, self->path);
  } catch (...) {
    error = std::current_exception();
  }
  Runtime& rt = Runtime::get();
  self->exited = true;
  rt.event(EventKind::exit, self->id, self->path);
  if (error && scope == nullptr && rt.run != nullptr && !rt.run->error) {
    // Nobody joins this fiber: the run itself fails with the exception.
    rt.run->error = error;
    rt.run->error_path = self->path;
    if (rt.sched) rt.sched->request_stop(StopReason::exception);
  }
  if (scope) scope->child_exited(self->path, error);
}

}  // namespace detail

Scope::Scope(const Done& parent, std::string name, source_location loc)
    : source_(parent,
              [&] {
                if (!name.empty()) return name;
                detail::FiberProps* p = detail::current_fiber();
                return p ? p->path : std::string("scope");
              }()),
      site_(loc) {
  state_ = std::make_shared<detail::ScopeState>(source_.done().name());
  if (const detail::FiberProps* p = detail::current_fiber()) {
    state_->creator = p;
    state_->creator_id = p->id;
  }
}

namespace {
// The fiber among the caller and the ancestors that wait for it through scopes that
// `scope` started and that is still running, or nullptr: the scope's destructor
// would wait for that fiber, which waits for the caller.
detail::FiberProps* child_in_own_lineage(const detail::ScopeState* scope) {
  detail::Runtime& rt = detail::Runtime::get();
  detail::FiberProps* self = detail::current_fiber();
  if (self != nullptr && self == scope->creator && self->id == scope->creator_id) return nullptr;
  for (detail::FiberProps* p = self; p != nullptr;) {
    if (p->scope == scope) return p->exited ? nullptr : p;
    // A go() fiber's parent does not wait for it: the chain of waits ends there.
    // Outside a run there is no id index: only the calling fiber itself is checked.
    if (p->scope == nullptr || p->parent_id == 0 || rt.run == nullptr) return nullptr;
    p = rt.by_id(p->parent_id);
  }
  return nullptr;
}
}  // namespace

Scope::~Scope() {
  source_.close();
  if (detail::FiberProps* child = child_in_own_lineage(state_.get())) {
    // Waiting here would wait for the calling fiber itself. The children keep the
    // scope's state alive; the run stops with this misuse as its error.
    const std::string what = "misuse: scope '" + state_->name +
                             "' was destroyed inside its own child '" + child->path +
                             "': it would wait for itself; destroy a scope in the fiber that "
                             "created it";
    detail::Runtime& rt = detail::Runtime::get();
    detail::FiberProps* self = detail::current_fiber();
    if (rt.run != nullptr) {
      if (!rt.run->error) {
        rt.run->error = std::make_exception_ptr(std::logic_error(what));
        rt.run->error_path = self->path;
        if (rt.sched) rt.sched->request_stop(detail::StopReason::exception);
      }
    } else {
      std::fprintf(stderr, "fibercheck: %s\n", what.c_str());
    }
    return;
  }
  wait_children(false, site_);
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  if (state_->first_error && !state_->error_taken && std::uncaught_exceptions() == 0) {
    // The exception had no join to come back from: fail the run with it.
    detail::Runtime& rt = detail::Runtime::get();
    if (rt.run != nullptr && !rt.run->error) {
      rt.run->error = state_->first_error;
      rt.run->error_path = state_->error_path;
      if (rt.sched) rt.sched->request_stop(detail::StopReason::exception);
    }
  }
}

void Scope::wait_children(bool unwindable, const source_location& site) {
  detail::mix_trace(detail::op_hash("join of scope", state_->name));
  for (;;) {
    detail::Waiter w;
    w.unwindable = unwindable;
    w.site = site;
    detail::WaitNode node;
    node.waiter = &w;
    node.op = detail::WaitOp::join;
    node.object = state_.get();
    w.nodes = &node;
    w.node_count = 1;
    {
      std::lock_guard<detail::ObjectLock> lk(state_->m);
      if (state_->live == 0) return;
      state_->joiners.push_back(node);
    }
    int fired = w.block();
    {
      std::lock_guard<detail::ObjectLock> lk(state_->m);
      state_->joiners.remove(node);
    }
    if (fired == detail::kUnwind) throw detail::Unwind{};
  }
}

void Scope::join(source_location loc) {
  detail::check_unwind();
  detail::sched_point();
  wait_children(true, loc);
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  if (state_->first_error && !state_->error_taken) {
    state_->error_taken = true;
    throw FiberError(state_->error_path, state_->first_error,
                     describe_exception(state_->first_error));
  }
}

std::size_t Scope::running() const {
  std::lock_guard<detail::ObjectLock> lk(state_->m);
  return state_->live;
}

}  // namespace fibercheck
