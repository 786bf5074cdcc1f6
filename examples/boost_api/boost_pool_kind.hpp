// boost_pool_kind.hpp: a kind of your own built on Boost.Fiber's channel, for the
// property suites and `fibercheck run` (docs/checking-your-code.md, "Your own kinds").
//
// boost-pool{k}: the node feeds the values it receives to k detached worker fibers
// (plain boost::fibers::fiber) through a boost::fibers::buffered_channel; each worker
// forwards what it pops downstream. Once its input ends (or done closes) the node
// closes the channel, waits at a barrier until every worker has seen it closed, and
// closes its output. (A barrier, not joins: a node left blocked in the join of one
// worker, with the others' fiber objects still joinable, could not be unwound, since
// destroying a joinable boost::fibers::fiber calls std::terminate.)
// leaky-boost-pool{k}: the same, but the node never closes the channel: every worker
// blocks in pop() for good, and the node waits at the barrier for them for good.
#pragma once

#include <boost/fiber/barrier.hpp>
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/channel_op_status.hpp>
#include <boost/fiber/fiber.hpp>
#include <cstddef>
#include <functional>
#include <memory>

#include "fibercheck/harness/kind.hpp"
#include "fibercheck/harness/node_run.hpp"

namespace examples::boost_api {

using fibercheck::harness::NodeRun;
using fibercheck::harness::Value;

struct PoolChannel {
  explicit PoolChannel(std::size_t workers) : all_done(workers + 1) {}
  boost::fibers::buffered_channel<Value> values{4};  // holds 3
  boost::fibers::barrier all_done;                   // every worker, and the node
};

// Forwards every value until the channel closes. Once done closes, each send fails at
// once and the worker keeps draining, so the node never waits on a full channel.
inline void forward_values(NodeRun& r, std::shared_ptr<PoolChannel> pool) {
  Value v = 0;
  while (pool->values.pop(v) == boost::fibers::channel_op_status::success) (void)r.send(r.out, v);
  pool->all_done.wait();
}

inline fibercheck::harness::KindInfo boost_pool_kind(bool leaky) {
  fibercheck::harness::KindInfo k;
  k.name = leaky ? "leaky-boost-pool" : "boost-pool";
  k.description = leaky
                      ? "worker pool on a Boost buffered_channel that is never closed"
                      : "worker pool: k plain fibers forward values from a Boost buffered_channel";
  k.mutant = leaky;
  k.params = {{"k", 1, 3, 1}};
  k.start = [leaky](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    const auto workers = static_cast<std::size_t>(r.param("k"));
    auto pool = std::make_shared<PoolChannel>(workers);
    // The workers use r until they reach the barrier, which the node waits at.
    for (std::size_t i = 0; i < workers; ++i)
      boost::fibers::fiber(forward_values, std::ref(r), pool).detach();
    while (fibercheck::Recv<Value> v = r.recv(r.in)) pool->values.push(*v);
    if (!leaky) pool->values.close();
    pool->all_done.wait();
  };
  return k;
}

}  // namespace examples::boost_api
