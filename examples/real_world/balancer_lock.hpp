// balancer_lock.hpp: gRPC-Go #1353 (GoKer grpc1353): a lock held across a channel
// send. The round-robin balancer's watchAddrUpdates holds rr.mu while it sends an
// address update on the unbuffered addrCh; the client's lbWatcher, still handling the
// previous update, tears connections down through rr.down(), which needs rr.mu. The
// sender waits for the receiver, the receiver for the lock: both block forever.
//
//   func (rr *roundRobin) watchAddrUpdates() {
//       rr.mu.Lock(); defer rr.mu.Unlock()
//       rr.addrCh <- true                      // blocks holding rr.mu
//   }
//   func (rr *roundRobin) down() { rr.mu.Lock(); defer rr.mu.Unlock() }
//   func (cc *ClientConn) lbWatcher() {
//       for range cc.balancer.Notify() { for _, c := range cc.conns { c.tearDown() } }
//   }
//
// The upstream fix buffers addrCh (capacity 1) and drains a stale update before
// sending, so the send under the lock never blocks.
#pragma once

#include <mutex>

#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace balancer_lock_detail {

inline void balancer(bool fixed) {
  using namespace fibercheck;
  Mutex mu("rr.mu");
  Chan<bool> addr_ch(fixed ? 1 : 0, "addrCh");
  go("balancer", [mu, addr_ch, fixed] {
    for (int i = 0; i < 20; ++i) {  // watchAddrUpdates
      std::lock_guard lk(mu);
      if (fixed) {
        (void)addr_ch.try_recv();  // drop the update the watcher has not read yet
        (void)addr_ch.try_send(true);
      } else {
        (void)addr_ch.send(true);
      }
    }
    std::lock_guard lk(mu);  // Close()
    addr_ch.close();
  });
  go("lbWatcher", [mu, addr_ch] {
    while (addr_ch.recv()) {
      for (int conn = 0; conn < 2; ++conn) {  // tearDown() -> rr.down()
        std::lock_guard lk(mu);
      }
    }
  });
}

}  // namespace balancer_lock_detail

inline void balancer_lock_buggy(fibercheck::Done) { balancer_lock_detail::balancer(false); }
inline void balancer_lock_fixed(fibercheck::Done) { balancer_lock_detail::balancer(true); }

}  // namespace examples::real_world
