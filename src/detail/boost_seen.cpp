// boost_seen.cpp (internal): what the census learns of a fiber parked in a Boost wait.
//
// The hooks record the return address of the park (inside the primitive's code). For a
// header primitive (a channel, a condition variable, a future, a sleep) that address,
// symbolized with its inlined levels, names both the primitive and the program's line
// that called it. For one compiled into libboost_fiber.so (mutex::lock, barrier::wait,
// fiber::join) it names the primitive only: the program's frame is further up, so a
// short stack is taken here, once the stack has left the library. The whole stack is
// taken only when the run asks for it (RunOptions::capture_stacks).
#include "detail/boost_wait.hpp"
#include "detail/symbolize.hpp"

namespace fibercheck::detail {

void note_boost_park(FiberProps& p) noexcept {
  if (Runtime::get().capture_stacks) {
    p.park_stack_full = true;
    p.park_depth =
        static_cast<std::uint8_t>(capture_stack(p.park_stack.data(), FiberProps::kParkFrames));
    return;
  }
  p.park_stack_full = false;
  p.park_depth = in_boost_fiber_library(p.boost.ret)
                     ? static_cast<std::uint8_t>(
                           capture_past_boost_library(p.park_stack.data(), FiberProps::kParkFrames))
                     : 0;
}

}  // namespace fibercheck::detail
