// shard_loader.hpp: the caller and its loaders meet at a boost::fibers::barrier. One
// detached loader fiber per shard counts its shard and arrives at the barrier; the
// caller waits there too, and once every shard is counted it works out where each
// shard starts in the index made of all of them.
//
// Leaky: a loader whose shard is empty has nothing to count and returns without
// arriving. The barrier was made for every loader and the caller, so it never opens:
// the caller and every other loader block in barrier::wait() for good.
// Fixed: a loader with an empty shard still arrives at the barrier before returning.
//
// The loaders hold the barrier and the counts through a shared_ptr, so loaders left
// waiting keep them alive.
#pragma once

#include <boost/fiber/barrier.hpp>
#include <boost/fiber/fiber.hpp>
#include <cstddef>
#include <memory>
#include <vector>

#include "boost_api/form.hpp"

namespace examples::boost_api {

struct Counting {
  explicit Counting(std::size_t shards) : all_counted(shards + 1), counts(shards) {}
  boost::fibers::barrier all_counted;  // every loader, and the caller
  std::vector<std::size_t> counts;
};

inline void count_shard(std::shared_ptr<Counting> counting, std::size_t i, std::vector<int> shard,
                        Form form) {
  if (shard.empty() && form == Form::leaky) return;
  counting->counts[i] = shard.size();
  counting->all_counted.wait();
}

// Where each shard starts in the index made of all of them, in order.
inline std::vector<std::size_t> shard_starts(const std::vector<std::vector<int>>& shards,
                                             Form form) {
  auto counting = std::make_shared<Counting>(shards.size());
  for (std::size_t i = 0; i < shards.size(); ++i)
    boost::fibers::fiber(count_shard, counting, i, shards[i], form).detach();
  counting->all_counted.wait();
  std::vector<std::size_t> starts;
  std::size_t at = 0;
  for (std::size_t count : counting->counts) {
    starts.push_back(at);
    at += count;
  }
  return starts;
}

}  // namespace examples::boost_api
