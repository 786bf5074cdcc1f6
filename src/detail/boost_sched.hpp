// boost_sched.hpp (internal): scheduling points at the entry of Boost.Fiber's own
// exported operations (src/detail/boost_sched.cpp), so that a strategy and DFS may
// switch fibers before a Boost mutex is taken, a condition variable notified or a
// barrier reached, as they do before fibercheck's own operations.
//
// What is and is not such a point, and what that means for DFS, is in
// docs/boost-fiber-notes.md ("Plain Boost.Fiber waits").
#pragma once

namespace fibercheck::detail {

// Referenced from the hooks so that the wrappers' object is always linked.
void boost_sched_linked() noexcept;

// A scheduling point at the entry of a Boost.Fiber operation, for the running fiber of a
// fibercheck run; nothing elsewhere (no run, a thread without fibercheck's scheduler, a
// main or dispatcher context). `verb` is a string literal naming the operation and its
// primitive ("join of boost::fibers::fiber"): the trace hash mixes it, and it becomes
// the fiber's last operation (FiberInfo::last_op). `object` is the primitive: an
// address, so it stays out of the trace hash, and it is not stable from one run to the
// next, so for DFS the step that follows touches everything. `caller` is the return
// address of the interposed operation: a call from inside libboost_fiber.so itself
// (barrier::wait takes its own mutex) is part of an operation that already had its
// point and takes none; nullptr: always a point.
//
// Call it only where no spinlock is held: a fiber switched out while holding one leaves
// the next fiber that takes it spinning for ever on the one thread. So never from
// wait_queue::notify_* (a channel's spinlock is held), nor from mutex::unlock:
// condition_variable(_any)::wait, an inline template, calls lt.unlock() while holding
// the condition variable's spinlock (barrier::wait does the same inside the library).
// An operation that is no point but may wake a fiber (an unlock) calls touch_all()
// instead, which only records. It never throws fibercheck's Unwind: Boost's operations
// are called from noexcept code and destructors.
void boost_sched_point(const char* verb, const void* object, const void* caller = nullptr) noexcept;

}  // namespace fibercheck::detail
