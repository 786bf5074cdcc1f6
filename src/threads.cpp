#include "fibercheck/threads.hpp"

#include "detail/runtime.hpp"

namespace fibercheck {

void untracked_thread() noexcept { detail::Runtime::get().untracked = true; }

}  // namespace fibercheck
