// node_status.hpp: etcd #6857 (GoKer etcd6857): a request sent to a loop that has
// stopped. The raft node's run loop serves Status() requests over n.status until Stop()
// makes it return; a Status() call after that sends on n.status with a plain send and
// blocks forever, because the only receiver is gone.
//
//   func (n *node) run() {
//       for { select {
//       case c := <-n.status: c <- getStatus()
//       case <-n.stop:        close(n.done); return
//       } }
//   }
//   func (n *node) Status() Status {
//       c := make(chan Status)
//       n.status <- c                 // the fix: select { case n.status <- c: case <-n.done:
//       return Status{} } return <-c
//   }
#pragma once

#include <chrono>
#include <memory>

#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace node_status_detail {

using namespace std::chrono_literals;

struct Node {
  fibercheck::Chan<fibercheck::Chan<int>> status{0, "n.status"};
  fibercheck::Chan<int> stop{0, "n.stop"};
  std::shared_ptr<fibercheck::DoneSource> done = std::make_shared<fibercheck::DoneSource>("n.done");

  void run() const {
    using namespace fibercheck;
    for (;;) {
      Recv<Chan<int>> c;
      Recv<int> stopped;
      if (select(Done(), {on_recv(status, c), on_recv(stop, stopped)}).index == 0) {
        (void)c->send(7);
      } else {
        done->close();
        return;
      }
    }
  }
  void stop_node() const {
    (void)stop.send(done->done(), 1);
    done->done().wait();
  }
  int get_status(bool fixed) const {
    using namespace fibercheck;
    Chan<int> c(0, "status-reply");
    if (fixed) {
      Chan<int> request = c;  // a select's send consumes its value: keep c to read from
      if (select(done->done(), {on_send(status, request)}).index != 0) return 0;
    } else {
      (void)status.send(c);
    }
    auto r = c.recv();
    return r ? *r : 0;
  }
};

inline void node(bool fixed) {
  using namespace fibercheck;
  Node n;
  go("node.run", [n] { n.run(); });
  go("stopper", [n] { n.stop_node(); });
  go("status-reader", [n, fixed] {
    (void)sleep_for(Done(), 1ms);  // asks after the node stopped
    (void)n.get_status(fixed);
  });
}

}  // namespace node_status_detail

inline void node_status_buggy(fibercheck::Done) { node_status_detail::node(false); }
inline void node_status_fixed(fibercheck::Done) { node_status_detail::node(true); }

}  // namespace examples::real_world
