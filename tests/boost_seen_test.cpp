// Unit tests for what the census says of plain Boost.Fiber fibers parked in Boost.Fiber's
// own primitives under fibercheck::run: the operation and primitive, which object, the
// blocking line and the spawn line; and the stacks of RunOptions::capture_stacks.
#include <gtest/gtest.h>

#include <boost/fiber/all.hpp>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "fibercheck/census.hpp"
#include "fibercheck/chan.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

namespace bf = boost::fibers;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Inside a run: yields until `n` fibers are blocked, then returns that census.
std::vector<FiberInfo> census_when_blocked(std::size_t n) {
  for (;;) {
    std::vector<FiberInfo> c = census();
    std::size_t blocked = 0;
    for (const FiberInfo& f : c) blocked += f.state == FiberState::blocked ? 1 : 0;
    if (blocked >= n) return c;
    boost::this_fiber::yield();
  }
}

// What one case expects of its fiber's census entry.
struct Expect {
  std::string what;  // blocked_on starts with it
  unsigned blocked_line = 0;
  unsigned spawn_line = 0;
};

// The census of a run where every kind of Boost.Fiber wait holds one plain fiber, all
// blocked at once, and what each entry should say (by fiber id). The census is taken
// inside the run, then every fiber is let go so that the run ends cleanly.
struct EveryWait {
  std::vector<FiberInfo> seen;
  std::map<std::uint64_t, Expect> expect;
};

