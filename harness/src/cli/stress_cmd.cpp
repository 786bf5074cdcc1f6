// fibercheck stress: correct trees of fibercheck primitives on several threads
// under Boost's work_stealing or shared_work scheduler: real parallelism and real
// races, not the deterministic scheduler. Each run builds one tree (a pipeline, a
// fan-out/fan-in, a ping-pong tree, or a select mesh on shared channels), closes the
// root's done from a fiber of the pool, from a plain thread, or not at all (the tree
// finishes first), and checks that every fiber ended and that the channels delivered
// each value exactly once. The same seed draws the same trees and closers; the
// interleavings are the machine's.
#include <atomic>
#include <boost/fiber/algo/shared_work.hpp>
#include <boost/fiber/algo/work_stealing.hpp>
#include <boost/fiber/all.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.hpp"
#include "fibercheck/fibercheck.hpp"
#include "fibercheck/sched/rng.hpp"

namespace fibercheck::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::atomic<long> g_live{0};      // fibers of the current run that have not ended
std::atomic<long> g_moved{0};     // fibers that ended on another thread than they began
std::atomic<long> g_values{0};    // values received over channels, all runs
std::atomic<long> g_fibers{0};    // fibers of the trees, all runs
std::atomic<long> g_off_main{0};  // of them, those that began on a pool thread other than main's
std::thread::id g_main_thread;

// Counts a fiber of the tree from its first to its last instruction.
struct Alive {
  std::thread::id began = std::this_thread::get_id();
  Alive() {
    g_live.fetch_add(1);
    g_fibers.fetch_add(1);
    if (began != g_main_thread) g_off_main.fetch_add(1);
  }
  ~Alive() {
    if (std::this_thread::get_id() != began) g_moved.fetch_add(1);
    g_live.fetch_sub(1);
  }
};

// What a tree found wrong, or empty.
struct Check {
  std::mutex m;
  std::string error;
  void fail(const std::string& e) {
    std::lock_guard<std::mutex> lk(m);
    if (error.empty()) error = e;
  }
};

constexpr std::uint64_t kEndless = ~0ull;

// generate -> stages -> the calling fiber. Values arrive in order, each once; a
// finite stream arrives whole unless done closed.
void pipeline(Done done, sched::Rng& rng, std::uint64_t n, Check& check) {
  const std::size_t stages = 1 + rng.below(4);
  std::vector<Chan<std::uint64_t>> chans;
  for (std::size_t i = 0; i <= stages; ++i) chans.emplace_back(rng.below(3), "pipe");
  Scope s(done, "pipeline");
  s.spawn("generate", [out = chans[0], n](Done d) {
    Alive a;
    for (std::uint64_t i = 0; i < n; ++i)
      if (out.send(d, i) != Status::ok) break;
    out.close();
  });
  for (std::size_t k = 0; k < stages; ++k)
    s.spawn("stage", [in = chans[k], out = chans[k + 1]](Done d) {
      Alive a;
      while (auto v = in.recv(d))
        if (out.send(d, *v) != Status::ok) break;
      out.close();
    });
  std::uint64_t expect = 0;
  while (auto v = chans[stages].recv(done)) {
    if (*v != expect)
      check.fail("pipeline: got " + std::to_string(*v) + ", expected " + std::to_string(expect));
    ++expect;
    g_values.fetch_add(1);
  }
  s.join();
  if (n != kEndless && !done.closed() && expect != n)
    check.fail("pipeline: " + std::to_string(expect) + " of " + std::to_string(n) +
               " values arrived although done stayed open");
}

