// random.hpp: every option equally likely at every choice point, from a seed.
#pragma once

#include "fibercheck/config.hpp"
#include "fibercheck/sched/rng.hpp"
#include "fibercheck/sched/strategy.hpp"

namespace fibercheck::sched {

class RandomStrategy final : public Strategy {
 public:
  void begin(std::uint64_t seed) override { rng_ = Rng(seed); }
  std::size_t choose(const Decision& d) override { return rng_.below(d.count); }
  std::string name() const override { return "random"; }

 private:
  Rng rng_;
};

}  // namespace fibercheck::sched