EveryWait block_in_every_boost_wait(bool capture_stacks) {
  // fifo lets virtual time pass only when every fiber is blocked: a random strategy may
  // end the hour-long pop_wait_for early, and the census would never see it blocked.
  RunOptions o = test::with(sched::StrategyKind::fifo);
  o.capture_stacks = capture_stacks;
  std::map<std::uint64_t, Expect> expect;  // by fiber id
  std::vector<FiberInfo> seen;
  Outcome out = run(
      [&] {
        bf::buffered_channel<int> bch{4};
        bf::buffered_channel<int> full{2};
        full.push(0);  // capacity 2 holds one value: full
        bf::unbuffered_channel<int> uch_pop;
        bf::unbuffered_channel<int> uch_push;
        bf::mutex m;
        bf::mutex cv_m;
        bf::condition_variable cv;
        bf::condition_variable_any cv_any;
        bool go_on = false;
        bf::promise<int> prom;
        bf::future<int> fut = prom.get_future();
        bf::barrier bar{2};
        bf::buffered_channel<int> inner_gate{2};
        bf::buffered_channel<int> timed{2};
        bool stop_sleeping = false;
        std::map<std::string, unsigned> at;  // blocking lines, by case

        m.lock();  // root holds it: the locker blocks
        std::vector<bf::fiber> fs;
        std::vector<std::pair<std::string, unsigned>> spawned;  // case, spawn line
        fs.reserve(16);
        // The spawn site is the line that constructs the fiber: the one in spawn() for
        // these; the join case below constructs its inner fiber itself.
        const unsigned spawn_line = __LINE__ + 2;
        auto spawn = [&](const std::string& name, unsigned line, std::function<void()> fn) {
          fs.emplace_back(std::move(fn));
          spawned.emplace_back(name, line);
        };
        spawn("buffered pop", spawn_line, [&] {
          int v = 0;
          at["buffered pop"] = __LINE__, (void)bch.pop(v);
        });
        spawn("buffered pop 2", spawn_line, [&] {
          int v = 0;
          at["buffered pop 2"] = __LINE__, (void)bch.pop(v);
        });
        spawn("buffered push", spawn_line,
              [&] { at["buffered push"] = __LINE__, (void)full.push(1); });
        spawn("unbuffered pop", spawn_line, [&] {
          int v = 0;
          at["unbuffered pop"] = __LINE__, (void)uch_pop.pop(v);
        });
        spawn("unbuffered push", spawn_line,
              [&] { at["unbuffered push"] = __LINE__, (void)uch_push.push(1); });
        spawn("mutex", spawn_line, [&] {
          at["mutex"] = __LINE__, m.lock();
          m.unlock();
        });
        spawn("cv", spawn_line, [&] {
          std::unique_lock<bf::mutex> lk(cv_m);
          // Without a predicate: a lambda predicate's inlined levels have no qualified
          // name, and would read as the condition_variable_any underneath.
          while (!go_on) at["cv"] = __LINE__, cv.wait(lk);
        });
        spawn("cv_any", spawn_line, [&] {
          std::unique_lock<bf::mutex> lk(cv_m);
          while (!go_on) at["cv_any"] = __LINE__, cv_any.wait(lk);
        });
        spawn("future", spawn_line, [&] { at["future"] = __LINE__, (void)fut.get(); });
        spawn("barrier", spawn_line, [&] { at["barrier"] = __LINE__, (void)bar.wait(); });
        spawn("pop_wait_for", spawn_line, [&] {
          int v = 0;
          at["pop_wait_for"] = __LINE__, (void)timed.pop_wait_for(v, std::chrono::hours(1));
        });
        spawn("sleep_for", spawn_line, [&] {
          while (!stop_sleeping)
            at["sleep_for"] = __LINE__, boost::this_fiber::sleep_for(std::chrono::milliseconds(20));
        });
        unsigned inner_spawn = 0;
        spawn("join", spawn_line, [&] {
          auto body = [&] {
            int v = 0;
            (void)inner_gate.pop(v);
          };
          inner_spawn = __LINE__ + 1;
          bf::fiber inner(body);
          at["join"] = __LINE__, inner.join();
        });

        seen = census_when_blocked(fs.size() + 1);  // and the join's inner fiber
        for (const FiberInfo& f : seen) {
          if (f.path == "root") continue;
          // Plain fibers are numbered in creation order after root (#1): the cases in order,
          // except the join's inner fiber, made last.
          const std::size_t i = f.id - 2;
          if (i < spawned.size()) {
            const auto& [name, line] = spawned[i];
            expect[f.id] = Expect{name, at[name], line};
          } else {
            expect[f.id] = Expect{"inner", 0, inner_spawn};
          }
        }

        // Let every fiber go.
        bch.push(1);
        bch.push(2);
        int v = 0;
        (void)full.pop(v);
        (void)uch_pop.push(3);
        (void)uch_push.pop(v);
        m.unlock();
        {
          std::unique_lock<bf::mutex> lk(cv_m);
          go_on = true;
        }
        cv.notify_all();
        cv_any.notify_all();
        prom.set_value(4);
        (void)bar.wait();
        (void)timed.push(5);
        stop_sleeping = true;
        (void)inner_gate.push(6);
        for (bf::fiber& f : fs) f.join();
      },
      o);
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  return EveryWait{seen, expect};
}

const std::map<std::string, std::string>& expected_text() {
  static const std::map<std::string, std::string> what = {
      {"buffered pop", "pop on boost::fibers::buffered_channel<int> (object "},
      {"buffered pop 2", "pop on boost::fibers::buffered_channel<int> (object "},
      {"buffered push", "push on boost::fibers::buffered_channel<int> (object "},
      {"unbuffered pop", "pop on boost::fibers::unbuffered_channel<int> (object "},
      {"unbuffered push", "push on boost::fibers::unbuffered_channel<int>"},
      {"mutex", "lock on boost::fibers::mutex (object "},
      {"cv", "wait on boost::fibers::condition_variable (object "},
      {"cv_any", "wait on boost::fibers::condition_variable_any (object "},
      {"future", "get on boost::fibers::future<int> (object "},
      {"barrier", "wait on boost::fibers::barrier (object "},
      {"pop_wait_for", "pop_wait_for on boost::fibers::buffered_channel<int> (object "},
      {"sleep_for", "sleep_for"},
      {"join", "join on boost::fibers::fiber (object "},
      {"inner", "pop on boost::fibers::buffered_channel<int> (object "},
  };
  return what;
}

