#include "fibercheck/harness/kind.hpp"

#include <mutex>
#include <stdexcept>

#include "kinds/builtin.hpp"

namespace fibercheck::harness {

namespace {

// A deque, so registering a kind never moves the ones find_kind handed out.
std::deque<KindInfo>& registry() {
  static std::deque<KindInfo> all = [] {
    std::vector<KindInfo> b = bundled::builtin();
    return std::deque<KindInfo>(b.begin(), b.end());
  }();
  return all;
}

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64 || !(n[0] >= 'a' && n[0] <= 'z')) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

}  // namespace

const std::deque<KindInfo>& kinds() { return registry(); }

const KindInfo* find_kind(const std::string& name) {
  for (const KindInfo& k : registry())
    if (k.name == name) return &k;
  return nullptr;
}

void register_kind(KindInfo k) {
  if (!valid_name(k.name))
    throw std::invalid_argument("register_kind: '" + k.name +
                                "' is not a valid kind name (lowercase letters, digits, '-')");
  if (find_kind(k.name) != nullptr)
    throw std::invalid_argument("register_kind: a kind named '" + k.name + "' already exists");
  if (!k.start)
    throw std::invalid_argument("register_kind: '" + k.name + "' has no start function");
  if (k.min_children < 0 || k.max_children < k.min_children)
    throw std::invalid_argument("register_kind: '" + k.name + "' has an empty children range");
  for (const ParamSpec& p : k.params)
    if (!valid_name(p.name) || p.min > p.max || p.simplest < p.min || p.simplest > p.max)
      throw std::invalid_argument("register_kind: parameter '" + p.name + "' of '" + k.name +
                                  "' needs a valid name and min <= simplest <= max");
  registry().push_back(std::move(k));
}

}  // namespace fibercheck::harness
