// threads.hpp: fibercheck's primitives under Boost's multi-thread schedulers.
//
// Done signals, channels, select, scopes, mutexes and wait groups lock with Boost's
// spinlock and wake through the waker of the blocked fiber's context, so fibers on
// different threads (boost::fibers::algo::work_stealing or shared_work, where a
// fiber may also move between threads) can share them, and a plain thread may
// close a DoneSource. What is per thread is the census and the deterministic
// scheduler: fibercheck::run and census() see only fibers of their own thread.
#pragma once

#include "fibercheck/config.hpp"

namespace fibercheck {

// Call on each thread of a multi-thread scheduler before it starts fibers: fibers
// started there (Scope::spawn, go) are not entered in the calling thread's census,
// whose registry is not shared between threads while a fiber may end on another.
void untracked_thread() noexcept;

}  // namespace fibercheck
