// trace.hpp: the event log of a run, kept when RunOptions::trace is set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fibercheck/config.hpp"

namespace fibercheck {

enum class EventKind { spawn, block, wake, send, recv, close, cancel, exit, timer, unwind, select };
// EventKind::select: a select (or a send, receive, try_send or try_recv, which are
// one-case selects) that ended without using a channel it offered, because another of
// its alternatives happened: what it offered, then the alternative it took,
//   "{recv on chan 'results' or recv on chan 'extra' or done 'root'} took done 'root'"
// Alternatives: "send|recv on chan 'NAME'", "send|recv on nil chan", "done 'NAME'",
// "default"; what it took is one of them, a channel case followed by " (closed)" when
// the channel was closed, or "deadline". A select that takes the case of its only
// channel records no such event (its send or recv event says it all). A select repeated
// by a fiber that recorded only selects in between (a polling loop) keeps only its
// latest event, so polling cannot grow the log without bound.

[[nodiscard]] const char* to_string(EventKind k) noexcept;

struct Event {
  std::uint64_t step = 0;
  std::int64_t time_ns = 0;  // virtual time
  EventKind kind = EventKind::spawn;
  std::uint64_t fiber = 0;  // 0: the run itself
  std::string detail;
};

// "step 41 t=0ns #3 block recv on chan 'out' (cap 0)", one event a line.
[[nodiscard]] std::string format(const std::vector<Event>& events);

}  // namespace fibercheck
