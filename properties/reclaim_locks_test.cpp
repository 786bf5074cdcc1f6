// Reclaim unwinds fibers that hold, wait for, or have just released locks, whatever
// they were doing: on random small programs over Mutex, SharedMutex and CondVar that
// often deadlock, run() always returns its Outcome (no std::system_error out of a
// destructor, no terminate), every fiber is unwound, and the next run on the thread
// is clean. The programs include the user report's shape: a guard over a lock its
// fiber unlocked by hand and blocks re-locking, unwound while another fiber holds it;
// that guard's release must be skipped (Outcome::reclaim_notes), not take the other
// fiber's hold.
//
// A program is plain data drawn before any fiber starts. Each fiber runs a few steps;
// every step is valid if its fiber ran alone to completion (it releases only what it
// took), so outside unwinding nothing is misuse: an unlock of an unlocked mutex there
// would still throw, as in Go.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <functional>
#include <mutex>
#include <ostream>
#include <shared_mutex>
#include <string>
#include <vector>

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/cond.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"

namespace fibercheck::props {

namespace {

enum class Kind : std::uint8_t {
  plain,   // lock(); pause; unlock()
  guard,   // a scoped guard (lock_guard / shared_lock) around the body
  hold,    // lock() and never unlock: the others block behind it
  defer,   // unique_lock(defer_lock) + try_lock, then the body; may not own its lock
  wait,    // unique_lock / shared_lock, then wait on the condvar (no spurious wake-ups)
  notify,  // notify_all of the condvar
};

struct Step {
  Kind kind = Kind::plain;
  int lock = 0;
  bool shared = false;   // the read side (SharedMutex only)
  bool by_hand = false;  // guard: unlock by hand, pause, re-lock (the user report)
  int nested = -1;       // guard/defer body: a nested guard on this lock (-1: none)
  bool block = false;    // guard/defer body: then block for good on a channel
};

struct Program {
  std::vector<bool> rw;  // lock i is a SharedMutex
  std::vector<std::vector<Step>> fibers;
};

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::plain:
      return "plain";
    case Kind::guard:
      return "guard";
    case Kind::hold:
      return "hold";
    case Kind::defer:
      return "defer";
    case Kind::wait:
      return "wait";
    case Kind::notify:
      return "notify";
  }
  return "?";
}

[[maybe_unused]] std::ostream& operator<<(std::ostream& os, const Program& p) {
  os << "locks:";
  for (bool r : p.rw) os << (r ? " rw" : " mu");
  for (std::size_t f = 0; f < p.fibers.size(); ++f) {
    os << "\n  f" << f << ":";
    for (const Step& s : p.fibers[f])
      os << " " << kind_name(s.kind) << "(" << s.lock << (s.shared ? ",r" : "")
         << (s.by_hand ? ",by-hand" : "")
         << (s.nested >= 0 ? ",nest" + std::to_string(s.nested) : "") << (s.block ? ",block" : "")
         << ")";
  }
  return os;
}

rc::Gen<Program> gen_program() {
  return rc::gen::exec([] {
    Program p;
    const int locks = *rc::gen::inRange(1, 3);
    for (int i = 0; i < locks; ++i) p.rw.push_back(*rc::gen::arbitrary<bool>());
    const int fibers = *rc::gen::inRange(2, 4);
    for (int f = 0; f < fibers; ++f) {
      std::vector<Step> steps;
      const int n = *rc::gen::inRange(1, 4);
      for (int k = 0; k < n; ++k) {
        Step s;
        s.kind = *rc::gen::weightedElement<Kind>({{2, Kind::plain},
                                                  {6, Kind::guard},
                                                  {1, Kind::hold},
                                                  {2, Kind::defer},
                                                  {2, Kind::wait},
                                                  {1, Kind::notify}});
        s.lock = *rc::gen::inRange(0, locks);
        s.shared = p.rw[static_cast<std::size_t>(s.lock)] && *rc::gen::arbitrary<bool>();
        if (s.kind == Kind::guard)
          s.by_hand = *rc::gen::weightedElement<bool>({{3, true}, {1, false}});
        if (s.kind == Kind::guard || s.kind == Kind::defer) {
          if (*rc::gen::arbitrary<bool>()) s.nested = *rc::gen::inRange(0, locks);
          s.block = *rc::gen::weightedElement<bool>({{1, true}, {2, false}});
        }
        steps.push_back(s);
      }
      p.fibers.push_back(std::move(steps));
    }
    return p;
  });
}

// A scheduling point that throws the unwind when reclaim asks (unlike a release).
void pause() { (void)Chan<int>().try_recv(); }

struct Locks {
  std::vector<Mutex> mu;
  std::vector<SharedMutex> rw;
  std::vector<bool> is_rw;
  CondVar cv{"cv"};
  Chan<int> never{0, "never"};

