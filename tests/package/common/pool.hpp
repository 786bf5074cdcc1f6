// pool.hpp: the code the consumer projects check, written against the public
// headers only: a worker pool, correct or with a worker that ignores done.
#pragma once

#include <fibercheck/fibercheck.hpp>

namespace consumer {

// Workers take jobs from a channel and send results; the feeder stops on done. With
// forget_done_on_send a worker sends without its done, so it blocks for good once
// the collector stops reading.
inline void pool(fibercheck::Done done, bool forget_done_on_send) {
  fibercheck::Chan<int> jobs(0, "jobs");
  fibercheck::Chan<int> results(0, "results");
  fibercheck::Scope scope(done, "pool");
  scope.spawn("feeder", [jobs](fibercheck::Done d) {
    for (int i = 0; i < 3; ++i)
      if (jobs.send(d, i) != fibercheck::Status::ok) break;
    jobs.close();
  });
  for (int w = 0; w < 2; ++w)
    scope.spawn("worker", [jobs, results, forget_done_on_send](fibercheck::Done d) {
      while (auto j = jobs.recv(d)) {
        if (forget_done_on_send) {
          results.send(fibercheck::Done(), *j * 2);
        } else if (results.send(d, *j * 2) != fibercheck::Status::ok) {
          return;
        }
      }
    });
  scope.spawn("collector", [results](fibercheck::Done d) {
    for (int n = 0; n < 3; ++n)
      if (!results.recv(d)) return;
  });
  scope.join();
}

}  // namespace consumer
