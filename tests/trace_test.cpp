// Unit tests for trace.hpp: the event log of a run.
#include "fibercheck/trace.hpp"

#include <gtest/gtest.h>

#include <string>

#include "fibercheck/chan.hpp"
#include "fibercheck/scope.hpp"
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
}

}  // namespace
}  // namespace fibercheck
