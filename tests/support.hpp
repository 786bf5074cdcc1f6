// support.hpp: small helpers shared by the unit tests.
#pragma once

#include <gtest/gtest.h>

#include <boost/fiber/operations.hpp>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"

namespace fibercheck {

// Readable values in gtest failure messages.
inline void PrintTo(Status s, std::ostream* os) { *os << to_string(s); }
inline void PrintTo(Verdict v, std::ostream* os) { *os << to_string(v); }
inline void PrintTo(FiberState s, std::ostream* os) { *os << to_string(s); }
inline void PrintTo(CloseReason r, std::ostream* os) { *os << to_string(r); }

}  // namespace fibercheck

namespace fibercheck::test {

// True in the tsan preset. ThreadSanitizer counts every fiber as one of its threads
// (BOOST_USE_TSAN: __tsan_create_fiber), allows at most 8128 of them alive at once,
// and keeps history for ended ones, so a few tests of scale cannot hold under it.
#if defined(__SANITIZE_THREAD__)
inline constexpr bool kThreadSanitizer = true;
#elif defined(__has_feature)
inline constexpr bool kThreadSanitizer = __has_feature(thread_sanitizer);
#else
inline constexpr bool kThreadSanitizer = false;
#endif

// Options for a run under `kind` with `seed`.
inline RunOptions with(sched::StrategyKind kind, std::uint64_t seed = 0) {
  RunOptions o;
  o.strategy.kind = kind;
  o.strategy.seed = seed;
  return o;
}

// Fibers of the calling thread blocked on something whose description contains `on`.
inline std::size_t blocked_on(std::string_view on) {
  std::size_t n = 0;
  for (const FiberInfo& f : census())
    if (f.state == FiberState::blocked && f.blocked_on.find(on) != std::string::npos) ++n;
  return n;
}

// Inside a run: yields until `n` fibers are blocked on `on` (the step budget bounds it).
inline void yield_until_blocked(std::size_t n, std::string_view on) {
  while (blocked_on(on) < n) boost::this_fiber::yield();
}

// The census entry with this path, or an empty FiberInfo.
inline FiberInfo find_path(const std::vector<FiberInfo>& fibers, std::string_view path) {
  for (const FiberInfo& f : fibers)
    if (f.path == path) return f;
  return {};
}

// A scheduling point where the strategy may keep the caller running (Go's
// runtime.Gosched): a try_recv on the nil channel. boost::this_fiber::yield() is
// different: Boost re-queues the yielding fiber only after picking the next one,
// so a plain yield always switches.
inline void sched_point() { (void)Chan<int>().try_recv(); }

// Three always-ready workers that pass `rounds` scheduling points each; `order`
// gets the worker index (0..2) every time one of them runs.
inline Outcome three_yielders(const RunOptions& opt, std::vector<int>& order, int rounds = 20,
                              bool boost_yield = false) {
  order.clear();
  return run(
      [&order, rounds, boost_yield](Done done) {
        Scope s(done);
        // Spawning is a scheduling point: the workers start together once all exist.
        DoneSource start("start");
        for (int w = 0; w < 3; ++w)
          s.spawn("worker-" + std::to_string(w),
                  [&order, rounds, boost_yield, w, go = start.done()] {
                    go.wait();
                    for (int i = 0; i < rounds; ++i) {
                      order.push_back(w);
                      if (boost_yield) {
                        boost::this_fiber::yield();
                      } else {
                        sched_point();
                      }
                    }
                  });
        start.close();
        s.join();
      },
      opt);
}

// Sets an environment variable for the life of the object, then restores what the
// process had (tests that run by hand in one process see each other's environment).
class EnvVar {
 public:
  EnvVar(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    setenv(name, value.c_str(), 1);
  }
  ~EnvVar() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }
  EnvVar(const EnvVar&) = delete;
  EnvVar& operator=(const EnvVar&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// How often `order` changes from one worker to another.
inline int switches(const std::vector<int>& order) {
  int n = 0;
  for (std::size_t i = 1; i < order.size(); ++i) n += order[i] != order[i - 1];
  return n;
}

}  // namespace fibercheck::test
