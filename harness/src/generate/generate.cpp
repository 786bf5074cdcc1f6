#include "generate/generate.hpp"

#include <algorithm>
#include <functional>

#include "fibercheck/harness/kind.hpp"

namespace fibercheck::harness {

namespace {

const KindInfo& kind_of(const Node& n) { return *find_kind(n.kind); }

Node make_node(const KindInfo& k, sched::Rng& rng) {
  Node n;
  n.kind = k.name;
  for (const ParamSpec& p : k.params) {
    // Small values keep cases fast; the full range stays reachable.
    std::int64_t hi = std::min(p.max, p.min + 4);
    if (rng.below(8) == 0) hi = p.max;
    n.params.push_back({p.name, p.min + static_cast<std::int64_t>(
                                            rng.below(static_cast<std::size_t>(hi - p.min + 1)))});
  }
  return n;
}

// A subtree of at most `budget` nodes; with `exact`, of exactly `budget` nodes where
// the kinds allow it (every node with budget to spare is a container, and the last
// child takes what its siblings left).
Node grow(sched::Rng& rng, const std::vector<const KindInfo*>& pool, std::size_t budget,
          bool exact) {
  // Kinds whose minimum number of children fits the budget left.
  std::vector<const KindInfo*> fit, containers;
  for (const KindInfo* k : pool) {
    if (static_cast<std::size_t>(k->min_children) >= budget) continue;
    fit.push_back(k);
    if (k->max_children > 0) containers.push_back(k);
  }
  // Prefer containers while there is budget, so trees reach the size asked for.
  const bool grow_more = budget > 1 && !containers.empty() && (exact || rng.below(4) != 0);
  const auto& from = grow_more ? containers : fit;
  const KindInfo& k = *from[rng.below(from.size())];
  Node n = make_node(k, rng);
  std::size_t left = budget - 1;
  if (k.max_children == 0 || left == 0) return n;
  const std::size_t lo = static_cast<std::size_t>(k.min_children);
  const std::size_t hi = std::min<std::size_t>(static_cast<std::size_t>(k.max_children), left);
  const std::size_t count = lo + rng.below(hi - lo + 1);
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t remaining_children = count - i;
    // Split what is left roughly evenly, with some randomness.
    std::size_t share = std::max<std::size_t>(1, left / remaining_children);
    share = 1 + rng.below(
                    std::max<std::size_t>(1, std::min(share * 2, left - (remaining_children - 1))));
    share = std::min(share, left - (remaining_children - 1));
    if (exact && remaining_children == 1) share = left;
    n.children.push_back(grow(rng, pool, share, exact));
    left -= n.children.back().size();
  }
  return n;
}

std::vector<const KindInfo*> correct_pool(bool finite_only) {
  std::vector<const KindInfo*> pool;
  for (const KindInfo& k : kinds())
    if (!k.mutant && (k.finite || !finite_only)) pool.push_back(&k);
  return pool;
}

// Visits every node with its path of child indices from the root.
void each_node(const Node& n, std::vector<std::size_t>& at,
               const std::function<void(const Node&, const std::vector<std::size_t>&)>& f) {
  f(n, at);
  for (std::size_t i = 0; i < n.children.size(); ++i) {
    at.push_back(i);
    each_node(n.children[i], at, f);
    at.pop_back();
  }
}

Node& node_at(Node& root, const std::vector<std::size_t>& at) {
  Node* n = &root;
  for (std::size_t i : at) n = &n->children[i];
  return *n;
}

Node stage_node() {
  Node n;
  n.kind = "stage";
  return n;
}

}  // namespace

std::vector<std::string> mutant_kind_names() {
  std::vector<std::string> names;
  for (const KindInfo& k : kinds())
    if (k.mutant) names.push_back(k.name);
  return names;
}

