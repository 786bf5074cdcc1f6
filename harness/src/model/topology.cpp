#include "fibercheck/harness/topology.hpp"

#include <stdexcept>

#include "fibercheck/harness/kind.hpp"

namespace fibercheck::harness {

std::int64_t Node::param(std::string_view name) const {
  for (const Param& p : params)
    if (p.name == name) return p.value;
  throw std::out_of_range("kind '" + kind + "' has no parameter '" + std::string(name) + "'");
}

std::size_t Node::size() const noexcept {
  std::size_t n = 1;
  for (const Node& c : children) n += c.size();
  return n;
}

bool Node::has_mutant() const {
  const KindInfo* k = find_kind(kind);
  if (k != nullptr && k->mutant) return true;
  for (const Node& c : children)
    if (c.has_mutant()) return true;
  return false;
}

}  // namespace fibercheck::harness
