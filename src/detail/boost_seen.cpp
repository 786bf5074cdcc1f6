// boost_seen.cpp (internal): what the census learns of a fiber parked in a Boost wait.
#include "detail/boost_wait.hpp"

namespace fibercheck::detail {

void note_boost_park(FiberProps&) noexcept {}

}  // namespace fibercheck::detail
