// streams.hpp: the two moves several pattern kinds share: pumping one stream into
// another, and fanning several streams into one (Cox-Buday's fanIn).
#pragma once

#include <vector>

#include "fibercheck/harness/node_run.hpp"

namespace fibercheck::harness::bundled {

// Forwards every value from `from` to `to`, counted in the ledger, until `from`
// closes (returns true) or `done` closes first (returns false).
bool pump(NodeRun& r, const Stream& from, const Stream& to, const Done& done);

// Go's fanIn into r.out: a fiber per input forwards it; returns once every input
// is closed and forwarded, or done closed. The caller closes r.out afterwards.
//
//   multiplex := func(c <-chan interface{}) {
//       defer wg.Done()
//       for i := range c {
//           select {
//           case <-done: return
//           case multiplexedStream <- i:
//           }
//       }
//   }
//   wg.Add(len(channels))
//   for _, c := range channels { go multiplex(c) }
//   go func() { wg.Wait(); close(multiplexedStream) }()
void fan_in(NodeRun& r, const Done& done, const std::vector<Stream>& ins);

}  // namespace fibercheck::harness::bundled
