// fifo.hpp: oldest ready fiber first; a yielding fiber goes to the back (round robin).
#pragma once

#include "fibercheck/config.hpp"
#include "fibercheck/sched/strategy.hpp"

namespace fibercheck::sched {

class FifoStrategy final : public Strategy {
 public:
  void begin(std::uint64_t) override {}
  std::size_t choose(const Decision& d) override {
    return d.kind == ChoiceKind::schedule ? d.fifo_index : 0;
  }
  std::string name() const override { return "fifo"; }
};

}  // namespace fibercheck::sched
