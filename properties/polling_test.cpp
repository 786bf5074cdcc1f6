// Polling is correct Go: a fiber may spin on a select with a default case until
// another fiber closes a channel, and Go's preemptive, fair scheduler lets the others
// run meanwhile. fibercheck's strategies are unfair on purpose (replay's default keeps
// the running fiber, PCT runs the fiber on top), so every run turns fair after
// RunOptions::fair_after_steps steps. These properties check both halves of that:
//
//  - NoStrategyStarvesACorrectPoller: random small correct polling programs end clean
//    under random, PCT, FIFO, replay's non-preemptive default and replay with its own
//    fair switch (StrategySpec::fair_from_step), over thousands of schedules.
//  - StrategiesStarveAPollerUntilTheRunTurnsFair: the first property is not vacuous.
//    Without the fair fallback, the same kind of program under PCT or replay's default
//    starves: it is still running when the step budget runs out.
//
// A program is plain data drawn before any fiber starts. The closer first exchanges
// values with a helper fiber, then closes `closed`; one or more pollers spin until they
// see it closed; feeders fill a buffered channel some pollers also drain; independent
// sender/receiver pairs add other ready fibers. Every fiber ends in every schedule.
//
// Both tests start RapidCheck, or their own sampling, from a fixed seed and print it on
// failure; RC_PARAMS="seed=N" replaces it, RC_PARAMS="max_success=N" the case count.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <iostream>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "fibercheck/fibercheck.hpp"
#include "fibercheck/harness/check.hpp"
#include "fibercheck/sched/rng.hpp"

