// leak_verdict.cpp: how long fibercheck takes to say that doWork(nil) leaks, and that a
// loop left running when root returns leaks; and that leaking runs of plain Boost.Fiber
// code keep memory flat.
//
// The seed's leak (Cox-Buday, "Concurrency in Go", ch. 4): a fiber ranges over a nil
// channel that nobody writes, and its parent returns without waiting. goleak needs
// retries with backoff to be sure (about 0.44 s); fibercheck sees the moment every
// fiber is blocked (docs/boost-fiber-notes.md, 'Quiescence is observable'). The clock
// covers the whole run() call: start, the
// verdict, and unwinding the leaked fiber so the thread can run the next case.
#include <boost/fiber/buffered_channel.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
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

// The same shape written against Boost.Fiber's own API: a worker holds a mutex while it
// pops from a channel nobody closes, a second worker waits for the mutex, and root
// returns. Both are parked in Boost's primitives and unwound after the run.
void leaky_boost_pool() {
  struct Shared {
    boost::fibers::buffered_channel<int> jobs{4};
    boost::fibers::mutex m;
  };
  auto s = std::make_shared<Shared>();
  for (int i = 0; i < 2; ++i) {
    boost::fibers::fiber([s] {
      std::lock_guard<boost::fibers::mutex> lk(s->m);
      int job = 0;
      (void)s->jobs.pop(job);
    }).detach();
  }
}

// Many leaking runs of plain Boost code on one case thread: every leaked fiber must be
// unwound (nothing parks the thread) and memory must stay flat. Resident memory after
// the first tenth of the runs (allocator and symbol tables warm) against after the last.
void boost_leaks(const Options& o) {
  const std::uint64_t runs = o.smoke ? 200 : 10000;
  bool unwound = true;
  std::uint64_t rss_tenth = 0;
  std::uint64_t rss_end = 0;
  double seconds = 0;
  fibercheck::on_case_thread([&] {
    const Stamp t0 = stamp();
    for (std::uint64_t r = 1; r <= runs; ++r) {
      const fibercheck::Outcome out = fibercheck::run(leaky_boost_pool);
      unwound = unwound && out.verdict == fibercheck::Verdict::quiescent && out.live.size() == 2 &&
                out.unreclaimed.empty();
      if (r == runs / 10) rss_tenth = rss_bytes();
    }
    seconds = ns_since(t0) * 1e-9;
    rss_end = rss_bytes();
  });
  const double growth = (static_cast<double>(rss_end) - static_cast<double>(rss_tenth)) /
                        static_cast<double>(runs - runs / 10);
  Line("boost-leaks")
      .add("runs", runs)
      .add("unwound", unwound)
      .add("rss_kb_after_tenth", rss_tenth / 1024)
      .add("rss_kb_at_end", rss_end / 1024)
      .add("growth_bytes_per_run", growth)
      .add("us_per_run", seconds * 1e6 / static_cast<double>(runs))
      .print();
  if (!unwound) throw std::runtime_error("boost-leaks: a leaked plain Boost fiber was not unwound");
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
  boost_leaks(o);
}

}  // namespace bench
