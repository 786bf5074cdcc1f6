// kind.hpp: what a node kind is, and the registry of kinds.
//
// A kind starts its node's process in the calling fiber: `start(NodeRun&)` reads
// r.in until closed or done, writes r.out, and closes r.out before returning.
// Container kinds start children in fibers of their own through NodeRun.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "fibercheck/config.hpp"
#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/topology.hpp"

namespace fibercheck::harness {

class NodeRun;

using Value = std::uint64_t;
using Stream = Chan<Value>;

struct ParamSpec {
  std::string name;
  std::int64_t min = 0;
  std::int64_t max = 0;
  std::int64_t simplest = 0;  // where shrinking takes it
};

struct KindInfo {
  std::string name;                 // as written in the text form: lowercase, digits and '-'
  std::string description;          // one line, for `fibercheck kinds`
  bool mutant = false;              // a planted leak: closing done does not end it
  bool schedule_dependent = false;  // a mutant that leaks only under some interleavings
  // Ends by itself once its input closes, without cancellation. Kinds that run
  // until done (infinite generators) are false and are left out of finite trees.
  bool finite = true;
  int min_children = 0;
  int max_children = 0;
  std::vector<ParamSpec> params;
  std::function<void(NodeRun&)> start;
};

// Every kind known to this process: the built-in ones, then user-registered ones.
[[nodiscard]] const std::deque<KindInfo>& kinds();
[[nodiscard]] const KindInfo* find_kind(const std::string& name);
// Adds a kind of your own (check_kind.hpp checks one). Throws
// std::invalid_argument on a duplicate or malformed name.
void register_kind(KindInfo k);

}  // namespace fibercheck::harness