// generate -> jobs -> workers -> results -> the calling fiber; a closer fiber
// closes results once every worker has ended. Every value arrives at most once.
void fan_out(Done done, sched::Rng& rng, std::uint64_t n, Check& check) {
  const std::size_t workers = 2 + rng.below(6);
  Chan<std::uint64_t> jobs(rng.below(4), "jobs"), results(rng.below(4), "results");
  Scope s(done, "fan-out");
  s.spawn("generate", [jobs, n](Done d) {
    Alive a;
    for (std::uint64_t i = 0; i < n; ++i)
      if (jobs.send(d, i) != Status::ok) break;
    jobs.close();
  });
  s.spawn("workers", [jobs, results, workers](Done d) {
    Alive a;
    {
      Scope pool(d, "pool");
      for (std::size_t w = 0; w < workers; ++w)
        pool.spawn("worker", [jobs, results](Done wd) {
          Alive b;
          while (auto v = jobs.recv(wd))
            if (results.send(wd, *v) != Status::ok) return;
        });
      pool.join();
    }
    results.close();
  });
  std::vector<bool> seen;
  std::uint64_t got = 0;
  while (auto v = results.recv(done)) {
    if (*v >= seen.size()) seen.resize(*v * 2 + 16, false);
    if (seen[*v]) check.fail("fan-out: value " + std::to_string(*v) + " arrived twice");
    seen[*v] = true;
    ++got;
    g_values.fetch_add(1);
  }
  s.join();
  if (n != kEndless && !done.closed() && got != n)
    check.fail("fan-out: " + std::to_string(got) + " of " + std::to_string(n) +
               " values arrived although done stayed open");
}

// A tree of scopes whose leaves play ping-pong in pairs until done closes, plus
// an unjoined go() watcher that waits for done.
void ping_tree(const Done& done, sched::Rng& rng, int depth) {
  Alive a;
  Scope s(done, "node");
  if (depth == 0) {
    Chan<int> ping(rng.below(2), "ping"), pong(rng.below(2), "pong");
    s.spawn("ping", [ping, pong](Done d) {
      Alive b;
      for (int i = 0;; ++i) {
        if (ping.send(d, i) != Status::ok) return;
        if (!pong.recv(d)) return;
        g_values.fetch_add(1);
      }
    });
    s.spawn("pong", [ping, pong](Done d) {
      Alive b;
      while (auto v = ping.recv(d))
        if (pong.send(d, *v) != Status::ok) return;
    });
    s.join();
    return;
  }
  const std::size_t branch = 1 + rng.below(3);
  for (std::size_t i = 0; i < branch; ++i)
    s.spawn("child", [seed = rng.next(), depth](Done d) {
      sched::Rng r(seed);
      ping_tree(d, r, depth - 1);
    });
  go("watcher", [done] {
    Alive b;
    done.wait();
  });
  s.join();
}

// Fibers that select between sending to and receiving from shared channels, until
// done closes: afterwards sent == received + still buffered, on every channel.
void select_mesh(Done done, sched::Rng& rng, Check& check) {
  const std::size_t nchans = 1 + rng.below(3), fibers = 2 + rng.below(6);
  std::vector<Chan<std::uint64_t>> chans;
  for (std::size_t i = 0; i < nchans; ++i) chans.emplace_back(rng.below(4), "mesh");
  std::vector<std::atomic<std::uint64_t>> sent(nchans), received(nchans);
  {
    Scope s(done, "mesh");
    for (std::size_t f = 0; f < fibers; ++f)
      s.spawn("selector", [&, seed = rng.next()](Done d) {
        Alive a;
        sched::Rng r(seed);
        for (;;) {
          const std::size_t i = r.below(nchans), j = r.below(nchans);
          std::uint64_t v = r.next();
          Recv<std::uint64_t> got;
          Selected sel = select(d, {on_send(chans[i], v), on_recv(chans[j], got)});
          if (sel.index < 0) return;
          // A buffered mesh may never block; fibers are not preempted, so give the
          // closer and the other fibers of this thread their turn.
          boost::this_fiber::yield();
          if (sel.index == 0) sent[i].fetch_add(1);
          if (sel.index == 1 && got) {
            received[j].fetch_add(1);
            g_values.fetch_add(1);
          }
        }
      });
    s.join();
  }
  for (std::size_t i = 0; i < nchans; ++i) {
    std::uint64_t left = 0;
    while (chans[i].try_recv()) ++left;
    if (sent[i] != received[i] + left)
      check.fail("select mesh: channel " + std::to_string(i) + " took " +
                 std::to_string(sent[i].load()) + " values but gave " +
                 std::to_string(received[i].load()) + " and kept " + std::to_string(left));
  }
}

