// worker_pool.hpp: a worker pool on boost::fibers::buffered_channel. A producer fiber
// queues the jobs 1..n, detached workers pop them and push their squares, and the
// caller adds up n results.
//
// Leaky: the producer never closes `jobs`. The caller still gets its sum (it knows
// how many results to expect), but every worker is left blocked in jobs->pop() for
// the rest of the program: nothing will ever be pushed, and nothing closes it.
// Fixed: the producer closes `jobs` once every job is queued; each worker's pop then
// returns channel_op_status::closed (after the queued jobs are taken) and it ends.
//
// Every fiber holds the channels through a shared_ptr: destroying a Boost channel
// while a fiber waits on it is a use-after-free, so a leaked worker keeps its
// channel alive.
#pragma once

#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/channel_op_status.hpp>
#include <boost/fiber/fiber.hpp>
#include <memory>

#include "boost_api/form.hpp"

namespace examples::boost_api {

using IntChannel = boost::fibers::buffered_channel<int>;

inline void square_jobs(std::shared_ptr<IntChannel> jobs, std::shared_ptr<IntChannel> results) {
  int job = 0;
  while (jobs->pop(job) == boost::fibers::channel_op_status::success) results->push(job * job);
}

inline void queue_jobs(std::shared_ptr<IntChannel> jobs, int n, Form form) {
  for (int i = 1; i <= n; ++i) jobs->push(i);
  if (form == Form::fixed) jobs->close();
}

// The sum of the squares of 1..n, computed by `workers` workers.
inline int sum_of_squares(int n, int workers, Form form) {
  // A buffered_channel's capacity is a power of two; it holds one item less.
  auto jobs = std::make_shared<IntChannel>(4);
  auto results = std::make_shared<IntChannel>(4);
  for (int w = 0; w < workers; ++w) boost::fibers::fiber(square_jobs, jobs, results).detach();
  boost::fibers::fiber(queue_jobs, jobs, n, form).detach();
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    int square = 0;
    results->pop(square);
    sum += square;
  }
  return sum;
}

}  // namespace examples::boost_api
