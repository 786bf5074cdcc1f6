// The DFS explorer's partial-order reduction (sched/dfs.hpp) is sound: on random small
// programs over the whole vocabulary (channels, select, mutexes, wait groups, once,
// done signals, scopes and go, yield, choose, sleeps and timeouts racing with work),
// exploring with the reduction reaches exactly the
// outcomes that exploring without it reaches. An outcome is what a test could see:
// the verdict, who is left and what each waits on, and what every operation returned.
//
// A program is plain data drawn before any fiber starts; an interpreter turns it into
// a root function. Every fiber writes only its own log, so the fibers share nothing
// the reduction cannot see; after each operation it also notes whether its done had
// closed by then, which tells apart runs that differ in where the cancellation came.
// Each case checks a few programs, each with done closed at every cancellation point
// and with done closed only when every fiber blocks.
//
// Found so far (tests/sched_dfs_test.cpp keeps each as a unit test): the fair rule
// after the cancellation point followed how long fibers had been ready, which depends
// on the order of commuting steps; a select in the last step before the cancellation
// point was not explored; and, within a preemption bound, sleep sets skip schedules
// the bound admits (dfs.hpp: reduction_sound_within_bound).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "fibercheck/chan.hpp"
#include "fibercheck/clock.hpp"
#include "fibercheck/done.hpp"
#include "fibercheck/mutex.hpp"
#include "fibercheck/once.hpp"
#include "fibercheck/run.hpp"
#include "fibercheck/sched/dfs.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "fibercheck/wait_group.hpp"
#include "fibercheck/yield.hpp"

