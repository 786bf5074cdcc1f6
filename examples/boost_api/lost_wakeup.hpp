// lost_wakeup.hpp: a start-up signal on boost::fibers::condition_variable. A loader
// fiber reads the configuration, sets `ready` and notifies; a server fiber waits for
// the signal before it serves.
//
// Leaky: the server waits without a predicate. A notify wakes only a fiber already
// waiting, so when the loader runs first the notify is lost and the server blocks in
// condition_variable::wait() for good. That takes a schedule in which the loader gets
// to the mutex before the server: with the fibers started server first, a scheduler
// that runs them in order never shows it.
// Fixed: the server waits with a predicate, which checks `ready` under the mutex
// before it sleeps.
//
// Both fibers hold the shared state through a shared_ptr, so a server left waiting
// keeps its condition variable alive.
#pragma once

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/mutex.hpp>
#include <functional>
#include <memory>
#include <mutex>

#include "boost_api/form.hpp"

namespace examples::boost_api {

struct Startup {
  boost::fibers::mutex m;
  boost::fibers::condition_variable cv;
  bool ready = false;
  int port = 0;
};

inline void load_config(std::shared_ptr<Startup> s) {
  {
    std::lock_guard<boost::fibers::mutex> lk(s->m);
    s->port = 8080;
    s->ready = true;
  }
  s->cv.notify_one();
}

inline void serve_when_ready(std::shared_ptr<Startup> s, Form form, int& port) {
  std::unique_lock<boost::fibers::mutex> lk(s->m);
  if (form == Form::leaky)
    s->cv.wait(lk);
  else
    s->cv.wait(lk, [&s] { return s->ready; });
  port = s->port;
}

// Starts the server and its loader; returns the port the server serves on.
inline int start_server(Form form) {
  auto s = std::make_shared<Startup>();
  int port = 0;
  boost::fibers::fiber server(serve_when_ready, s, form, std::ref(port));
  boost::fibers::fiber loader(load_config, s);
  // The loader first: it always ends, so a caller blocked waiting for the server holds
  // no other joinable fiber (destroying a joinable boost::fibers::fiber calls
  // std::terminate, and unwinding the caller would destroy it).
  loader.join();
  server.join();
  return port;
}

}  // namespace examples::boost_api
