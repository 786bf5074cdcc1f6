// leak_verdict.cpp: how long fibercheck takes to say that doWork(nil) leaks, and that a
// loop left running when root returns leaks.
//
// The seed's leak (Cox-Buday, "Concurrency in Go", ch. 4): a fiber ranges over a nil
// channel that nobody writes, and its parent returns without waiting. goleak needs
// retries with backoff to be sure (about 0.44 s); fibercheck sees the moment every
// fiber is blocked (docs/boost-fiber-notes.md, 'Quiescence is observable'). The clock
// covers the whole run() call: start, the
// verdict, and unwinding the leaked fiber so the thread can run the next case.
#include <string>
#include <vector>

#include "benches.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/harness/check.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
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

// A leak that never blocks: a reconnect loop re-arming a timer, watching a context
// nobody cancels, left running when root returns (RunOptions::leak_window_steps).
void live_loop(fibercheck::Done) {
  fibercheck::go("reconnect", [] {
    fibercheck::DoneSource ctx("ctx");
    for (;;) {
      fibercheck::Recv<fibercheck::Duration> t;
      if (fibercheck::select(ctx.done(), {fibercheck::on_recv(
                                             fibercheck::after(std::chrono::milliseconds(10)), t)})
              .status != fibercheck::Status::ok)
        return;
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

  // The live loop: run() to its verdict, and check() to its shrunk report (one failing
  // case, shrinking, the report's two determinism runs).
  std::vector<double> run_s, check_s;
  bool live_found = true;
  fibercheck::on_case_thread([&] {
    for (int r = 0; r < o.reps; ++r) {
      Stamp t0 = stamp();
      const fibercheck::Outcome out = fibercheck::run(live_loop);
      run_s.push_back(ns_since(t0) * 1e-9);
      live_found = live_found && out.verdict == fibercheck::Verdict::still_running;
      fibercheck::CheckOptions co;
      co.print = false;
      co.seed = 1;
      co.name = "live-loop";
      t0 = stamp();
      const fibercheck::CheckResult res = fibercheck::check(live_loop, co);
      check_s.push_back(ns_since(t0) * 1e-9);
      live_found =
          live_found && !res.ok && res.outcome.verdict == fibercheck::Verdict::still_running;
    }
  });
  Line("live-leak-verdict")
      .add("found", live_found)
      .add("run_seconds", median(run_s), 9)
      .add("check_seconds", median(check_s), 9)
      .print();
}

}  // namespace bench
