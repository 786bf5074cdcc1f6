// strategy.hpp: the interface every scheduling strategy implements.
//
// The deterministic scheduler asks its strategy at each choice point: which of
// the ready fibers runs next (or which ready case a select takes). Options are
// presented ordered by fiber id (creation order within the run), so an index is
// meaningful across processes. A strategy is three methods, as in Shuttle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fibercheck/config.hpp"

namespace fibercheck::sched {

// schedule: which fiber runs next (or whether a pending timer fires first);
// select: which ready case a select takes; value: fibercheck::choose(n) in user code.
enum class ChoiceKind { schedule, select, value };

// The option id of "fire the earliest pending timer now" in a schedule choice, as
// ChoiceDetail records it. In Decision::ids the timer option's id is
// timer_id(seq) instead, one per armed timer, so a strategy that ranks options by id
// (PCT) ranks each new timer afresh, as it ranks each new fiber: one id for every
// timer would let a timer that won once win every time, and a loop that re-arms a
// timeout would spin with time racing ahead of all work.
inline constexpr std::uint64_t kTimerOption = UINT64_MAX;
[[nodiscard]] constexpr std::uint64_t timer_id(std::uint64_t seq) noexcept {
  return (1ull << 63) | seq;
}

// One decision the scheduler needs made.
struct Decision {
  ChoiceKind kind = ChoiceKind::schedule;
  std::size_t count = 0;          // number of options, at least 2
  std::size_t default_index = 0;  // the non-preemptive option: keep running, or the oldest ready
  std::size_t fifo_index = 0;     // the option that has been ready longest
  std::uint64_t step = 0;         // steps taken so far in this run
  const std::uint64_t* ids = nullptr;  // fiber id of each option (schedule choices only)
  // Schedule choices: the index of the timer option (always the last), or SIZE_MAX when
  // no timer may fire. default_index and fifo_index are never the timer.
  std::size_t timer_index = SIZE_MAX;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Called once at the start of every run.
  virtual void begin(std::uint64_t seed) = 0;
  // Returns an index in [0, d.count).
  virtual std::size_t choose(const Decision& d) = 0;
  // Short name: fifo, random, pct, replay.
  [[nodiscard]] virtual std::string name() const = 0;
  // True when choose() reads Decision::ids (building them costs a lookup per option).
  [[nodiscard]] virtual bool wants_ids() const noexcept { return false; }
};

enum class StrategyKind { fifo, random, pct, replay };

// A strategy as a value: what a case line records and what make_strategy builds.
struct StrategySpec {
  StrategyKind kind = StrategyKind::random;
  std::uint64_t seed = 0;
  int pct_depth = 3;                   // PCT's d: number of priority change points + 1
  std::uint64_t pct_length = 1000;     // PCT's k: the step range change points are drawn from
  std::vector<std::uint32_t> choices;  // replay: the recorded choices
  // replay: once the recorded choices run out, decisions at this step or later take the
  // next ready fiber in id order (round robin, fair; see replay.hpp) instead of the
  // non-preemptive default.
  std::uint64_t fair_from_step = UINT64_MAX;
};

// What the scheduler saw at one recorded choice, with RunOptions::record_choice_detail:
// what a systematic explorer (sched/dfs.hpp) needs to branch and to reduce.
struct ChoiceDetail {
  ChoiceKind kind = ChoiceKind::schedule;
  std::uint32_t count = 0;
  std::uint32_t default_index = 0;
  bool running_can_continue = false;  // the running fiber was an option: switching preempts it
  std::uint64_t step = 0;
  std::vector<std::uint64_t> option_ids;  // fiber id of each option (kTimerOption: a timer fires)
  // From this choice to the next recorded one: the primitives touched (hashes of their
  // names), every fiber that ran, and whether some effect touched everything (a spawn,
  // an exit, a close, an unlock...).
  std::vector<std::uint64_t> touched;
  std::vector<std::uint64_t> ran;
  bool touched_all = false;
};

[[nodiscard]] std::unique_ptr<Strategy> make_strategy(const StrategySpec& spec);
[[nodiscard]] std::string to_string(StrategyKind k);
// Parses fifo|random|pct|replay; returns false on anything else.
[[nodiscard]] bool parse_strategy_kind(const std::string& s, StrategyKind& out);

}  // namespace fibercheck::sched
