// status.hpp: the expected outcomes of fibercheck's blocking operations.
//
// Expected outcomes are values, not exceptions: a send on a closed channel or a
// receive interrupted by done is ordinary control flow in Go-style code.
#pragma once

#include <string_view>

#include "fibercheck/config.hpp"

namespace fibercheck {

enum class Status {
  ok,           // the operation happened
  closed,       // the channel was closed (a receive drained it, or a send found it closed)
  cancelled,    // the done signal passed to the operation closed first
  would_block,  // a try_ operation or a select with a default case found nothing ready
  timeout,      // a deadline passed first
};

[[nodiscard]] constexpr std::string_view to_string(Status s) noexcept {
  switch (s) {
    case Status::ok:
      return "ok";
    case Status::closed:
      return "closed";
    case Status::cancelled:
      return "cancelled";
    case Status::would_block:
      return "would_block";
    case Status::timeout:
      return "timeout";
  }
  return "?";
}

}  // namespace fibercheck
