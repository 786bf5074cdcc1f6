#include "detail/ready_set.hpp"

namespace fibercheck::detail {

void ReadySet::clear() {
  tree_.assign(tree_.size(), 0);
  present_.assign(present_.size(), 0);
  fifo_.clear();
  count_ = 0;
}

void ReadySet::grow(std::uint64_t id) {
  std::size_t n = tree_.size() < 64 ? 64 : tree_.size();
  while (n <= id) n *= 2;
  std::vector<std::uint64_t> old = std::move(present_);
  present_.assign(n, 0);
  tree_.assign(n, 0);
  log_ = 0;
  while ((std::size_t{1} << (log_ + 1)) < n) ++log_;
  for (std::size_t i = 0; i < old.size(); ++i) {
    present_[i] = old[i];
    if (old[i] != 0) add(i, 1);
  }
}

void ReadySet::add(std::uint64_t id, int delta) noexcept {
  for (std::size_t i = id + 1; i < tree_.size(); i += i & (~i + 1)) tree_[i] += delta;
}

void ReadySet::insert(std::uint64_t id, std::uint64_t seq) {
  if (id + 1 >= tree_.size()) grow(id + 1);
  if (present_[id] != 0) return;
  present_[id] = seq;
  add(id, 1);
  fifo_.emplace_back(id, seq);
  ++count_;
}

void ReadySet::erase(std::uint64_t id) noexcept {
  if (!contains(id)) return;
  present_[id] = 0;
  add(id, -1);
  --count_;
}

std::uint64_t ReadySet::kth(std::size_t k) const noexcept {
  // Standard Fenwick descent: the smallest position whose prefix count exceeds k.
  std::size_t pos = 0;
  std::size_t rem = k + 1;
  const std::size_t size = tree_.size();
  for (std::size_t step = std::size_t{1} << log_; step != 0; step >>= 1) {
    const std::size_t next = pos + step;
    if (next >= size) continue;
    // Branch-free: which way the descent goes is as good as random to a predictor.
    const auto v = static_cast<std::size_t>(tree_[next]);
    const bool take = v < rem;
    pos = take ? next : pos;
    rem -= take ? v : 0;
  }
  return pos;  // position pos+1 in the 1-based tree is id pos
}

std::size_t ReadySet::rank(std::uint64_t id) const noexcept {
  std::size_t sum = 0;
  std::size_t i = id < tree_.size() ? id : tree_.size() - 1;
  for (; i > 0; i -= i & (~i + 1)) sum += static_cast<std::size_t>(tree_[i]);
  return sum;
}

std::uint64_t ReadySet::oldest() {
  while (!fifo_.empty()) {
    auto [id, seq] = fifo_.front();
    if (id < present_.size() && present_[id] == seq) return id;
    fifo_.pop_front();
  }
  return 0;
}

}  // namespace fibercheck::detail
