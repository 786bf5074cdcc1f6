// replay.hpp: follows a recorded list of choices; when it runs out, takes the
// non-preemptive default (keep running the current fiber, else the oldest ready),
// or, from StrategySpec::fair_from_step on, the fiber ready longest (round robin).
#pragma once

#include <vector>

#include "fibercheck/sched/strategy.hpp"

namespace fibercheck::sched {

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<std::uint32_t> choices,
                          std::uint64_t fair_from_step = UINT64_MAX)
      : choices_(std::move(choices)), fair_from_(fair_from_step) {}
  void begin(std::uint64_t) override {
    next_ = 0;
    diverged_ = false;
  }
  std::size_t choose(const Decision& d) override {
    if (next_ >= choices_.size()) return d.step >= fair_from_ ? d.fifo_index : d.default_index;
    std::uint32_t c = choices_[next_++];
    if (c >= d.count) {  // the program changed under the recording: stay defined
      diverged_ = true;
      return d.default_index;
    }
    return c;
  }
  std::string name() const override { return "replay"; }
  // True when a recorded choice was out of range for the options offered.
  [[nodiscard]] bool diverged() const noexcept { return diverged_; }

 private:
  std::vector<std::uint32_t> choices_;
  std::uint64_t fair_from_;
  std::size_t next_ = 0;
  bool diverged_ = false;
};

}  // namespace fibercheck::sched