Topology random_topology(sched::Rng& rng, const GenOptions& opt) {
  const std::size_t max = std::max<std::size_t>(1, opt.max_nodes);
  const std::size_t budget = opt.exact_size ? max : 1 + rng.below(max);
  return grow(rng, correct_pool(opt.finite_only), budget, opt.exact_size);
}

Topology plant(const Topology& t, const std::string& kind, sched::Rng& rng) {
  const KindInfo* mk = find_kind(kind);
  Node mutant = make_node(*mk, rng);
  std::vector<std::vector<std::size_t>> spots;
  std::vector<std::size_t> at;
  each_node(t, at, [&](const Node&, const std::vector<std::size_t>& p) { spots.push_back(p); });
  Topology out = t;
  Node& target = node_at(out, spots[rng.below(spots.size())]);
  const KindInfo& tk = kind_of(target);
  const std::size_t how = rng.below(3);
  if (how == 0 && target.children.empty()) {
    target = mutant;  // replace a leaf
  } else if (how == 1 && target.kind == "pipe" &&
             target.children.size() < static_cast<std::size_t>(tk.max_children)) {
    const std::size_t pos = rng.below(target.children.size() + 1);
    target.children.insert(target.children.begin() + static_cast<std::ptrdiff_t>(pos), mutant);
  } else {
    Node wrapper;  // wrap the node in a new pipeline next to the mutant
    wrapper.kind = "pipe";
    wrapper.params.push_back({"cap", 0});
    const bool before = rng.below(2) == 0;
    wrapper.children.push_back(before ? mutant : target);
    wrapper.children.push_back(before ? target : mutant);
    target = wrapper;
  }
  return out;
}

std::vector<Topology> shrinks(const Topology& t) {
  std::vector<Topology> out;
  auto add = [&](Topology c) {
    if (!(c == t) && std::find(out.begin(), out.end(), c) == out.end()) out.push_back(std::move(c));
  };
  // 1. The root replaced by each child subtree.
  for (const Node& c : t.children) add(c);
  std::vector<std::vector<std::size_t>> spots;
  std::vector<std::size_t> at;
  each_node(t, at, [&](const Node&, const std::vector<std::size_t>& p) { spots.push_back(p); });
  // 2. Any node replaced by one of its children.
  for (const auto& p : spots) {
    const Node& n = node_at(const_cast<Topology&>(t), p);
    for (const Node& c : n.children) {
      Topology v = t;
      node_at(v, p) = c;
      add(std::move(v));
    }
  }
  // 3. A child dropped where the kind allows fewer.
  for (const auto& p : spots) {
    const Node& n = node_at(const_cast<Topology&>(t), p);
    if (n.children.size() <= static_cast<std::size_t>(kind_of(n).min_children)) continue;
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      Topology v = t;
      Node& vn = node_at(v, p);
      vn.children.erase(vn.children.begin() + static_cast<std::ptrdiff_t>(i));
      add(std::move(v));
    }
  }
  // 4. A subtree without a mutant replaced by one stage.
  for (const auto& p : spots) {
    const Node& n = node_at(const_cast<Topology&>(t), p);
    if (n.size() == 1 && n.kind == "stage") continue;
    if (n.has_mutant()) continue;
    Topology v = t;
    node_at(v, p) = stage_node();
    add(std::move(v));
  }
  // 5. Parameters toward their simplest value.
  for (const auto& p : spots) {
    const Node& n = node_at(const_cast<Topology&>(t), p);
    const KindInfo& k = kind_of(n);
    for (std::size_t i = 0; i < n.params.size() && i < k.params.size(); ++i) {
      const std::int64_t simplest = k.params[i].simplest;
      const std::int64_t v0 = n.params[i].value;
      if (v0 == simplest) continue;
      Topology v = t;
      node_at(v, p).params[i].value = simplest;
      add(v);
      node_at(v, p).params[i].value = simplest + (v0 - simplest) / 2;
      add(std::move(v));
    }
  }
  return out;
}

}  // namespace fibercheck::harness
