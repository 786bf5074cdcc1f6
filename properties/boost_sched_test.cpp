// Boost.Fiber's own mutexes are scheduling points: a lost update between plain Boost
// fibers that increment a shared counter under a boost::fibers mutex, with one
// increment written wrongly (the read outside the critical section, or the read and the
// write in two critical sections), is found by random and PCT schedules and by DFS,
// although no fiber ever blocks; the same programs written correctly are never
// reported, and DFS exhausts them clean.
//
// A program is plain data drawn before any fiber starts: a few fibers, each a few
// increments of one shared counter, every one through one lock of the drawn Boost mutex
// type, taken with lock() or with try_lock() falling back to lock(). Root joins the
// fibers and throws when the counter lost an increment.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <boost/fiber/recursive_mutex.hpp>
#include <boost/fiber/recursive_timed_mutex.hpp>
#include <boost/fiber/timed_mutex.hpp>
#include <cstdint>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "fibercheck/run.hpp"
#include "fibercheck/sched/dfs.hpp"

namespace fibercheck::props {

namespace {

enum class Lock : std::uint8_t { mutex, timed_mutex, recursive_mutex, recursive_timed_mutex };

enum class Bug : std::uint8_t {
  none,
  read_outside,  // v = counter; lock(); unlock(); counter = v + 1
  split,         // lock(); v = counter; unlock(); lock(); counter = v + 1; unlock()
};

struct Increment {
  bool try_first = false;  // try_lock(), and lock() when that fails
  Bug bug = Bug::none;
};

struct Program {
  Lock lock = Lock::mutex;
  std::vector<std::vector<Increment>> fibers;

