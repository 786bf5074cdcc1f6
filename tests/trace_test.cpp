// Unit tests for trace.hpp: the event log of a run.
#include "fibercheck/trace.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fibercheck/chan.hpp"
#include "fibercheck/scope.hpp"
#include "fibercheck/select.hpp"
#include "support.hpp"

namespace fibercheck {
namespace {

bool has(const std::vector<Event>& events, EventKind kind, const std::string& detail_part) {
  for (const Event& e : events)
    if (e.kind == kind && e.detail.find(detail_part) != std::string::npos) return true;
  return false;
}

Outcome traced_handoff(bool trace) {
  RunOptions opt;
  opt.trace = trace;
  return run(
      [](Done done) {
        Chan<int> ch(0, "handoff");
        Scope s(done);
        s.spawn("sender", [ch](Done d) { (void)ch.send(d, 1); });
        (void)ch.recv(done);
        s.join();
      },
      opt);
}

TEST(Trace, RunKeepsTheEventLogWhenAsked) {
  const Outcome out = traced_handoff(true);
  ASSERT_TRUE(out.clean()) << out.summary();
  EXPECT_TRUE(has(out.events, EventKind::spawn, "root/sender")) << format(out.events);
  EXPECT_TRUE(has(out.events, EventKind::send, "chan 'handoff'")) << format(out.events);
  EXPECT_TRUE(has(out.events, EventKind::recv, "chan 'handoff'")) << format(out.events);
  EXPECT_TRUE(has(out.events, EventKind::exit, "root/sender")) << format(out.events);
  for (std::size_t i = 1; i < out.events.size(); ++i)
    EXPECT_LE(out.events[i - 1].step, out.events[i].step);
}

TEST(Trace, ASendOrRecvEventNamesItsVerbOnce) {
  RunOptions opt;
  opt.trace = true;
  const Outcome out = run(
      [](Done) {
        Chan<int> out(1, "out");
        (void)out.send(7);
        (void)out.recv();
      },
      opt);
  ASSERT_TRUE(out.clean()) << out.summary();
  std::vector<std::string> lines;
  for (const Event& e : out.events)
    if (e.kind == EventKind::send || e.kind == EventKind::recv) lines.push_back(format({e}));
  ASSERT_EQ(lines.size(), 2u) << format(out.events);
  // "send on chan", never "send send on chan"; the channel as the operation left it.
  EXPECT_NE(lines[0].find(" #1 send on chan 'out' (cap 1, 1 buffered) -> ok\n"), std::string::npos)
      << lines[0];
  EXPECT_NE(lines[1].find(" #1 recv on chan 'out' (cap 1, 0 buffered) -> ok\n"), std::string::npos)
      << lines[1];
}

TEST(Trace, RunKeepsNoEventsByDefault) { EXPECT_TRUE(traced_handoff(false).events.empty()); }

TEST(Trace, TracingDoesNotChangeTheTrace) {
  EXPECT_EQ(traced_handoff(true).trace_hash, traced_handoff(false).trace_hash);
}

TEST(Trace, FormatPrintsOneEventALine) {
  const std::vector<Event> events{{41, 0, EventKind::block, 3, "recv on chan 'out' (cap 0)"},
                                  {42, 5, EventKind::timer, 0, ""}};
  EXPECT_EQ(format(events),
            "step 41 t=0ns #3 block recv on chan 'out' (cap 0)\n"
            "step 42 t=5ns run timer\n");
}

TEST(Trace, EveryEventKindHasItsName) {
  EXPECT_STREQ(to_string(EventKind::spawn), "spawn");
  EXPECT_STREQ(to_string(EventKind::unwind), "unwind");
  EXPECT_STREQ(to_string(EventKind::select), "select");
}

std::vector<Event> selects_of(const Outcome& o) {
  std::vector<Event> out;
  for (const Event& e : o.events)
    if (e.kind == EventKind::select) out.push_back(e);
  return out;
}

TEST(Trace, ASelectThatLeavesAChannelRecordsWhatItOfferedAndTook) {
  RunOptions opt;
  opt.trace = true;
  opt.cancel_at_step = 0;  // done is closed: the select takes it at once
  const Outcome o = run(
      [](Done done) {
        Chan<int> results(0, "results");
        Chan<int> extra(1, "extra");
        Recv<int> r, e;
        (void)select(done, {on_recv(results, r), on_recv(extra, e)});
        (void)extra.send(5);
        (void)select(done, {on_recv(results, r), on_recv(extra, e)});  // extra or done
      },
      opt);
  const std::vector<Event> sel = selects_of(o);
  ASSERT_GE(sel.size(), 1u) << format(o.events);
  EXPECT_EQ(sel[0].detail,
            "{recv on chan 'results' or recv on chan 'extra' or done 'root'} took done 'root'");
  EXPECT_EQ(sel[0].fiber, 1u);
  ASSERT_EQ(sel.size(), 2u) << format(o.events);
  EXPECT_TRUE(sel[1].detail ==
                  "{recv on chan 'results' or recv on chan 'extra' or done 'root'} took recv on "
                  "chan 'extra'" ||
              sel[1].detail == sel[0].detail)
      << sel[1].detail;
}

TEST(Trace, AnOperationThatUsesItsOnlyChannelRecordsNoSelect) {
  // Every send and receive of the handoff watches done and succeeds.
  const Outcome o = traced_handoff(true);
  EXPECT_TRUE(selects_of(o).empty()) << format(o.events);
}

TEST(Trace, APollingLoopKeepsOnlyItsLatestSelect) {
  RunOptions opt;
  opt.trace = true;
  const Outcome o = run(
      [](Done) {
        Chan<int> a(0, "a"), b(0, "b");
        for (int i = 0; i < 1000; ++i) {
          (void)a.try_recv();
          (void)b.try_recv();
        }
      },
      opt);
  const std::vector<Event> sel = selects_of(o);
  ASSERT_EQ(sel.size(), 2u) << format(o.events);
  EXPECT_EQ(sel[0].detail, "{recv on chan 'a' or default} took default");
  EXPECT_EQ(sel[1].detail, "{recv on chan 'b' or default} took default");
  EXPECT_GE(sel[1].step + 2, o.steps) << "the latest poll is kept\n" << format(o.events);
  for (std::size_t i = 1; i < o.events.size(); ++i)
    EXPECT_LE(o.events[i - 1].step, o.events[i].step);
}

}  // namespace
}  // namespace fibercheck
