// heartbeat_locks.hpp: CockroachDB #10214 (GoKer cockroach10214): an AB-BA lock-order
// deadlock. sendQueuedHeartbeats holds coalescedMu and, reporting an unreachable
// replica, takes the replica's raftMu; the replica's tick holds raftMu and, coalescing
// a heartbeat, takes coalescedMu. Each holds the lock the other waits for.
//
//   G1: s.coalescedMu.Lock(); ... r.reportUnreachable() -> r.raftMu.Lock()
//   G2: r.raftMu.Lock(); ... r.maybeCoalesceHeartbeat() -> s.coalescedMu.Lock()
//
// The upstream fix releases coalescedMu before taking raftMu.
#pragma once

#include <mutex>

#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace heartbeat_locks_detail {

inline void heartbeats(fibercheck::Done done, bool fixed) {
  using namespace fibercheck;
  Mutex coalesced_mu("coalescedMu"), raft_mu("raftMu");
  Scope s(done, "store");
  s.spawn("sendQueuedHeartbeats", [=] {
    for (int i = 0; i < 10; ++i) {
      std::unique_lock coalesced(coalesced_mu);
      if (fixed) coalesced.unlock();  // copy the queue out, then let go of coalescedMu
      std::lock_guard raft(raft_mu);  // reportUnreachable
    }
  });
  s.spawn("tick", [=] {
    for (int i = 0; i < 10; ++i) {
      std::lock_guard raft(raft_mu);
      std::lock_guard coalesced(coalesced_mu);  // maybeCoalesceHeartbeat
    }
  });
  s.join();
}

}  // namespace heartbeat_locks_detail

inline void heartbeat_locks_buggy(fibercheck::Done d) {
  heartbeat_locks_detail::heartbeats(d, false);
}
inline void heartbeat_locks_fixed(fibercheck::Done d) {
  heartbeat_locks_detail::heartbeats(d, true);
}

}  // namespace examples::real_world