// With stacks captured (as the harness replays a failing case for its report), every
// entry has the primitive, the object, the exact blocking line and the spawn line.
TEST(BoostSeen, EachBoostWaitNamesItsPrimitiveBlockingLineAndSpawnLine) {
  auto [seen, expect] = block_in_every_boost_wait(true);
  const auto& what = expected_text();

  ASSERT_EQ(expect.size(), 14u) << format(seen);
  for (const FiberInfo& f : seen) {
    if (f.path == "root") continue;
    const Expect& e = expect[f.id];
    SCOPED_TRACE(e.what + "\n" + format(seen));
    EXPECT_EQ(f.state, FiberState::blocked);
    EXPECT_TRUE(f.in_boost_wait);
    EXPECT_FALSE(f.in_fibercheck_wait);
    EXPECT_TRUE(f.plain);
    EXPECT_TRUE(starts_with(f.blocked_on, what.at(e.what))) << f.blocked_on;
    EXPECT_TRUE(ends_with(f.file, "boost_seen_test.cpp")) << f.file;
    EXPECT_EQ(f.line, e.spawn_line);
    if (e.what != "inner") {
      EXPECT_TRUE(ends_with(f.blocked_file, "boost_seen_test.cpp")) << f.blocked_file;
      EXPECT_EQ(f.blocked_line, e.blocked_line);
    }
    EXPECT_FALSE(f.stack.empty());
  }
  // The two fibers popping from one channel wait on one object, and each says so.
  FiberInfo a, b;
  for (const FiberInfo& f : seen) {
    if (expect[f.id].what == "buffered pop") a = f;
    if (expect[f.id].what == "buffered pop 2") b = f;
  }
  const std::string object = a.blocked_on.substr(0, a.blocked_on.find(", also"));
  EXPECT_EQ(a.blocked_on, object + ", also waited on by #" + std::to_string(b.id) + ")");
  EXPECT_EQ(b.blocked_on, object + ", also waited on by #" + std::to_string(a.id) + ")");
}

// Without stack capture (the search), a spawn or a park costs no unwinding: every entry
// still names its primitive, a header primitive inlined into the program (a channel, a
// condition variable, a future, a sleep) its blocking line, and no spawn site is known.
// A park inside libboost_fiber.so (mutex, barrier, join) has no line: the program's
// frame is further up the stack, which is not taken.
TEST(BoostSeen, WithoutCaptureEachBoostWaitStillNamesItsPrimitive) {
  auto [seen, expect] = block_in_every_boost_wait(false);
  const auto& what = expected_text();
  ASSERT_EQ(expect.size(), 14u) << format(seen);
  for (const FiberInfo& f : seen) {
    if (f.path == "root") continue;
    const Expect& e = expect[f.id];
    SCOPED_TRACE(e.what + "\n" + format(seen));
    EXPECT_TRUE(f.in_boost_wait);
    EXPECT_TRUE(starts_with(f.blocked_on, what.at(e.what))) << f.blocked_on;
    if (e.what == "mutex" || e.what == "barrier" || e.what == "join") {
      EXPECT_TRUE(f.blocked_file.empty()) << f.blocked_file;
    }
    EXPECT_TRUE(f.file.empty());
    EXPECT_EQ(f.site(), "unknown site (plain boost fiber)");
    EXPECT_TRUE(f.stack.empty());
  }
}

