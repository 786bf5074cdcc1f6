// trace.hpp: the event log of a run, kept when RunOptions::trace is set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fibercheck {

enum class EventKind { spawn, block, wake, send, recv, close, cancel, exit, timer, unwind };

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
