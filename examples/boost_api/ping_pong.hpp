// ping_pong.hpp: a rally over two boost::fibers::unbuffered_channel. The caller serves:
// it pushes the ball on `ping`; a returner fiber pops it and pushes it back on `pong`.
// Each side has its own idea of how long the rally lasts: the caller serves `serves`
// balls, the returner returns at most `returns`.
//
// Leaky: each side stops after its own count and tells nobody. When the caller stops
// first, the returner blocks in ping->pop() for good, and the caller's join of it
// never returns. When the returner stops first, the caller blocks in ping->push(): an
// unbuffered push waits for a receiver, and none is left.
// Fixed: the side that stops first closes `ping`. The returner's pop then returns
// channel_op_status::closed, or the caller's push does, and the other side stops too.
//
// The returner holds the channels through a shared_ptr, so a returner left waiting
// keeps them alive. Nothing pops `ping` after it closes: a pop after close may take
// the value of a push that close already woke (a use-after-free in Boost 1.81).
#pragma once

#include <boost/fiber/channel_op_status.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/unbuffered_channel.hpp>
#include <memory>

#include "boost_api/form.hpp"

namespace examples::boost_api {

using Ball = boost::fibers::unbuffered_channel<int>;

inline void return_balls(std::shared_ptr<Ball> ping, std::shared_ptr<Ball> pong, int returns,
                         Form form) {
  for (int i = 0; i < returns; ++i) {
    int ball = 0;
    if (ping->pop(ball) != boost::fibers::channel_op_status::success) return;
    if (pong->push(ball) != boost::fibers::channel_op_status::success) return;
  }
  if (form == Form::fixed) ping->close();
}

// Plays a rally; returns how many balls came back.
inline int rally(int serves, int returns, Form form) {
  auto ping = std::make_shared<Ball>();
  auto pong = std::make_shared<Ball>();
  boost::fibers::fiber returner(return_balls, ping, pong, returns, form);
  int rallies = 0;
  for (int ball = 0; ball < serves; ++ball) {
    if (ping->push(ball) != boost::fibers::channel_op_status::success) break;
    int back = 0;
    if (pong->pop(back) != boost::fibers::channel_op_status::success) break;
    ++rallies;
  }
  if (form == Form::fixed) ping->close();
  returner.join();
  return rallies;
}

}  // namespace examples::boost_api