// The census line of a Boost wait says the primitive, the blocking site and the spawn
// site.
TEST(BoostSeen, FormatShowsTheBlockingAndSpawnSitesOfABoostWait) {
  std::vector<FiberInfo> seen;
  unsigned spawn_line = 0;
  unsigned wait_line = 0;
  RunOptions o;
  o.capture_stacks = true;
  Outcome out = run(
      [&] {
        bf::buffered_channel<int> ch{2};
        auto body = [&] {
          int v = 0;
          wait_line = __LINE__, (void)ch.pop(v);
        };
        spawn_line = __LINE__ + 1;
        bf::fiber f(body);
        seen = census_when_blocked(1);
        (void)ch.push(1);
        f.join();
      },
      o);
  ASSERT_EQ(out.verdict, Verdict::finished) << out.summary();
  const std::string line = format(seen);
  EXPECT_NE(line.find(" root/fiber-2 blocked at "), std::string::npos) << line;
  EXPECT_NE(line.find("boost_seen_test.cpp:" + std::to_string(wait_line) +
                      ": pop on boost::fibers::buffered_channel<int> (object 1) since step "),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("boost_seen_test.cpp:" + std::to_string(spawn_line) + "]"), std::string::npos)
      << line;
}

// Kept out of line so that the stack names it.
[[gnu::noinline]] void pop_in_named_function(bf::buffered_channel<int>& ch) {
  int v = 0;
  (void)ch.pop(v);
  asm volatile("");  // not a tail call: this frame stays on the stack
}

[[gnu::noinline]] void recv_in_named_function(Chan<int> ch) {
  (void)ch.recv();
  asm volatile("");
}

std::vector<FiberInfo> stacks_run(bool capture) {
  RunOptions o;
  o.capture_stacks = capture;
  std::vector<FiberInfo> seen;
  Outcome out = run(
      [&] {
        bf::buffered_channel<int> ch{2};
        Chan<int> fc(0, "fc");
        bf::fiber f([&] { pop_in_named_function(ch); });
        bf::fiber g([&] { recv_in_named_function(fc); });
        seen = census_when_blocked(2);
        (void)ch.push(1);
        (void)fc.send(2);
        f.join();
        g.join();
      },
      o);
  EXPECT_EQ(out.verdict, Verdict::finished) << out.summary();
  return seen;
}

bool any_line_has(const std::vector<std::string>& lines, std::string_view part) {
  for (const std::string& l : lines)
    if (l.find(part) != std::string::npos) return true;
  return false;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string s;
  for (const std::string& l : lines) s += "  " + l + "\n";
  return s;
}

// With capture_stacks, a blocked fiber's stack names the program's function, and for a
// Boost wait the primitive it waits in.
TEST(BoostSeen, CaptureStacksGivesEachBlockedFiberItsStack) {
  const std::vector<FiberInfo> seen = stacks_run(true);
  const FiberInfo boost_wait = test::find_path(seen, "root/fiber-2");
  const FiberInfo fc_wait = test::find_path(seen, "root/fiber-3");
  ASSERT_TRUE(boost_wait.in_boost_wait) << format(seen);
  EXPECT_TRUE(any_line_has(boost_wait.stack, "pop_in_named_function")) << joined(boost_wait.stack);
  EXPECT_TRUE(any_line_has(boost_wait.stack, "boost::fibers::buffered_channel<int>::pop"))
      << joined(boost_wait.stack);
  EXPECT_TRUE(any_line_has(boost_wait.stack, "boost_seen_test.cpp:")) << joined(boost_wait.stack);
  // fibercheck's hook is left out: the stack starts at the primitive.
  EXPECT_FALSE(any_line_has(boost_wait.stack, "note_boost_park")) << joined(boost_wait.stack);
  ASSERT_TRUE(fc_wait.in_fibercheck_wait) << format(seen);
  EXPECT_TRUE(any_line_has(fc_wait.stack, "recv_in_named_function")) << joined(fc_wait.stack);
  // A fibercheck wait's stack starts at the program's frame; its text names the wait.
  ASSERT_FALSE(fc_wait.stack.empty());
  EXPECT_NE(fc_wait.stack.front().find("recv_in_named_function"), std::string::npos)
      << joined(fc_wait.stack);
}

TEST(BoostSeen, WithoutCaptureStacksNoStackIsKept) {
  for (const FiberInfo& f : stacks_run(false)) EXPECT_TRUE(f.stack.empty()) << joined(f.stack);
}

}  // namespace
}  // namespace fibercheck
