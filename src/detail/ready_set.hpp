// ready_set.hpp (internal): the ready fibers of a run, ordered by id.
//
// A Fenwick tree over fiber ids gives "the k-th ready fiber" and "the index of
// fiber i" in O(log n), so strategies can address options by index even with a
// hundred thousand ready fibers. A lazily cleaned queue gives the oldest ready one.
#pragma once

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

namespace fibercheck::detail {

class ReadySet {
 public:
  void clear();
  void insert(std::uint64_t id, std::uint64_t seq);
  void erase(std::uint64_t id) noexcept;
  [[nodiscard]] bool contains(std::uint64_t id) const noexcept {
    return id < present_.size() && present_[id] != 0;
  }
  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // The id of the k-th ready fiber (0-based) in id order.
  [[nodiscard]] std::uint64_t kth(std::size_t k) const noexcept;
  // Number of ready fibers with an id below `id`.
  [[nodiscard]] std::size_t rank(std::uint64_t id) const noexcept;
  // The id that has been ready longest.
  [[nodiscard]] std::uint64_t oldest();

 private:
  void grow(std::uint64_t id);
  void add(std::uint64_t id, int delta) noexcept;

  std::vector<int> tree_;                                     // 1-based Fenwick tree over ids
  std::vector<std::uint64_t> present_;                        // ready seq per id, 0 when not ready
  std::deque<std::pair<std::uint64_t, std::uint64_t>> fifo_;  // (id, seq), stale entries skipped
  std::size_t count_ = 0;
  std::size_t log_ = 0;
};

}  // namespace fibercheck::detail