enum class Closer { pool_fiber, plain_thread, none };
const char* kShapes[] = {"pipeline", "fan-out", "ping-tree", "select-mesh"};
const char* kClosers[] = {"a pool fiber", "a plain thread", "nobody (finishes first)"};

// Closes DoneSources on a thread outside the pool, as a signal handler or an
// I/O thread would.
class PlainCloser {
 public:
  PlainCloser() : t_([this] { loop(); }) {}
  ~PlainCloser() {
    {
      std::lock_guard<std::mutex> lk(m_);
      quit_ = true;
    }
    cv_.notify_all();
    t_.join();
  }
  // Closes `src` after `spins` yields of that thread; wait_closed() waits for it.
  void close_later(DoneSource* src, unsigned spins) {
    std::lock_guard<std::mutex> lk(m_);
    src_ = src;
    spins_ = spins;
    cv_.notify_all();
  }
  void wait_closed() {
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait(lk, [this] { return src_ == nullptr; });
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      cv_.wait(lk, [this] { return quit_ || src_ != nullptr; });
      if (src_ == nullptr) return;
      DoneSource* src = src_;
      const unsigned spins = spins_;
      lk.unlock();
      for (unsigned i = 0; i < spins; ++i) std::this_thread::yield();
      src->close();
      lk.lock();
      src_ = nullptr;
      cv_.notify_all();
    }
  }
  std::mutex m_;
  std::condition_variable cv_;
  DoneSource* src_ = nullptr;
  unsigned spins_ = 0;
  bool quit_ = false;
  std::thread t_;
};

struct Settings {
  std::uint64_t runs = 10000;
  std::uint64_t threads = 4;
  bool work_stealing = true;
  std::uint64_t seed = 1;
  std::uint64_t timeout_s = 10;
};

// Without `suspend`: an idle thread keeps looking for work (to steal, or in the
// shared queue). With it, an idle thread sleeps until a fiber it owns is woken from
// elsewhere, and fibers started on the driver thread would never leave it.
void use_algorithm(const Settings& s) {
  if (s.work_stealing) {
    boost::fibers::use_scheduling_algorithm<boost::fibers::algo::work_stealing>(
        static_cast<std::uint32_t>(s.threads), false);
  } else {
    boost::fibers::use_scheduling_algorithm<boost::fibers::algo::shared_work>(false);
  }
  untracked_thread();
}

