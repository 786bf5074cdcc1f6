// Roots for the replay helpers (replay_helper.cpp, replay_plain_helper.cpp): a pool
// whose workers may send a result without watching done, so it leaks when done
// closes while a worker holds one, and the same pool fixed.
#pragma once

#include <string>

#include "fibercheck/fibercheck.hpp"

namespace replay_helper {

inline void pool(fibercheck::Done done, bool leaky) {
  fibercheck::Scope scope(done);
  fibercheck::Chan<int> jobs(0, "jobs"), results(0, "results");
  for (int w = 0; w < 2; ++w) {
    scope.spawn("worker-" + std::to_string(w), [jobs, results, leaky](fibercheck::Done d) {
      while (auto j = jobs.recv(d)) {
        const fibercheck::Status s = leaky ? results.send(*j) : results.send(d, *j);
        if (s != fibercheck::Status::ok) return;
      }
    });
  }
  scope.spawn("feeder", [jobs](fibercheck::Done d) {
    for (int i = 0; i < 4; ++i)
      if (jobs.send(d, i) != fibercheck::Status::ok) break;
    jobs.close();
  });
  for (int i = 0; i < 4; ++i)
    if (!results.recv(done)) break;
  scope.cancel();
  scope.join();
}

inline void leaky_pool(fibercheck::Done done) { pool(done, true); }
inline void clean_pool(fibercheck::Done done) { pool(done, false); }

}  // namespace replay_helper
