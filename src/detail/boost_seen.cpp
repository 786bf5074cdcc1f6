// boost_seen.cpp (internal): what the census learns of a fiber parked in a Boost wait.
//
// The hooks record the return address of the park (inside the primitive's code). For a
// header primitive (a channel, a condition variable, a future, a sleep) that address,
// symbolized with its inlined levels, names both the primitive and the program's line
// that called it. For one compiled into libboost_fiber.so (mutex::lock, barrier::wait,
// fiber::join) it names the primitive only: the program's frame is further up. Stacks
// are taken only when the run asks for them (RunOptions::capture_stacks, which the
// harness turns on when it replays a failing case for its report): a short one costs
// about 3 us a park, which would double the cost of a blocking join during the search.
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
  p.park_depth = 0;
}

}  // namespace fibercheck::detail
