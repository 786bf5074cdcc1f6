// do_work.hpp: the seed's example, Go's doWork(nil), in C++ (Cox-Buday,
// "Concurrency in Go", ch. 4, "Preventing Goroutine Leaks").
//
//   doWork := func(strings <-chan string) <-chan interface{} {
//       completed := make(chan interface{})
//       go func() {
//           defer close(completed)
//           for s := range strings { fmt.Println(s) }
//       }()
//       return completed
//   }
//   doWork(nil)   // strings is nil: the goroutine blocks forever and leaks
//
// The fix passes a done channel that the parent closes, and selects on it.
#pragma once

#include "fibercheck/fibercheck.hpp"

namespace examples {

// The leak: ranges over a channel nobody writes (here the nil channel) and never
// watches done. The caller returns without waiting, as Go's main does.
inline void leaky_do_work(fibercheck::Done) {
  fibercheck::Chan<std::string> strings;  // nil
  fibercheck::Chan<int> completed(0, "completed");
  fibercheck::go("doWork", [strings, completed] {
    while (auto s = strings.recv()) {
    }
    completed.close();
  });
}

// The fix: doWork takes done and returns as soon as it closes; the parent closes
// done after a second (of virtual time) and waits for doWork to terminate.
inline void fixed_do_work(fibercheck::Done parent) {
  fibercheck::Chan<std::string> strings;  // still nil: nothing is ever sent
  fibercheck::Chan<int> terminated(0, "terminated");
  fibercheck::DoneSource done(parent, "doWork-done");
  fibercheck::Scope scope(parent, "main");
  scope.spawn("doWork", [strings, terminated, d = done.done()] {
    fibercheck::Recv<std::string> s;
    while (fibercheck::select(d, {fibercheck::on_recv(strings, s)}).index == 0) {
    }
    terminated.close();
  });
  scope.spawn("canceller", [&done](fibercheck::Done d) {
    if (fibercheck::sleep_for(d, std::chrono::seconds(1)) == fibercheck::Status::ok) done.close();
  });
  (void)terminated.recv(parent);
  scope.join();
}

}  // namespace examples