// One run: returns an empty string or what went wrong.
std::string one_run(const Settings& set, std::uint64_t index, PlainCloser& plain, long counts[3]) {
  sched::Rng rng(sched::mix(set.seed, index));
  const std::size_t shape = rng.below(4);
  // ping-tree and select-mesh only end when done closes.
  Closer closer = static_cast<Closer>(rng.below(shape >= 2 ? 2 : 3));
  const std::uint64_t n = closer == Closer::none ? 1 + rng.below(200) : kEndless;
  const unsigned delay = static_cast<unsigned>(rng.below(300));
  ++counts[static_cast<int>(closer)];

  // Shared with the fibers, which may still be unlocking after the run is over.
  struct Sync {
    boost::fibers::mutex m;
    boost::fibers::condition_variable cv;
    bool finished = false;
    Check check;
  };
  auto sync = std::make_shared<Sync>();
  auto root = std::make_shared<DoneSource>("stress-root");
  boost::fibers::fiber([sync, n, done = root->done(), seed = rng.next(), shape] {
    {
      Alive a;
      Check& check = sync->check;
      sched::Rng r(seed);
      switch (shape) {
        case 0:
          pipeline(done, r, n, check);
          break;
        case 1:
          fan_out(done, r, n, check);
          break;
        case 2:
          ping_tree(done, r, static_cast<int>(1 + r.below(3)));
          break;
        default:
          select_mesh(done, r, check);
          break;
      }
    }
    std::lock_guard<boost::fibers::mutex> lk(sync->m);
    sync->finished = true;
    sync->cv.notify_all();
  }).detach();

  if (closer == Closer::pool_fiber) {
    boost::fibers::fiber([root, delay] {
      Alive a;
      for (unsigned i = 0; i < delay; ++i) boost::this_fiber::yield();
      root->close();
    }).detach();
  } else if (closer == Closer::plain_thread) {
    plain.close_later(root.get(), delay);
  }

  const auto deadline = Clock::now() + std::chrono::seconds(set.timeout_s);
  std::string what =
      std::string(kShapes[shape]) + " closed by " + kClosers[static_cast<int>(closer)];
  {
    std::unique_lock<boost::fibers::mutex> lk(sync->m);
    if (!sync->cv.wait_until(lk, deadline, [&] { return sync->finished; }))
      return what + ": the root fiber did not return within " + std::to_string(set.timeout_s) +
             " s (done closed: " + (root->closed() ? "yes" : "no") + ")";
  }
  if (closer == Closer::plain_thread) plain.wait_closed();
  // The closer fiber and go() watchers end on their own once done is closed.
  root->close();
  while (g_live.load() != 0) {
    if (Clock::now() > deadline)
      return what + ": " + std::to_string(g_live.load()) + " fiber(s) still running " +
             std::to_string(set.timeout_s) + " s after done closed";
    boost::this_fiber::sleep_for(std::chrono::microseconds(20));
  }
  std::lock_guard<std::mutex> lk(sync->check.m);
  if (!sync->check.error.empty()) return what + ": " + sync->check.error;
  return "";
}

Settings settings_of(const CLI::App& stress) {
  Settings set;
  set.runs = whole(stress, "--runs", 10000, 1, 100000000);
  set.threads = whole(stress, "--threads", 4, 2, 64);
  set.seed = whole(stress, "--seed", 1, 0, ~0ull);
  set.timeout_s = whole(stress, "--timeout", 10, 1, 3600);
  if (const auto algo = text(stress, "--algo")) {
    if (*algo == "shared-work") {
      set.work_stealing = false;
    } else if (*algo != "work-stealing") {
      throw UsageError("stress: --algo '" + algo->substr(0, 40) +
                       "' is not a scheduler; expected work-stealing or shared-work");
    }
  }
  return set;
}

}  // namespace

CLI::App* add_stress(CLI::App& tool) {
  CLI::App* stress =
      add_command(tool, "stress",
                  "correct trees on a pool of threads under Boost's multi-thread schedulers\n"
                  "(real races): closing done must end every fiber of every run");
  add_value(*stress, "--runs", "N", "runs, 1..100000000 (default 10000)");
  add_value(*stress, "--threads", "T", "threads in the pool, 2..64 (default 4)");
  add_value(*stress, "--algo", "A", "work-stealing | shared-work (default work-stealing)");
  add_value(*stress, "--seed", "S", "draws the trees and closers (default 1)");
  add_value(*stress, "--timeout", "T", "seconds a run may take to end, 1..3600 (default 10)");
  stress->footer(
      "exit status: 0 every run ended, 1 a run did not end or lost a value (the rerun command\n"
      "is printed), 2 bad input, 3 internal error\n"
      "example: fibercheck stress --runs 200 --threads 3 --algo shared-work");
  return stress;
}