namespace fibercheck::props {

namespace {

// ---- programs as data ----

enum class Code : std::uint8_t {
  send,
  recv,
  try_send,
  try_recv,
  close,
  select,          // over two channels, blocking
  select_default,  // over two channels, with a default
  lock,            // of the shared mutex; skipped when this fiber holds it
  unlock,          // skipped unless this fiber holds it; a fiber that ends holding it unlocks
  try_lock,
  wg_add,   // add(1)
  wg_done,  // done(), only while this fiber's own adds outnumber its dones
  wg_wait,
  once,        // call the shared Once; the function may itself try_send or send
  done_close,  // close the shared done
  done_wait,   // wait on the fiber's own done or the shared one
  spawn,       // root only: start child `child`
  yield,       // fibercheck::yield()
  choose,      // fibercheck::choose(3), logged
  sleep,       // sleep_for 0 or 1 ms (inner), watching a done
  timeout,     // select on `chan` or after(1 ms), watching a done
};

const char* name(Code c) {
  switch (c) {
    case Code::send:
      return "send";
    case Code::recv:
      return "recv";
    case Code::try_send:
      return "try_send";
    case Code::try_recv:
      return "try_recv";
    case Code::close:
      return "close";
    case Code::select:
      return "select";
    case Code::select_default:
      return "select_or_default";
    case Code::lock:
      return "lock";
    case Code::unlock:
      return "unlock";
    case Code::try_lock:
      return "try_lock";
    case Code::wg_add:
      return "wg.add";
    case Code::wg_done:
      return "wg.done";
    case Code::wg_wait:
      return "wg.wait";
    case Code::once:
      return "once";
    case Code::done_close:
      return "sd.close";
    case Code::done_wait:
      return "wait";
    case Code::spawn:
      return "spawn";
    case Code::yield:
      return "yield";
    case Code::choose:
      return "choose(3)";
    case Code::sleep:
      return "sleep";
    case Code::timeout:
      return "recv-or-timeout";
  }
  return "?";
}

// Which done a blocking operation watches.
enum Watch : std::uint8_t { kOwn = 0, kShared = 1, kNever = 2 };

struct Op {
  Code code = Code::try_recv;
  int chan = 0;        // the channel; a select's first case
  int chan2 = 0;       // a select's second case
  bool send1 = false;  // a select's first case sends (else receives)
  bool send2 = false;
  int watch = kOwn;
  // once: what the function does: 0 nothing, 1 try_send on `chan`, 2 send on `chan`
  // watching the fiber's own done (a scheduling point, or a block, inside the once).
  int inner = 0;
  int child = 0;  // spawn: which child (1-based fiber index)
};

struct Program {
  std::vector<int> caps;                // one channel c<i> of this capacity each
  std::vector<std::vector<Op>> fibers;  // [0] is the root, [k] the child c<k>
  std::vector<bool> scoped;             // [k]: child k started by the root's Scope, else go()
  bool cancel_scope = false;            // the root cancels its scope before joining it
};

std::string print_op(const Op& o) {
  const std::string c = "c" + std::to_string(o.chan);
  const char* w = o.watch == kOwn ? "own" : (o.watch == kShared ? "sd" : "never");
  std::ostringstream s;
  s << name(o.code);
  switch (o.code) {
    case Code::send:
    case Code::recv:
      s << " " << c << " watching " << w;
      break;
    case Code::try_send:
    case Code::try_recv:
    case Code::close:
      s << " " << c;
      break;
    case Code::select:
    case Code::select_default:
      s << "{" << (o.send1 ? "send " : "recv ") << c << ", " << (o.send2 ? "send c" : "recv c")
        << o.chan2 << "}";
      if (o.code == Code::select) s << " watching " << w;
      break;
    case Code::wg_wait:
      s << " watching " << w;
      break;
    case Code::once:
      if (o.inner == 1) s << "(try_send " << c << ")";
      if (o.inner == 2) s << "(send " << c << " watching own)";
      break;
    case Code::done_wait:
      s << (o.watch == kOwn ? " own" : " sd");
      break;
    case Code::spawn:
      s << " c" << o.child;
      break;
    case Code::sleep:
      s << " " << o.inner << "ms watching " << w;
      break;
    case Code::timeout:
      s << " " << c << " or after 1ms watching " << w;
      break;
    default:
      break;
  }
  return s.str();
}

std::string print(const Program& p) {
  std::ostringstream s;
  s << "channels:";
  for (std::size_t i = 0; i < p.caps.size(); ++i) s << " c" << i << "(cap " << p.caps[i] << ")";
  for (std::size_t f = 0; f < p.fibers.size(); ++f) {
    s << "\n  " << (f == 0 ? std::string("root") : "c" + std::to_string(f));
    if (f > 0) s << (p.scoped[f] ? " [scope]" : " [go]");
    s << ":";
    for (std::size_t i = 0; i < p.fibers[f].size(); ++i)
      s << (i ? "; " : " ") << print_op(p.fibers[f][i]);
    if (f == 0) s << (p.cancel_scope ? "; cancel scope; join" : "; join");
  }
  return s.str();
}

void showValue(const Program& p, std::ostream& os) { os << print(p); }

// ---- the generator ----

rc::Gen<Op> gen_op(int chans) {
  return rc::gen::exec([chans] {
    Op o;
    // Channel operations are the ones the reduction can reorder, so they come more often.
    o.code = *rc::gen::weightedElement<Code>(
        {{3, Code::try_recv}, {3, Code::try_send}, {3, Code::recv},           {3, Code::send},
         {1, Code::close},    {3, Code::select},   {3, Code::select_default}, {2, Code::lock},
         {1, Code::unlock},   {1, Code::try_lock}, {1, Code::wg_add},         {1, Code::wg_done},
         {1, Code::wg_wait},  {2, Code::once},     {1, Code::done_close},     {2, Code::done_wait},
         {1, Code::yield},    {1, Code::choose},   {1, Code::sleep},          {2, Code::timeout}});
    o.chan = *rc::gen::inRange(0, chans);
    if (o.code == Code::select || o.code == Code::select_default) {
      o.chan2 = chans > 1 ? (o.chan + *rc::gen::inRange(1, chans)) % chans : o.chan;
      o.send1 = *rc::gen::arbitrary<bool>();
      o.send2 = *rc::gen::arbitrary<bool>();
    }
    if (o.code == Code::send || o.code == Code::recv || o.code == Code::select ||
        o.code == Code::wg_wait || o.code == Code::sleep || o.code == Code::timeout)
      o.watch = *rc::gen::inRange(0, 3);
    if (o.code == Code::sleep) o.inner = *rc::gen::inRange(0, 2);
    if (o.code == Code::done_wait) o.watch = *rc::gen::inRange(0, 2);
    if (o.code == Code::once) o.inner = *rc::gen::inRange(0, 3);
    return o;
  });
}

// 2-4 fibers of 1-4 operations each (at most `max_ops` in all, spawns aside), over 1-2
// channels of capacity 0 or 1.
rc::Gen<Program> gen_program(int max_ops) {
  return rc::gen::exec([max_ops] {
    Program p;
    const int chans = *rc::gen::inRange(1, 3);
    p.caps = *rc::gen::container<std::vector<int>>(static_cast<std::size_t>(chans),
                                                   rc::gen::inRange(0, 2));
    const int children = *rc::gen::inRange(1, 4);
    p.fibers.resize(static_cast<std::size_t>(children) + 1);
    p.scoped.assign(p.fibers.size(), false);
    int budget = max_ops;
    for (std::size_t f = 0; f < p.fibers.size(); ++f) {
      const int left_for_rest = static_cast<int>(p.fibers.size() - f - 1);
      const int most = std::max(1, std::min(4, budget - left_for_rest));
      const int n = *rc::gen::inRange(1, most + 1);
      budget -= n;
      p.fibers[f] =
          *rc::gen::container<std::vector<Op>>(static_cast<std::size_t>(n), gen_op(chans));
      if (f > 0) p.scoped[f] = *rc::gen::arbitrary<bool>();
    }
    // The root starts its children in order, each before one of its operations or at its end.
    std::vector<Op>& root = p.fibers[0];
    std::size_t at = 0;
    for (int k = 1; k <= children; ++k) {
      at = *rc::gen::inRange(at, root.size() + 1);
      Op s;
      s.code = Code::spawn;
      s.child = k;
      root.insert(root.begin() + static_cast<std::ptrdiff_t>(at), s);
      ++at;
    }
    p.cancel_scope = *rc::gen::arbitrary<bool>();
    return p;
  });
}

// ---- the interpreter ----

using Logs = std::vector<std::vector<std::string>>;

// The primitives of one run, shared by its fibers (go() children may outlive the root).
struct World {
  World(const Program& p, const Done& root_done) : sd(root_done, "sd") {
    for (std::size_t i = 0; i < p.caps.size(); ++i)
      chans.emplace_back(static_cast<std::size_t>(p.caps[i]), "c" + std::to_string(i));
  }
  std::vector<Chan<int>> chans;
  Mutex mu{"mu"};
  WaitGroup wg{"wg"};
  Once once{"once"};
  DoneSource sd;  // the shared done, derived from the root's
};

std::string text(Status s) { return std::string(to_string(s)); }

std::string text(const Recv<int>& r) {
  return r.status == Status::ok ? "ok " + std::to_string(*r.value) : text(r.status);
}

// Runs fiber f's operations; every result goes to logs[f], which only f writes.
void interpret(const Program& p, std::size_t f, const std::shared_ptr<World>& w,
               const std::shared_ptr<Logs>& logs, const Done& own, Scope* scope) {
  auto& log = (*logs)[f];
  bool holds = false;
  int adds = 0;
  const auto& ops = p.fibers[f];
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const Op& o = ops[i];
    const Chan<int>& ch = w->chans[static_cast<std::size_t>(o.chan)];
    const Done d = o.watch == kOwn ? own : (o.watch == kShared ? w->sd.done() : Done());
    const int value = static_cast<int>(10 * (f + 1) + i);  // unique per operation
    std::string r;
    switch (o.code) {
      case Code::send:
        r = text(ch.send(d, value));
        break;
      case Code::recv:
        r = text(ch.recv(d));
        break;
      case Code::try_send:
        r = text(ch.try_send(value));
        break;
      case Code::try_recv:
        r = text(ch.try_recv());
        break;
      case Code::close:
        r = ch.close() ? "closed it" : "already closed";
        break;
      case Code::select:
      case Code::select_default: {
        const Chan<int>& ch2 = w->chans[static_cast<std::size_t>(o.chan2)];
        Recv<int> r1, r2;
        int v1 = value, v2 = value + 100;
        SelectCase a = o.send1 ? on_send(ch, v1) : on_recv(ch, r1);
        SelectCase b = o.send2 ? on_send(ch2, v2) : on_recv(ch2, r2);
        Selected s = o.code == Code::select ? select(d, {a, b}) : select_or_default(d, {a, b});
        r = "case " + std::to_string(s.index) + " " + text(s.status);
        if (s.index == 0 && !o.send1) r += " " + text(r1);
        if (s.index == 1 && !o.send2) r += " " + text(r2);
        break;
      }
      case Code::lock:
        if (holds) {
          r = "skip";
          break;
        }
        w->mu.lock();
        holds = true;
        r = "locked";
        break;
      case Code::unlock:
        if (!holds) {
          r = "skip";
          break;
        }
        w->mu.unlock();
        holds = false;
        r = "unlocked";
        break;
      case Code::try_lock:
        if (holds) {
          r = "skip";
          break;
        }
        holds = w->mu.try_lock();
        r = holds ? "locked" : "busy";
        break;
      case Code::wg_add:
        w->wg.add(1);
        ++adds;
        r = "added";
        break;
      case Code::wg_done:
        if (adds == 0) {
          r = "skip";
          break;
        }
        w->wg.done();
        --adds;
        r = "done";
        break;
      case Code::wg_wait:
        if (o.watch == kNever) {
          w->wg.wait();
          r = "ok";
        } else {
          r = text(w->wg.wait(d));
        }
        break;
      case Code::once: {
        std::string ran = "skipped";
        w->once.call([&] {
          ran = "ran";
          if (o.inner == 1) ran += ", try_send " + text(ch.try_send(value));
          if (o.inner == 2) ran += ", send " + text(ch.send(own, value));
        });
        r = ran;
        break;
      }
      case Code::done_close:
        r = w->sd.close() ? "closed it" : "already closed";
        break;
      case Code::yield:
        fibercheck::yield();
        r = "yielded";
        break;
      case Code::choose:
        r = "chose " + std::to_string(fibercheck::choose(3));
        break;
      case Code::sleep:
        r = text(sleep_for(d, std::chrono::milliseconds(o.inner)));
        break;
      case Code::timeout: {
        Recv<int> got;
        Recv<Duration> fired;
        const Selected s =
            select(d, {on_recv(ch, got), on_recv(after(std::chrono::milliseconds(1)), fired)});
        r = "case " + std::to_string(s.index) + " " + text(s.status);
        if (s.index == 0) r += " " + text(got);
        break;
      }
      case Code::done_wait:
        (o.watch == kOwn ? own : w->sd.done()).wait();
        r = "woke";
        break;
      case Code::spawn: {
        const auto k = static_cast<std::size_t>(o.child);
        const std::string nm = "c" + std::to_string(k);
        if (p.scoped[k]) {
          scope->spawn(nm, [&p, k, w, logs](Done cd) { interpret(p, k, w, logs, cd, nullptr); });
        } else {
          go(nm, [&p, k, w, logs, own] { interpret(p, k, w, logs, own, nullptr); });
        }
        r = "started";
        break;
      }
    }
    // Whether done had closed by then: when the cancellation came, as the fiber saw
    // it. Every close touches everything, so the reduction orders this read right.
    if (own.closed()) r += ", done closed";
    log.push_back(std::to_string(i) + " " + r);
  }
  if (holds) w->mu.unlock();
}

void root_of(const Program& p, const std::shared_ptr<Logs>& logs, Done done) {
  auto w = std::make_shared<World>(p, done);
  Scope scope(done);
  interpret(p, 0, w, logs, done, &scope);
  if (p.cancel_scope) scope.cancel();
  scope.join();
}

// ---- outcomes ----

// The verdict, the census (path, state, what it waits on; step numbers dropped) as a
// sorted multiset, and every fiber's log.
std::string outcome_key(const Outcome& out, const Logs& logs) {
  static const std::regex since(" since step [0-9]+");
  std::vector<std::string> census;
  for (const FiberInfo& f : out.live)
    census.push_back(f.path + " " + to_string(f.state) + ": " +
                     std::regex_replace(f.blocked_on, since, ""));
  std::sort(census.begin(), census.end());
  std::string k = to_string(out.verdict);
  if (!out.error.empty()) k += " (" + out.error_path + ": " + out.error + ")";
  for (const auto& c : census) k += "\n  live " + c;
  for (std::size_t f = 0; f < logs.size(); ++f) {
    k += "\n  " + (f == 0 ? std::string("root") : "c" + std::to_string(f)) + ":";
    for (const auto& e : logs[f]) k += " [" + e + "]";
  }
  return k;
}

struct Exploration {
  sched::ExploreReport report;
  std::set<std::string> outcomes;
};

// Every run the explorer asks for, recorded and never reported as failing, so the
// exploration goes on to the end.
Exploration explore_program(const Program& p, const sched::ExploreOptions& o) {
  Exploration x;
  on_case_thread([&] {
    x.report = sched::explore_attempts(
        [&](const sched::Attempt& a, Outcome& out) {
          auto logs = std::make_shared<Logs>(p.fibers.size());
          RunOptions r;
          r.strategy = a.strategy;
          r.cancel_at_step = a.cancel_step;
          r.cancel_when_idle = true;
          r.max_steps = o.max_steps;
          r.record_choice_detail = true;
          out = run([&p, logs](Done d) { root_of(p, logs, d); }, r);
          x.outcomes.insert(outcome_key(out, *logs));
          return false;
        },
        o);
  });
  return x;
}

std::string difference(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string s;
  for (const auto& k : a)
    if (!b.contains(k)) s += "\n  " + k;
  return s;
}

// Explores p without the reduction and then with it, under the same bounds, and fails
// (printing the program and the outcomes only one side reached) unless both exhaust
// and reach the same outcomes. Returns false, having checked nothing, when the
// unreduced exploration does not exhaust within `cap` runs. Sets *default_lost, if
// given, when the plain reduction (reduction_sound_within_bound off) misses an outcome.
bool check_same_outcomes(const Program& p, const sched::ExploreOptions& reduced_options,
                         std::uint64_t cap, bool* default_lost = nullptr) {
  sched::ExploreOptions with = reduced_options;
  with.max_runs = cap;
  sched::ExploreOptions without = with;
  without.reduction = false;
  const Exploration full = explore_program(p, without);
  if (!full.report.exhausted) return false;
  const Exploration reduced = explore_program(p, with);
  if (!reduced.report.exhausted || full.outcomes != reduced.outcomes) {
    RC_FAIL("the reduction reaches every outcome of the full exploration (" +
            std::string(with.cancellation_points ? "every cancellation point"
                                                 : "done closed when idle") +
            (with.reduction_sound_within_bound ? ", reduction_sound_within_bound" : "") + ")\n" +
            print(p) + "\nwithout reduction: " + full.report.summary(without) + ", " +
            std::to_string(full.outcomes.size()) + " outcomes" +
            "\nwith reduction:    " + reduced.report.summary(with) + ", " +
            std::to_string(reduced.outcomes.size()) + " outcomes" +
            "\nonly without reduction:" + difference(full.outcomes, reduced.outcomes) +
            "\nonly with reduction:" + difference(reduced.outcomes, full.outcomes));
  }
  if (default_lost != nullptr) {
    with.reduction_sound_within_bound = false;
    *default_lost = *default_lost || explore_program(p, with).outcomes != full.outcomes;
  }
  return true;
}

// Programs checked by one case: RapidCheck runs 100 cases unless told otherwise, and
// small programs are cheap, so each case checks a few (a failure names its program;
// the others shrink to trivial ones). Sizes are fixed, not grown with the case number.
rc::Gen<std::vector<Program>> gen_programs(std::size_t count, int max_ops) {
  return rc::gen::resize(100,
                         rc::gen::container<std::vector<Program>>(count, gen_program(max_ops)));
}

// Runs an unreduced exploration may take; a program that needs more is skipped (about
// one exploration in five without a bound, one in fifty within it).
// A skipped one costs the whole cap, so a smaller cap checks more programs a second.
constexpr std::uint64_t kCap = 2000;

}  // namespace

