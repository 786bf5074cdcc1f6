// select.hpp: Go's select over several sends and receives plus a done signal.
//
//   fibercheck::Recv<int> v;
//   int out = 7;
//   auto r = fibercheck::select(done, {fibercheck::on_recv(in, v), fibercheck::on_send(results,
//   out)}); if (r.index == 0) ... else if (r.index == 1) ... else /* done closed */ return;
//
// select takes exactly one ready case. When several are ready (done included),
// the choice under fibercheck's deterministic scheduler is the strategy's:
// seeded, recorded and replayed like every scheduling choice. Cases on a nil
// channel are never ready. select_or_default never blocks (Go's `default:`).
#pragma once

#include <initializer_list>

#include "fibercheck/chan.hpp"
#include "fibercheck/config.hpp"

namespace fibercheck {

using SelectCase = detail::SelectCase;
using Selected = detail::SelectResult;

template <class T>
[[nodiscard]] SelectCase on_recv(const Chan<T>& ch, Recv<T>& out) {
  return SelectCase{ch.base(), detail::WaitOp::recv, &out.value, &out.status};
}

// The value is moved from only if this case is taken.
template <class T>
[[nodiscard]] SelectCase on_send(const Chan<T>& ch, T& value) {
  return SelectCase{ch.base(), detail::WaitOp::send, &value, nullptr};
}

// Blocks until one case happens (index of the case, status ok or closed) or done
// closes (index -1, Status::cancelled). `loc` (the caller's line, by default) is where
// the census says a blocked select blocked.
inline Selected select(const Done& done, std::initializer_list<SelectCase> cases,
                       source_location loc = source_location::current()) {
  return detail::select_impl(cases.begin(), static_cast<int>(cases.size()), &done, false,
                             std::nullopt, loc);
}

// Takes a ready case if there is one, else returns index -1 with Status::would_block
// (or Status::cancelled when done is already closed).
inline Selected select_or_default(const Done& done, std::initializer_list<SelectCase> cases) {
  return detail::select_impl(cases.begin(), static_cast<int>(cases.size()), &done, true);
}

}  // namespace fibercheck
