// boost_unwind.cpp (internal): unwinding fibers parked in Boost.Fiber's own primitives.
#include <cstdio>
#include <cstdlib>

#include "detail/boost_wait.hpp"

namespace fibercheck::detail {

bool boost_unwind_supported() noexcept { return false; }

bool boost_unwinding_now(const FiberProps&) noexcept { return false; }

void boost_unwind_self(FiberProps& p) {
  std::fprintf(stderr, "fibercheck: internal error: asked to unwind #%llu out of a Boost wait\n",
               static_cast<unsigned long long>(p.id));
  std::abort();
}

}  // namespace fibercheck::detail
