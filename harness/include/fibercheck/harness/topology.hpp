// topology.hpp: a tree of fibers as data. Each node is a kind (a Go concurrency
// pattern, or a planted leak) with integer parameters and child nodes; every kind
// is a stream process, so any node fits anywhere: it reads values from its input
// channel until that closes (or done closes), writes to its output channel, and
// closes the output when it stops. The channels that connect nodes follow from the
// tree: a container kind wires its children's inputs and outputs.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fibercheck/config.hpp"

namespace fibercheck::harness {

struct Param {
  std::string name;
  std::int64_t value = 0;
  bool operator==(const Param&) const = default;
};

struct Node {
  std::string kind;
  std::vector<Param> params;  // in the order the kind declares them
  std::vector<Node> children;

  bool operator==(const Node&) const = default;
  // The parameter's value; throws std::out_of_range naming the kind if absent.
  [[nodiscard]] std::int64_t param(std::string_view name) const;
  // Nodes in this subtree, this one included.
  [[nodiscard]] std::size_t size() const noexcept;
  // True if this subtree contains a node of a mutant kind.
  [[nodiscard]] bool has_mutant() const;
};

using Topology = Node;

}  // namespace fibercheck::harness
