// defer.hpp: Go's `defer` for the real-world examples: runs an action when the
// enclosing scope ends, also when fibercheck unwinds a leaked fiber.
#pragma once

#include <functional>
#include <utility>

namespace examples::real_world {

class Defer {
 public:
  explicit Defer(std::function<void()> fn) : fn_(std::move(fn)) {}
  Defer(const Defer&) = delete;
  Defer& operator=(const Defer&) = delete;
  ~Defer() { fn_(); }

 private:
  std::function<void()> fn_;
};

}  // namespace examples::real_world
