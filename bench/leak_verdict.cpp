// leak_verdict.cpp: how long fibercheck takes to say that doWork(nil) leaks.
//
// The seed's leak (Cox-Buday, "Concurrency in Go", ch. 4): a fiber ranges over a nil
// channel that nobody writes, and its parent returns without waiting. goleak needs
// retries with backoff to be sure (about 0.44 s); fibercheck sees the moment every
// fiber is blocked (TRAPS 7). The clock covers the whole run() call: start, the
// verdict, and unwinding the leaked fiber so the thread can run the next case.
#include <string>
#include <vector>

#include "benches.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "measure.hpp"

namespace bench {

namespace {

void leaky_do_work(fibercheck::Done) {
  fibercheck::Chan<std::string> strings;  // nil: nobody will ever send
  fibercheck::go("doWork", [strings] {
    while (auto s = strings.recv()) {
    }
  });
}

}  // namespace

void leak_verdict(const Options& o) {
  std::vector<double> seconds;
  bool found = true;
  fibercheck::on_case_thread([&] {
    for (int r = 0; r < o.reps; ++r) {
      const Stamp t0 = stamp();
      const fibercheck::Outcome out = fibercheck::run(leaky_do_work);
      seconds.push_back(ns_since(t0) * 1e-9);
      found = found && out.verdict == fibercheck::Verdict::quiescent && out.live.size() == 1 &&
              out.unreclaimed.empty();
    }
  });
  Line("leak-verdict").add("found", found).add("seconds_to_verdict", median(seconds), 9).print();
}

}  // namespace bench
