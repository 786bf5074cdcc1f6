// boost_wait.hpp (internal): what fibercheck does with a fiber parked inside Boost.Fiber's
// own primitives. src/detail/boost_hooks.cpp sees every such park and calls these.
#pragma once

#include "detail/runtime.hpp"

namespace fibercheck::detail {

// Referenced from the scheduler so that the hooks' object is always linked.
void boost_hooks_linked() noexcept;
// Referenced from boost_unwind.cpp so that the unwind's interposers are linked with it.
void boost_interpose_linked() noexcept;

// Called by the hooks as `p` parks, its BoostWait filled in (src/detail/boost_seen.cpp):
// where a stack is wanted (RunOptions::capture_stacks), it is captured here.
void note_boost_park(FiberProps& p) noexcept;

// Unwinding a fiber parked in a Boost wait (src/detail/boost_unwind.cpp).
// Whether this build can unwind such fibers at all.
[[nodiscard]] bool boost_unwind_supported() noexcept;
// True while a forced unwind is running through p's frames.
[[nodiscard]] bool boost_unwinding_now(const FiberProps& p) noexcept;
// Called by the calling fiber `p` before boost_unwind_self: true when it must not be
// unwound from where it is (a frame on the way would call std::terminate, or cannot be
// vouched for); the reason is then in p.boost.cannot_unwind and the fiber stays parked.
[[nodiscard]] bool boost_unwind_refused(FiberProps& p);
// Whether p was refused at the park it is in now: reclaim does not wake it again.
[[nodiscard]] bool boost_unwind_refused_here(const FiberProps& p) noexcept;
// Unwinds the calling fiber `p` (its destructors run) and ends it; never returns. The
// caller holds no lock and is out of every wait queue.
[[noreturn]] void boost_unwind_self(FiberProps& p);

// Whether p, parked in fiber::join, may be unwound out of it: no other fiber it started
// has a boost::fibers::fiber object that is still joinable (BoostWait::joining).
[[nodiscard]] bool boost_join_unwind_safe(const FiberProps& p) noexcept;

}  // namespace fibercheck::detail