int cmd_stress(const CLI::App& stress) {
  const Settings set = settings_of(stress);
  const char* algo = set.work_stealing ? "work-stealing" : "shared-work";
  std::printf("stress: %llu runs on %llu threads (%s), seed %llu\n",
              static_cast<unsigned long long>(set.runs),
              static_cast<unsigned long long>(set.threads), algo,
              static_cast<unsigned long long>(set.seed));
  std::fflush(stdout);

  // Boost's multi-thread algorithms need every thread of the pool registered before
  // fibers move between them; the pool threads then sleep in a fiber wait, which
  // lets their dispatchers run (and steal) the trees' fibers.
  boost::fibers::mutex stop_m;
  boost::fibers::condition_variable stop_cv;
  bool stop = false;
  // Boost's remote wake (scheduler::schedule_from_remote) still reads the woken
  // thread's scheduler after it has queued the context; a pool thread that woke and
  // returned at once could destroy that scheduler first (ThreadSanitizer saw it). Pool
  // threads return only once the wake that stopped them has returned.
  std::atomic<bool> stop_notified{false};
  std::mutex ready_m;
  std::condition_variable ready_cv;
  std::uint64_t ready = 0;
  auto registered = [&] {
    std::lock_guard<std::mutex> lk(ready_m);
    ++ready;
    ready_cv.notify_all();
  };
  g_main_thread = std::this_thread::get_id();
  std::vector<std::thread> pool;
  for (std::uint64_t t = 1; t < set.threads; ++t)
    pool.emplace_back([&] {
      use_algorithm(set);
      registered();
      {
        std::unique_lock<boost::fibers::mutex> lk(stop_m);
        stop_cv.wait(lk, [&] { return stop; });
      }
      while (!stop_notified.load(std::memory_order_acquire)) std::this_thread::yield();
    });
  use_algorithm(set);
  registered();
  {
    std::unique_lock<std::mutex> lk(ready_m);
    ready_cv.wait(lk, [&] { return ready == set.threads; });
  }

  PlainCloser plain;
  long counts[3] = {0, 0, 0};
  const auto start = Clock::now();
  std::string failure;
  std::uint64_t done_runs = 0;
  for (; done_runs < set.runs && failure.empty(); ++done_runs) {
    failure = one_run(set, done_runs, plain, counts);
    if (failure.empty() && (done_runs + 1) % 1000 == 0) {
      std::printf("  %llu runs ended cleanly\n", static_cast<unsigned long long>(done_runs + 1));
      std::fflush(stdout);
    }
  }
  const double secs = std::chrono::duration<double>(Clock::now() - start).count();
  if (!failure.empty()) {
    std::printf("FAILED at run %llu (seed %llu): %s\n",
                static_cast<unsigned long long>(done_runs - 1),
                static_cast<unsigned long long>(set.seed), failure.c_str());
    std::printf("rerun: fibercheck stress --runs %llu --threads %llu --algo %s --seed %llu\n",
                static_cast<unsigned long long>(done_runs),
                static_cast<unsigned long long>(set.threads), algo,
                static_cast<unsigned long long>(set.seed));
    std::fflush(stdout);
    // Fibers still blocked would hang the pool threads at exit: Boost.Fiber's scheduler
    // waits for them forever.
    std::_Exit(1);
  }
  std::printf(
      "every run ended: %llu runs in %.1f s; done closed by a pool fiber %ld, by a plain thread "
      "%ld, trees that finished first %ld; %ld values received; %ld fibers, %ld of them began on "
      "another "
      "thread than the driver's, %ld ended on another thread than they began\n",
      static_cast<unsigned long long>(done_runs), secs, counts[0], counts[1], counts[2],
      g_values.load(), g_fibers.load(), g_off_main.load(), g_moved.load());
  std::fflush(stdout);
  {
    std::lock_guard<boost::fibers::mutex> lk(stop_m);
    stop = true;
  }
  stop_cv.notify_all();
  stop_notified.store(true, std::memory_order_release);
  for (std::thread& t : pool) t.join();
  return 0;
}

}  // namespace fibercheck::cli
