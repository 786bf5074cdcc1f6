// pct.hpp: Probabilistic Concurrency Testing (Burckhardt et al., ASPLOS 2010).
//
// Each fiber gets a random priority when first seen; the highest-priority ready
// fiber runs. At d-1 change points, drawn uniformly from the first k steps, the
// running fiber's priority drops below every initial one. A bug of depth d is
// found with probability at least 1/(n k^(d-1)) per run.
#pragma once

#include <unordered_map>
#include <vector>

#include "fibercheck/config.hpp"
#include "fibercheck/sched/rng.hpp"
#include "fibercheck/sched/strategy.hpp"

namespace fibercheck::sched {

class PctStrategy final : public Strategy {
 public:
  PctStrategy(int depth, std::uint64_t length) : depth_(depth < 1 ? 1 : depth), length_(length) {}
  void begin(std::uint64_t seed) override;
  std::size_t choose(const Decision& d) override;
  std::string name() const override { return "pct"; }
  bool wants_ids() const noexcept override { return true; }

 private:
  std::uint64_t priority_of(std::uint64_t id);

  int depth_;
  std::uint64_t length_;
  Rng rng_;
  std::unordered_map<std::uint64_t, std::uint64_t> priority_;
  std::vector<std::uint64_t> change_points_;  // ascending steps
  std::size_t next_change_ = 0;
};

}  // namespace fibercheck::sched