  [[nodiscard]] int total() const {
    int n = 0;
    for (const auto& f : fibers) n += static_cast<int>(f.size());
    return n;
  }
};

const char* lock_name(Lock l) {
  switch (l) {
    case Lock::mutex:
      return "mutex";
    case Lock::timed_mutex:
      return "timed_mutex";
    case Lock::recursive_mutex:
      return "recursive_mutex";
    case Lock::recursive_timed_mutex:
      return "recursive_timed_mutex";
  }
  return "?";
}

[[maybe_unused]] std::ostream& operator<<(std::ostream& os, Lock l) { return os << lock_name(l); }

[[maybe_unused]] std::ostream& operator<<(std::ostream& os, const Program& p) {
  os << "boost::fibers::" << lock_name(p.lock) << ";";
  for (std::size_t f = 0; f < p.fibers.size(); ++f) {
    os << " fiber " << f << ":";
    for (const Increment& i : p.fibers[f]) {
      os << (i.try_first ? " try" : " lock");
      if (i.bug == Bug::read_outside) os << "(read outside)";
      if (i.bug == Bug::split) os << "(split)";
    }
  }
  return os;
}

// A correct program of `fibers` fibers; then one increment made wrong, for the mutants.
Program draw_program(int fibers, int max_increments) {
  Program p;
  p.lock = *rc::gen::element(Lock::mutex, Lock::timed_mutex, Lock::recursive_mutex,
                             Lock::recursive_timed_mutex);
  for (int f = 0; f < fibers; ++f) {
    const int n = *rc::gen::inRange(1, max_increments + 1);
    std::vector<Increment> incs;
    for (int i = 0; i < n; ++i) incs.push_back(Increment{*rc::gen::arbitrary<bool>(), Bug::none});
    p.fibers.push_back(std::move(incs));
  }
  return p;
}

Program draw_mutant(int fibers, int max_increments) {
  Program p = draw_program(fibers, max_increments);
  const auto f = static_cast<std::size_t>(*rc::gen::inRange<int>(0, p.fibers.size()));
  const auto i = static_cast<std::size_t>(*rc::gen::inRange<int>(0, p.fibers[f].size()));
  p.fibers[f][i].bug = *rc::gen::element(Bug::read_outside, Bug::split);
  return p;
}

template <typename M>
void take(M& m, const Increment& inc) {
  if (!inc.try_first || !m.try_lock()) m.lock();
}

template <typename M>
void increment(M& m, int& counter, const Increment& inc) {
  switch (inc.bug) {
    case Bug::none:
      take(m, inc);
      ++counter;
      m.unlock();
      break;
    case Bug::read_outside: {
      const int v = counter;
      take(m, inc);
      m.unlock();
      counter = v + 1;
      break;
    }
    case Bug::split: {
      take(m, inc);
      const int v = counter;
      m.unlock();
      take(m, inc);
      counter = v + 1;
      m.unlock();
      break;
    }
  }
}

template <typename M>
void run_program(const Program& p) {
  M m;
  int counter = 0;
  std::vector<boost::fibers::fiber> fibers;
  for (const auto& incs : p.fibers)
    fibers.emplace_back([&m, &counter, &incs] {
      for (const Increment& inc : incs) increment(m, counter, inc);
    });
  for (auto& f : fibers) f.join();
  if (counter != p.total()) throw std::runtime_error("lost update");
}

// Root of a run: the program over its lock type.
void program_root(const Program& p) {
  switch (p.lock) {
    case Lock::mutex:
      return run_program<boost::fibers::mutex>(p);
    case Lock::timed_mutex:
      return run_program<boost::fibers::timed_mutex>(p);
    case Lock::recursive_mutex:
      return run_program<boost::fibers::recursive_mutex>(p);
    case Lock::recursive_timed_mutex:
      return run_program<boost::fibers::recursive_timed_mutex>(p);
  }
}

bool lost_update(const Outcome& out) {
  return out.verdict == Verdict::exception && out.error == "lost update";
}

Outcome run_once(const Program& p, sched::StrategyKind kind, std::uint64_t seed,
                 std::uint64_t pct_length) {
  RunOptions o;
  o.strategy.kind = kind;
  o.strategy.seed = seed;
  o.strategy.pct_length = pct_length;
  return run([&p] { program_root(p); }, o);
}

// PCT draws its change points from the first k steps: k is the program's length, the
// steps of one run (the steps differ little between schedules of these programs).
std::uint64_t run_length(const Program& p) {
  return run_once(p, sched::StrategyKind::fifo, 0, 1).steps;
}

// Runs until a schedule loses an update; the number of runs that took (0: none did).
int runs_to_find(const Program& p, sched::StrategyKind kind, std::uint64_t seed, int max_runs) {
  const std::uint64_t k = run_length(p);
  for (int i = 0; i < max_runs; ++i) {
    const Outcome out = run_once(p, kind, seed + static_cast<std::uint64_t>(i), k);
    RC_ASSERT(out.verdict == Verdict::finished || lost_update(out));
    if (lost_update(out)) return i + 1;
  }
  return 0;
}

sched::ExploreOptions dfs_options(bool reduction) {
  sched::ExploreOptions o;
  o.reduction = reduction;
  o.max_runs = 20000;
  return o;
}

}  // namespace

// No fiber blocks in these programs: the race is visible only because Boost's lock and
// try_lock are scheduling points. Random schedules switch there at random, PCT where a
// change point demotes the fiber that just read the counter. The caps are far above
// what it takes: over 1,000 programs random needed at most 50 runs, PCT at most 100.
RC_GTEST_PROP(BoostSched, ALostUpdateOnABoostMutexIsFoundByRandomAndPct, ()) {
  const Program p = draw_mutant(*rc::gen::inRange(2, 5), 3);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const int random_runs = runs_to_find(p, sched::StrategyKind::random, seed, 200);
  RC_LOG() << "random: " << random_runs << " runs\n";
  RC_ASSERT(random_runs > 0);
  const int pct_runs = runs_to_find(p, sched::StrategyKind::pct, seed, 1000);
  RC_LOG() << "pct: " << pct_runs << " runs\n";
  RC_ASSERT(pct_runs > 0);
  RC_CLASSIFY(random_runs > 20, "random needed more than 20 runs");
  RC_CLASSIFY(pct_runs > 100, "pct needed more than 100 runs");
}

RC_GTEST_PROP(BoostSched, ACorrectProgramOnABoostMutexIsNeverReported, ()) {
  const Program p = draw_program(*rc::gen::inRange(2, 5), 3);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  const std::uint64_t k = run_length(p);
  for (auto kind : {sched::StrategyKind::random, sched::StrategyKind::pct}) {
    for (std::uint64_t i = 0; i < 20; ++i) {
      const Outcome out = run_once(p, kind, seed + i, k);
      RC_LOG() << sched::to_string(kind) << " seed " << seed + i << ": " << out.summary() << "\n";
      RC_ASSERT(out.clean());
    }
  }
}

// DFS enumerates the interleavings of the scheduling points: the lost update needs one
// preemption, at the wrong fiber's lock. With the reduction off, its "exhausted" covers
// every order of those points within the bound, so a correct program exhausted clean is
// a proof for that bound. The reduction, which sees neither the counter (plain memory)
// nor which Boost mutex an operation is on, must not make the correct program fail and
// must find the mutant too (every Boost operation is dependent on every other here).
RC_GTEST_PROP(BoostSched, DfsFindsTheLostUpdateAndExhaustsTheCorrectProgram, ()) {
  const bool mutant = *rc::gen::arbitrary<bool>();
  // Small enough to exhaust within the run cap: try_lock yields inside Boost too, so each
  // increment is up to three choice points.
  const int fibers = *rc::gen::inRange(2, 4);
  const int increments = fibers == 2 ? 2 : 1;
  const Program p = mutant ? draw_mutant(fibers, increments) : draw_program(fibers, increments);
  for (bool reduction : {false, true}) {
    const sched::ExploreOptions o = dfs_options(reduction);
    const sched::ExploreReport r = sched::explore([&p] { program_root(p); }, o);
    RC_LOG() << "reduction " << (reduction ? "on" : "off") << ": " << r.summary(o) << "\n";
    if (mutant) {
      RC_ASSERT(r.failed);
      RC_ASSERT(lost_update(r.outcome));
    } else {
      RC_ASSERT(!r.failed);
      RC_ASSERT(r.exhausted);
    }
  }
  RC_CLASSIFY(mutant, "mutant");
}

}  // namespace fibercheck::props
