#include "fibercheck/sched/strategy.hpp"

#include <algorithm>

#include "fibercheck/sched/fifo.hpp"
#include "fibercheck/sched/pct.hpp"
#include "fibercheck/sched/random.hpp"
#include "fibercheck/sched/replay.hpp"

namespace fibercheck::sched {

std::unique_ptr<Strategy> make_strategy(const StrategySpec& spec) {
  switch (spec.kind) {
    case StrategyKind::fifo:
      return std::make_unique<FifoStrategy>();
    case StrategyKind::random:
      return std::make_unique<RandomStrategy>();
    case StrategyKind::pct:
      return std::make_unique<PctStrategy>(spec.pct_depth, spec.pct_length);
    case StrategyKind::replay:
      return std::make_unique<ReplayStrategy>(spec.choices, spec.fair_from_step);
  }
  return std::make_unique<FifoStrategy>();
}

std::string to_string(StrategyKind k) {
  switch (k) {
    case StrategyKind::fifo:
      return "fifo";
    case StrategyKind::random:
      return "random";
    case StrategyKind::pct:
      return "pct";
    case StrategyKind::replay:
      return "replay";
  }
  return "?";
}

bool parse_strategy_kind(const std::string& s, StrategyKind& out) {
  for (auto k :
       {StrategyKind::fifo, StrategyKind::random, StrategyKind::pct, StrategyKind::replay}) {
    if (s == to_string(k)) {
      out = k;
      return true;
    }
  }
  return false;
}

void PctStrategy::begin(std::uint64_t seed) {
  rng_ = Rng(seed);
  priority_.clear();
  change_points_.clear();
  next_change_ = 0;
  for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(length_ ? length_ : 1));
  std::sort(change_points_.begin(), change_points_.end());
}

std::uint64_t PctStrategy::priority_of(std::uint64_t id) {
  auto it = priority_.find(id);
  if (it != priority_.end()) return it->second;
  // Initial priorities sit above every change-point priority (which are < depth).
  std::uint64_t p = static_cast<std::uint64_t>(depth_) + (rng_.next() >> 1);
  priority_.emplace(id, p);
  return p;
}

std::size_t PctStrategy::choose(const Decision& d) {
  if (d.kind != ChoiceKind::schedule || d.ids == nullptr) return rng_.below(d.count);
  std::size_t best = 0;
  std::uint64_t best_p = 0;
  for (std::size_t i = 0; i < d.count; ++i) {
    std::uint64_t p = priority_of(d.ids[i]);
    if (i == 0 || p > best_p) {
      best = i;
      best_p = p;
    }
  }
  while (next_change_ < change_points_.size() && change_points_[next_change_] <= d.step) {
    // Demote the fiber that would run: priority d-1-i keeps later demotions lower.
    priority_[d.ids[best]] = static_cast<std::uint64_t>(depth_ - 1) - next_change_;
    ++next_change_;
    best = 0;
    best_p = 0;
    for (std::size_t i = 0; i < d.count; ++i) {
      std::uint64_t p = priority_of(d.ids[i]);
      if (i == 0 || p > best_p) {
        best = i;
        best_p = p;
      }
    }
  }
  return best;
}

}  // namespace fibercheck::sched