namespace fibercheck::props {

namespace {

using sched::StrategyKind;

// How a poller asks whether `closed` is closed yet, without blocking.
enum class Poll : std::uint8_t {
  select_default,  // select_or_default on closed alone
  select_feed,     // select_or_default on the feed (taking values) and closed
  select_nil,      // select_or_default on a nil channel (never ready) and closed
  try_recv,        // closed.try_recv() until it reports closed
  query,           // closed.closed()
};

// What the closer does with the helper before it closes `closed`.
enum class Work : std::uint8_t {
  recv,           // receives n values the helper sends
  send,           // sends n values the helper receives
  request_reply,  // n rounds: sends a request, receives the reply
  range,          // receives until the helper, having sent n values, closes the channel
};

// What the root does once it has started every fiber.
enum class RootEnd : std::uint8_t {
  returns,  // nothing: the fibers it started go on without it
  waits,    // a blocking receive on closed, which returns once closed closes
  polls,    // spins like a select_default poller
};

struct Poller {
  Poll form = Poll::select_default;
  bool yields = false;     // yield() between polls (a plain spin otherwise)
  bool with_done = false;  // the select also watches the root's done (which stays open)
};

struct Pair {
  std::size_t cap = 0;
  int values = 1;
  bool range = false;              // the sender closes; the receiver drains until closed
  bool started_by_sender = false;  // the sender starts its receiver (else the root does)
};

struct Program {
  std::vector<Poller> pollers;  // 1 to 3
  Work work = Work::recv;
  int work_values = 1;
  std::size_t work_cap = 0;
  bool helper_started_by_closer = false;
  int feeders = 0;  // each sends feed_values into a buffered channel that never fills
  int feed_values = 1;
  std::vector<Pair> pairs;
  RootEnd root_end = RootEnd::returns;
  // The root starts its fibers in this order: element i picks among the slots not yet
  // started (0: the first left), so all zeros is the natural order and shrinks to it.
  std::vector<int> order;
};

const char* name(Poll p) {
  switch (p) {
    case Poll::select_default:
      return "select-default";
    case Poll::select_feed:
      return "select-feed";
    case Poll::select_nil:
      return "select-nil";
    case Poll::try_recv:
      return "try-recv";
    case Poll::query:
      return "query";
  }
  return "?";
}

const char* name(Work w) {
  switch (w) {
    case Work::recv:
      return "recv";
    case Work::send:
      return "send";
    case Work::request_reply:
      return "request-reply";
    case Work::range:
      return "range";
  }
  return "?";
}

const char* name(RootEnd e) {
  switch (e) {
    case RootEnd::returns:
      return "returns";
    case RootEnd::waits:
      return "waits";
    case RootEnd::polls:
      return "polls";
  }
  return "?";
}

[[maybe_unused]] std::ostream& operator<<(std::ostream& os, const Program& p) {
  os << "pollers:";
  for (const Poller& q : p.pollers)
    os << " " << name(q.form) << (q.yields ? "+yield" : "") << (q.with_done ? "+done" : "");
  os << "; closer " << name(p.work) << " x" << p.work_values << " cap " << p.work_cap
     << (p.helper_started_by_closer ? ", starts its helper" : "") << "; feeders " << p.feeders
     << " x" << p.feed_values << "; pairs:";
  for (const Pair& q : p.pairs)
    os << " (cap " << q.cap << " x" << q.values << (q.range ? " range" : "")
       << (q.started_by_sender ? " sender-starts" : "") << ")";
  if (p.pairs.empty()) os << " none";
  os << "; root " << name(p.root_end) << "; order";
  for (int i : p.order) os << " " << i;
  return os;
}

// Top-level fibers the root starts: pollers, the closer, the helper unless the closer
// starts it, feeders, pair senders, and receivers their sender does not start.
std::size_t root_slots(const Program& p) {
  std::size_t n = p.pollers.size() + 1 + (p.helper_started_by_closer ? 0 : 1) +
                  static_cast<std::size_t>(p.feeders);
  for (const Pair& q : p.pairs) n += q.started_by_sender ? 1 : 2;
  return n;
}

rc::Gen<Program> gen_program() {
  return rc::gen::exec([] {
    Program p;
    const int pollers = *rc::gen::inRange(1, 4);
    for (int i = 0; i < pollers; ++i) {
      Poller q;
      q.form = *rc::gen::element(Poll::select_default, Poll::select_feed, Poll::select_nil,
                                 Poll::try_recv, Poll::query);
      q.yields = *rc::gen::weightedElement<bool>({{3, false}, {1, true}});
      q.with_done = *rc::gen::arbitrary<bool>();
      p.pollers.push_back(q);
    }
    p.work = *rc::gen::element(Work::recv, Work::send, Work::request_reply, Work::range);
    p.work_values = *rc::gen::inRange(1, 4);
    p.work_cap = *rc::gen::inRange<std::size_t>(0, 3);
    p.helper_started_by_closer = *rc::gen::arbitrary<bool>();
    p.feeders = *rc::gen::inRange(0, 3);
    p.feed_values = *rc::gen::inRange(1, 4);
    const int pairs = *rc::gen::inRange(0, 3);
    for (int i = 0; i < pairs; ++i) {
      Pair q;
      q.cap = *rc::gen::inRange<std::size_t>(0, 2);
      q.values = *rc::gen::inRange(1, 4);
      q.range = *rc::gen::arbitrary<bool>();
      q.started_by_sender = *rc::gen::arbitrary<bool>();
      p.pairs.push_back(q);
    }
    p.root_end = *rc::gen::element(RootEnd::returns, RootEnd::waits, RootEnd::polls);
    const std::size_t slots = root_slots(p);
    for (std::size_t left = slots; left > 0; --left)
      p.order.push_back(*rc::gen::inRange(0, static_cast<int>(left)));
    return p;
  });
}

// What the fibers of one run report, to check that each did its part.
struct Tally {
  int pollers_saw_closed = 0;  // polls that ended on closed (the root's included)
  int closes = 0;              // close() calls that closed `closed`
  int helper_done = 0;
  int feeders_done = 0;
  int pairs_received = 0;  // values received by pair receivers
};

// One poll of `closed` in `form`; true once the poller sees it closed.
bool poll_once(Poll form, const Done& done, const Chan<int>& closed, const Chan<int>& feed) {
  switch (form) {
    case Poll::select_default: {
      Recv<int> r;
      const Selected s = select_or_default(done, {on_recv(closed, r)});
      return s.index == 0 && s.status == Status::closed;
    }
    case Poll::select_feed: {
      Recv<int> v, r;
      const Selected s = select_or_default(done, {on_recv(feed, v), on_recv(closed, r)});
      return s.index == 1 && s.status == Status::closed;
    }
    case Poll::select_nil: {
      const Chan<int> nil;
      Recv<int> n, r;
      const Selected s = select_or_default(done, {on_recv(nil, n), on_recv(closed, r)});
      return s.index == 1 && s.status == Status::closed;
    }
    case Poll::try_recv:
      return closed.try_recv().status == Status::closed;
    case Poll::query:
      return closed.closed();
  }
  return false;
}

void poll_until_closed(const Poller& q, const Done& root_done, const Chan<int>& closed,
                       const Chan<int>& feed, Tally& t) {
  const Done done = q.with_done ? root_done : Done();
  while (!poll_once(q.form, done, closed, feed))
    if (q.yields) yield();
  ++t.pollers_saw_closed;
}

// The root function of program `p`; `t` receives what the fibers did.
void run_program(const Program& p, Tally& t, Done done) {
  const Chan<int> closed(0, "closed");
  const Chan<int> msg(p.work_cap, "msg");
  const Chan<int> reply(p.work_cap, "reply");
  const Chan<int> feed(static_cast<std::size_t>(std::max(1, p.feeders * p.feed_values)), "feed");

  const int n = p.work_values;
  const Work work = p.work;
  auto helper = [msg, reply, n, work, &t] {
    for (int i = 0; i < n; ++i) {
      switch (work) {
        case Work::recv:
        case Work::range:
          (void)msg.send(i);
          break;
        case Work::send:
          (void)msg.recv();
          break;
        case Work::request_reply:
          if (msg.recv()) (void)reply.send(i);
          break;
      }
    }
    if (work == Work::range) (void)msg.close();
    ++t.helper_done;
  };

  std::vector<std::function<void()>> slots;
  for (std::size_t i = 0; i < p.pollers.size(); ++i)
    slots.push_back([q = p.pollers[i], i, done, closed, feed, &t] {
      go("poller-" + std::to_string(i),
         [q, done, closed, feed, &t] { poll_until_closed(q, done, closed, feed, t); });
    });
  slots.push_back([&p, closed, msg, reply, n, work, helper, &t] {
    go("closer", [starts = p.helper_started_by_closer, closed, msg, reply, n, work, helper, &t] {
      if (starts) go("helper", helper);
      switch (work) {
        case Work::recv:
          for (int i = 0; i < n; ++i) (void)msg.recv();
          break;
        case Work::send:
          for (int i = 0; i < n; ++i) (void)msg.send(i);
          break;
        case Work::request_reply:
          for (int i = 0; i < n; ++i)
            if (msg.send(i) == Status::ok) (void)reply.recv();
          break;
        case Work::range:
          while (msg.recv()) {
          }
          break;
      }
      if (closed.close()) ++t.closes;
    });
  });
  if (!p.helper_started_by_closer) slots.push_back([helper] { go("helper", helper); });
  for (int f = 0; f < p.feeders; ++f)
    slots.push_back([f, feed, k = p.feed_values, &t] {
      go("feeder-" + std::to_string(f), [feed, k, &t] {
        for (int i = 0; i < k; ++i) (void)feed.send(i);
        ++t.feeders_done;
      });
    });
  for (std::size_t i = 0; i < p.pairs.size(); ++i) {
    const Pair q = p.pairs[i];
    const Chan<int> ch(q.cap, "pair-" + std::to_string(i));
    auto receiver = [q, ch, &t] {
      if (q.range) {
        while (ch.recv()) ++t.pairs_received;
      } else {
        for (int k = 0; k < q.values; ++k)
          if (ch.recv()) ++t.pairs_received;
      }
    };
    const std::string suffix = std::to_string(i);
    slots.push_back([q, ch, receiver, suffix] {
      go("sender-" + suffix, [q, ch, receiver, suffix] {
        if (q.started_by_sender) go("receiver-" + suffix, receiver);
        for (int k = 0; k < q.values; ++k) (void)ch.send(k);
        if (q.range) (void)ch.close();
      });
    });
    if (!q.started_by_sender)
      slots.push_back([receiver, suffix] { go("receiver-" + suffix, receiver); });
  }

  // A pick past the end takes the last slot; slots no pick took start last.
  for (int pick : p.order) {
    if (slots.empty()) break;
    const std::size_t k = std::min(static_cast<std::size_t>(pick), slots.size() - 1);
    slots[k]();
    slots.erase(slots.begin() + static_cast<std::ptrdiff_t>(k));
  }
  for (auto& s : slots) s();

  switch (p.root_end) {
    case RootEnd::returns:
      break;
    case RootEnd::waits:
      (void)closed.recv();
      break;
    case RootEnd::polls:
      poll_until_closed(Poller{}, done, closed, feed, t);
      break;
  }
}

// A run of `p`, with what its fibers did, and whether they all did their part.
struct Result {
  Outcome out;
  Tally tally;
  std::string problem;  // empty: clean, and every fiber did its part
};

Result run_checked(const Program& p, const RunOptions& o) {
  Result r;
  r.out = run([&](Done d) { run_program(p, r.tally, d); }, o);
  int pair_values = 0;
  for (const Pair& q : p.pairs) pair_values += q.values;
  const int pollers = static_cast<int>(p.pollers.size()) + (p.root_end == RootEnd::polls ? 1 : 0);
  std::ostringstream s;
  if (!r.out.clean() || !r.out.live.empty())
    s << "not clean: " << r.out.summary();
  else if (r.tally.pollers_saw_closed != pollers)
    s << r.tally.pollers_saw_closed << " of " << pollers << " pollers saw closed";
  else if (r.tally.closes != 1)
    s << "closed was closed " << r.tally.closes << " times";
  else if (r.tally.helper_done != 1)
    s << "the helper did not finish";
  else if (r.tally.feeders_done != p.feeders)
    s << "a feeder did not finish";
  else if (r.tally.pairs_received != pair_values)
    s << r.tally.pairs_received << " of " << pair_values << " pair values received";
  r.problem = s.str();
  return r;
}

std::string describe(const RunOptions& o) {
  const sched::StrategySpec& s = o.strategy;
  std::string d = sched::to_string(s.kind);
  switch (s.kind) {
    case StrategyKind::random:
      d += " seed " + std::to_string(s.seed);
      break;
    case StrategyKind::pct:
      d += " seed " + std::to_string(s.seed) + " depth " + std::to_string(s.pct_depth) +
           " length " + std::to_string(s.pct_length);
      break;
    case StrategyKind::fifo:
      break;
    case StrategyKind::replay:
      d += " choices";
      for (std::uint32_t c : s.choices) d += " " + std::to_string(c);
      if (s.choices.empty()) d += " none";
      d += s.fair_from_step == UINT64_MAX ? std::string(", default continuation")
                                          : ", fair from step " + std::to_string(s.fair_from_step);
      break;
  }
  return d + ", fair_after_steps " + std::to_string(o.fair_after_steps) + ", max_steps " +
         std::to_string(o.max_steps);
}

// The schedules each program runs under, from `seed`: 4 random, 4 PCT, FIFO, replay's
// non-preemptive default, and 2 replays of a random choice prefix that turn to replay's
// own fair rule at a drawn step.
std::vector<RunOptions> schedules(std::uint64_t seed) {
  std::vector<RunOptions> all;
  RunOptions base;
  base.max_steps = 200'000;  // fair from step 10,000 (the default): ample to finish
  sched::Rng rng(seed);
  for (std::uint64_t i = 0; i < 4; ++i) {
    RunOptions o = base;
    o.strategy.kind = StrategyKind::random;
    o.strategy.seed = seed + i;
    all.push_back(o);
  }
  static constexpr int kDepths[] = {1, 2, 3, 5};
  for (std::uint64_t i = 0; i < 4; ++i) {
    RunOptions o = base;
    o.strategy.kind = StrategyKind::pct;
    o.strategy.seed = seed + i;
    o.strategy.pct_depth = kDepths[i];
    o.strategy.pct_length = i % 2 == 0 ? 1000 : 60;  // change points spread, or early
    all.push_back(o);
  }
  RunOptions fifo = base;
  fifo.strategy.kind = StrategyKind::fifo;
  all.push_back(fifo);
  RunOptions replay = base;
  replay.strategy.kind = StrategyKind::replay;
  all.push_back(replay);
  for (int i = 0; i < 2; ++i) {
    RunOptions o = replay;
    const std::uint64_t len = rng.below(17);
    for (std::uint64_t k = 0; k < len; ++k)
      o.strategy.choices.push_back(static_cast<std::uint32_t>(rng.below(3)));
    o.strategy.fair_from_step = i == 0 ? rng.below(8) : rng.below(300);
    all.push_back(o);
  }
  return all;
}

// Runs `prop` with RapidCheck from `seed` for `cases` cases (RC_PARAMS seed= and
// max_success= replace them; reproduce= works as for RC_GTEST_PROP), and fails the test
// with the seed and RapidCheck's counterexample.
template <class Prop>
void check_from_seed(std::uint64_t seed, int cases, Prop prop) {
  const RcParams env = rc_params_from_env();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  params.seed = env.seed.value_or(seed);
  params.maxSuccess = env.max_success ? static_cast<int>(*env.max_success) : cases;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  rc::detail::TestMetadata meta;
  meta.id = std::string(info->test_suite_name()) + "/" + info->name();
  meta.description = info->name();
  std::cout << meta.id << ": RapidCheck seed " << params.seed << ", " << params.maxSuccess
            << " cases" << std::endl;
  const rc::detail::TestResult result =
      rc::detail::checkProperty(rc::detail::toProperty(prop), meta, params);
  if (result.template is<rc::detail::SuccessResult>()) {
    if (!result.template get<rc::detail::SuccessResult>().distribution.empty()) {
      rc::detail::printResultMessage(result, std::cout);
      std::cout << std::endl;
    }
  } else {
    std::ostringstream s;
    rc::detail::printResultMessage(result, s);
    ADD_FAILURE() << "RapidCheck seed " << params.seed
                  << " (rerun with RC_PARAMS=\"seed=" << params.seed << "\")\n"
                  << s.str();
  }
}

// A correct polling program ends clean, every fiber having done its part, under every
// strategy: 1,000 programs x 12 schedules = 12,000 runs, with run()'s defaults (so
// also no still_running verdict once root has returned). The distribution printed on
// success says how many programs some schedule kept going past fair_after_steps.
TEST(Polling, NoStrategyStarvesACorrectPoller) {
  check_from_seed(0x9011'1A5Eull, 1000, [] {
    const Program p = *gen_program();
    const std::uint64_t seed = *rc::gen::arbitrary<std::uint64_t>();
    bool rescued = false;
    for (const RunOptions& o : schedules(seed)) {
      const Result r = run_checked(p, o);
      if (!r.problem.empty())
        RC_FAIL("a correct polling program failed under " + describe(o) + ": " + r.problem);
      rescued |= r.out.steps > o.fair_after_steps;
    }
    RC_CLASSIFY(rescued, "some schedule ran past fair_after_steps");
  });
}

// Without the fair fallback, PCT and replay's default starve these programs.
//
// run() has no setting that turns the fallback off: fair_after_steps = 0 makes the run
// fair from the first step, and the unfair prefix lasts at most max_steps / 2. So this
// test makes that prefix as long as run() allows (fair_after_steps = UINT64_MAX: the
// strategy decides the first kUnfair steps of a run of 2 * kUnfair; no leak window,
// whose second half is fair too) and looks at where the run ended. The strategy decides those first
// kUnfair steps exactly as it would in a run with no fallback and max_steps = kUnfair (the fair
// switch changes nothing before its step, and no strategy reads max_steps), so a run that has not
// ended by then is one that, without the fallback, ends with "step budget exceeded". The same run
// then ends clean in its fair part: the fallback is what saves it.
TEST(Polling, StrategiesStarveAPollerUntilTheRunTurnsFair) {
  constexpr std::uint64_t kSeed = 0x57A1'2E00ull;
  constexpr std::uint64_t kUnfair = 2000;
  constexpr int kPrograms = 60;
  int starved_replay = 0, starved_pct = 0, runs = 0;
  std::string example;
  for (int i = 0; i < kPrograms; ++i) {
    const Program p = gen_program()(rc::Random(kSeed + static_cast<std::uint64_t>(i)), 50).value();
    RunOptions o;
    o.max_steps = 2 * kUnfair;
    o.fair_after_steps = UINT64_MAX;
    o.leak_window_steps = 0;
    std::vector<RunOptions> tried;
    o.strategy.kind = StrategyKind::replay;  // the non-preemptive default throughout
    tried.push_back(o);
    for (std::uint64_t s = 0; s < 4; ++s) {
      o.strategy.kind = StrategyKind::pct;
      o.strategy.seed = kSeed + static_cast<std::uint64_t>(i) * 4 + s;
      o.strategy.pct_depth = static_cast<int>(1 + s % 3);
      tried.push_back(o);
    }
    for (const RunOptions& x : tried) {
      const Result r = run_checked(p, x);
      ++runs;
      ASSERT_TRUE(r.problem.empty())
          << "seed " << kSeed << ", program " << i << " (" << p << ") under " << describe(x)
          << ": the fair part must end it: " << r.problem;
      // Without the fallback: "step budget exceeded" at max_steps = kUnfair.
      const Verdict unfair = r.out.steps > kUnfair ? Verdict::step_budget_exceeded : r.out.verdict;
      if (unfair != Verdict::step_budget_exceeded) continue;
      (x.strategy.kind == StrategyKind::replay ? starved_replay : starved_pct) += 1;
      if (example.empty()) {
        std::ostringstream s;
        s << "program " << i << " (" << p << ") under " << describe(x) << ": " << r.out.steps
          << " steps";
        example = s.str();
      }
    }
  }
  std::printf(
      "seed %llu: of %d runs, %d under replay's default and %d under PCT were still "
      "running after %llu unfair steps; e.g. %s\n",
      static_cast<unsigned long long>(kSeed), runs, starved_replay, starved_pct,
      static_cast<unsigned long long>(kUnfair), example.c_str());
  EXPECT_GT(starved_replay, 0) << "seed " << kSeed << ": no program starved under replay's default";
  EXPECT_GT(starved_pct, 0) << "seed " << kSeed << ": no program starved under PCT";
}

}  // namespace

}  // namespace fibercheck::props
