// replay.hpp: follows a recorded list of choices; when it runs out, takes the
// non-preemptive default (keep running the current fiber, else the oldest ready),
// or, from StrategySpec::fair_from_step on, the next ready fiber in id order (round
// robin, starting from the lowest id).
//
// The fair rule goes by fiber id rather than by how long a fiber has been ready: the
// DFS explorer (sched/dfs.hpp) closes done at the fair step and does not explore what
// follows, and its reduction runs only one order of steps that commute. Two such
// orders leave every fiber in the same state but queue the ready fibers differently,
// so "ready longest" would run them differently after the cancellation point and the
// outcomes of the order not run would be lost. An id order depends on the state alone.
#pragma once

#include <vector>

#include "fibercheck/config.hpp"
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
    fair_last_ = 0;
  }
  std::size_t choose(const Decision& d) override {
    if (next_ >= choices_.size()) return d.step >= fair_from_ ? fair(d) : d.default_index;
    std::uint32_t c = choices_[next_++];
    if (c >= d.count) {  // the program changed under the recording: stay defined
      diverged_ = true;
      return d.default_index;
    }
    return c;
  }
  std::string name() const override { return "replay"; }
  // The fair rule reads the fiber ids; without a fair step, replay never does.
  bool wants_ids() const noexcept override { return fair_from_ != UINT64_MAX; }
  // True when a recorded choice was out of range for the options offered.
  [[nodiscard]] bool diverged() const noexcept { return diverged_; }

 private:
  // The first ready fiber after the one the fair rule took last, in id order (options
  // come ordered by id), wrapping around: each ready fiber runs within one round of
  // the fibers alive. A select takes its first ready case, as fifo does.
  // A pending timer is never fired early here: time passes when every fiber blocks,
  // so a loop that also selects on a ticker sees its done (a select takes its first
  // ready case, and a ticker firing every round would always be first).
  std::size_t fair(const Decision& d) {
    if (d.kind != ChoiceKind::schedule) return 0;
    if (d.ids == nullptr) return d.fifo_index;
    const std::size_t fibers = d.timer_index == SIZE_MAX ? d.count : d.timer_index;
    std::size_t k = 0;
    while (k < fibers && d.ids[k] <= fair_last_) ++k;
    if (k == fibers) k = 0;
    fair_last_ = d.ids[k];
    return k;
  }

  std::vector<std::uint32_t> choices_;
  std::uint64_t fair_from_;
  std::size_t next_ = 0;
  bool diverged_ = false;
  std::uint64_t fair_last_ = 0;  // id of the fiber the fair rule took last
};

}  // namespace fibercheck::sched