  void lock(int i, bool shared) const {
    const auto k = static_cast<std::size_t>(i);
    if (!is_rw[k]) return mu[k].lock();
    if (shared) return rw[k].lock_shared();
    rw[k].lock();
  }
  void unlock(int i, bool shared) const {
    const auto k = static_cast<std::size_t>(i);
    if (!is_rw[k]) return mu[k].unlock();
    if (shared) return rw[k].unlock_shared();
    rw[k].unlock();
  }
};

// A guard over lock i (the exclusive side of a Mutex; either side of a SharedMutex).
void guarded(const Locks& l, int i, bool shared, const std::function<void()>& body) {
  const auto k = static_cast<std::size_t>(i);
  if (!l.is_rw[k]) {
    std::lock_guard g(l.mu[k]);
    body();
  } else if (shared) {
    std::shared_lock g(l.rw[k]);
    body();
  } else {
    std::lock_guard g(l.rw[k]);
    body();
  }
}

void body(const Locks& l, const Step& s) {
  if (s.nested >= 0) guarded(l, s.nested, false, [] { pause(); });
  if (s.block) (void)l.never.recv();
}

void run_step(const Locks& l, const Step& s) {
  const auto k = static_cast<std::size_t>(s.lock);
  switch (s.kind) {
    case Kind::plain:
      l.lock(s.lock, s.shared);
      pause();
      l.unlock(s.lock, s.shared);
      break;
    case Kind::guard:
      guarded(l, s.lock, s.shared, [&] {
        if (s.by_hand) {  // Go: defer mu.Unlock(); ...; mu.Unlock(); ...; mu.Lock()
          l.unlock(s.lock, s.shared);
          pause();
          l.lock(s.lock, s.shared);
        }
        body(l, s);
      });
      break;
    case Kind::hold:
      l.lock(s.lock, s.shared);
      break;
    case Kind::defer:
      if (!l.is_rw[k]) {
        std::unique_lock u(l.mu[k], std::defer_lock);
        (void)u.try_lock();
        body(l, s);
      } else {
        std::unique_lock u(l.rw[k], std::defer_lock);
        (void)u.try_lock();
        body(l, s);
      }
      break;
    case Kind::wait:
      if (!l.is_rw[k]) {
        Mutex m = l.mu[k];  // a handle: the same lock
        std::unique_lock u(m);
        (void)l.cv.wait(u);
      } else if (s.shared) {
        SharedMutex m = l.rw[k];
        std::shared_lock u(m);
        (void)l.cv.wait(u);
      } else {
        SharedMutex m = l.rw[k];
        std::unique_lock u(m);
        (void)l.cv.wait(u);
      }
      break;
    case Kind::notify:
      l.cv.notify_all();
      break;
  }
}

RC_GTEST_PROP(ReclaimLocks, UnwindingFibersThatHoldOrReleasedLocksLosesNoReport, ()) {
  const Program p = *gen_program();
  RC_TAG(p.fibers.size());
  RunOptions o;
  o.strategy.kind = *rc::gen::element(sched::StrategyKind::random, sched::StrategyKind::pct);
  const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
  o.max_steps = 10'000;
  bool deadlocked = false, noted = false;
  // Each program under a few schedules: a run is cheap, the unwinding orders are many.
  for (std::uint64_t i = 0; i < 8; ++i) {
    o.strategy.seed = seed + i;
    Outcome out = run(
        [&p](Done) {
          Locks l;
          l.is_rw = p.rw;
          for (std::size_t i = 0; i < p.rw.size(); ++i) {
            l.mu.emplace_back("mu" + std::to_string(i));
            l.rw.emplace_back("rw" + std::to_string(i));
          }
          for (std::size_t f = 0; f < p.fibers.size(); ++f)
            go("f" + std::to_string(f), [l, steps = p.fibers[f]] {
              for (const Step& s : steps) run_step(l, s);
            });
        },
        o);
    const std::string s = out.summary();
    deadlocked |= out.verdict == Verdict::quiescent;
    noted |= !out.reclaim_notes.empty();
    RC_ASSERT(out.verdict == Verdict::finished || out.verdict == Verdict::quiescent);
    RC_ASSERT(out.unreclaimed.empty());
    if (out.verdict == Verdict::finished) RC_ASSERT(out.reclaim_notes.empty());
    for (const std::string& n : out.reclaim_notes) {
      RC_ASSERT(n.find("ignored while unwinding") != std::string::npos);
      RC_ASSERT(s.find(n) != std::string::npos);
    }
    RC_ASSERT(census().empty());

    // The next run on this thread is clean: reclaim left nothing behind.
    Outcome next = run([](Done) {
      Mutex mu("next");
      go("locker", [mu] { std::lock_guard g(mu); });
      std::lock_guard g(mu);
    });
    RC_ASSERT(next.clean());
  }
  RC_CLASSIFY(deadlocked, "deadlocked and reclaimed");
  RC_CLASSIFY(noted, "a release not held was ignored while unwinding");
}

}  // namespace

}  // namespace fibercheck::props
