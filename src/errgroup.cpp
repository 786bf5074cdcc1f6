#include "fibercheck/errgroup.hpp"

#include <mutex>

namespace fibercheck {

ErrGroup::ErrGroup(const Done& parent, std::string name, source_location loc)
    : source_(parent, name), scope_(source_.done(), std::move(name), loc) {}

std::exception_ptr ErrGroup::wait(source_location loc) {
  scope_.join(loc);  // children report through fail(), so join has nothing to rethrow
  source_.close();
  std::lock_guard<detail::ObjectLock> lk(m_);
  return first_;
}

void ErrGroup::fail(std::exception_ptr e) noexcept {
  {
    std::lock_guard<detail::ObjectLock> lk(m_);
    if (first_) return;
    first_ = std::move(e);
  }
  source_.close();
}

}  // namespace fibercheck