// Within a preemption bound of 0, 1 or 2, exploring with the reduction in its default
// mode, which keeps the bound (reduction_sound_within_bound), reaches the same outcomes
// as exploring without it, whether done closes at every cancellation point or only
// when every fiber blocks. The plain sleep-set rule can lose outcomes the bound admits
// (dfs.hpp); how often it does on these programs shows as a classification.
RC_GTEST_PROP(DfsSound, ReductionKeepsEveryOutcomeWithinThePreemptionBound, ()) {
  sched::ExploreOptions o;
  o.max_preemptions = *rc::gen::inRange(0, 3);
  o.reduction_sound_within_bound = true;
  bool default_lost = false;
  std::size_t checked = 0;
  const std::vector<Program> programs = *gen_programs(3, 8);
  for (const Program& p : programs) {
    for (bool points : {false, true}) {
      o.cancellation_points = points;
      checked += check_same_outcomes(p, o, kCap, &default_lost) ? 1 : 0;
    }
  }
  RC_PRE(checked > 0);
  RC_CLASSIFY(checked < 2 * programs.size(), "a program too big to exhaust was skipped");
  RC_CLASSIFY(default_lost, "the plain reduction loses outcomes within the bound (known)");
}

// With a preemption bound that never cuts, even the plain sleep-set rule reaches the
// same outcomes as exploring without the reduction, whether done closes at every
// cancellation point or only when every fiber blocks.
RC_GTEST_PROP(DfsSound, ReductionKeepsEveryOutcomeWithoutABound, ()) {
  sched::ExploreOptions o;
  o.max_preemptions = std::numeric_limits<int>::max();
  o.reduction_sound_within_bound = false;
  std::size_t checked = 0;
  const std::vector<Program> programs = *gen_programs(3, 7);
  for (const Program& p : programs) {
    for (bool points : {false, true}) {
      o.cancellation_points = points;
      checked += check_same_outcomes(p, o, kCap) ? 1 : 0;
    }
  }
  RC_PRE(checked > 0);
  RC_CLASSIFY(checked < 2 * programs.size(), "a program too big to exhaust was skipped");
}

}  // namespace fibercheck::props
