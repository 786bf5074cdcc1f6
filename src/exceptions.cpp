#include "fibercheck/exceptions.hpp"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>
#include <vector>

namespace fibercheck {

namespace {

struct Describers {
  std::mutex m;
  std::vector<std::shared_ptr<const ExceptionDescriber>> list;
};

// A function-local static, so a describer registered from another translation unit's
// static initializer finds the registry constructed.
Describers& describers() {
  static Describers d;
  return d;
}

}  // namespace

void describe_exceptions_with(ExceptionDescriber describer) {
  if (!describer)
    throw std::invalid_argument("fibercheck::describe_exceptions_with: null describer");
  Describers& d = describers();
  std::lock_guard<std::mutex> lk(d.m);
  d.list.push_back(std::make_shared<const ExceptionDescriber>(std::move(describer)));
}

std::string describe_exception(const std::exception_ptr& e) {
  if (!e) return "no exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
  }
  // Copied out of the lock: a describer runs arbitrary code (and may register another).
  std::vector<std::shared_ptr<const ExceptionDescriber>> list;
  {
    Describers& d = describers();
    std::lock_guard<std::mutex> lk(d.m);
    list = d.list;
  }
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    try {
      if (std::optional<std::string> text = (**it)(e)) return *std::move(text);
    } catch (...) {
      // A describer that rethrows e without catching it does not know the type.
    }
  }
  return "an exception not derived from std::exception";
}

}  // namespace fibercheck
