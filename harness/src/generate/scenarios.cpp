#include "generate/scenarios.hpp"

#include "../../../examples/do_work.hpp"

namespace fibercheck::harness {

namespace {

// generator -> square -> sink, every blocking point watching done.
void pipeline(Done done) {
  Chan<int> numbers(0, "numbers");
  Chan<int> squares(0, "squares");
  Scope scope(done, "pipeline");
  scope.spawn("generator", [numbers](Done d) {
    for (int i = 0; i < 20; ++i)
      if (numbers.send(d, i) != Status::ok) return;
    numbers.close();
  });
  scope.spawn("square", [numbers, squares](Done d) {
    while (auto v = numbers.recv(d))
      if (squares.send(d, *v * *v) != Status::ok) return;
    squares.close();
  });
  scope.spawn("sink", [squares](Done d) {
    while (auto v = squares.recv(d)) {
    }
  });
  scope.join();
}

// One producer, three workers, a merge: the workers' outputs are fanned in.
void fan_out_fan_in(Done done) {
  Chan<int> jobs(4, "jobs");
  Chan<int> results(0, "results");
  Scope scope(done, "fan");
  scope.spawn("producer", [jobs](Done d) {
    for (int i = 0; i < 12; ++i)
      if (jobs.send(d, i) != Status::ok) return;
    jobs.close();
  });
  auto workers = std::make_shared<Scope>(scope.done(), "workers");
  for (int w = 0; w < 3; ++w) {
    workers->spawn("worker-" + std::to_string(w), [jobs, results](Done d) {
      while (auto j = jobs.recv(d))
        if (results.send(d, *j + 1) != Status::ok) return;
    });
  }
  scope.spawn("closer", [workers, results] {
    workers->join();
    results.close();
  });
  while (auto r = results.recv(done)) {
  }
  scope.join();
}

// A heartbeat on the virtual clock, stopped by done.
void heartbeat(Done done) {
  Chan<int> pulses(1, "pulses");
  Scope scope(done, "heartbeat");
  scope.spawn("beater", [pulses](Done d) {
    Ticker t(std::chrono::milliseconds(100));
    Recv<Duration> tick;
    while (select(d, {on_recv(t.chan(), tick)}).index == 0) (void)pulses.try_send(1);
  });
  for (int i = 0; i < 5; ++i)
    if (!pulses.recv(done)) break;
  scope.cancel();
}

// The classic forgotten receiver: a worker's result nobody reads after a timeout.
void abandoned_result(Done done) {
  Chan<int> result(0, "result");
  go("worker", [result] { (void)result.send(42); });
  Recv<Duration> t;
  (void)select(done, {on_recv(after(std::chrono::milliseconds(1)), t)});
}

}  // namespace

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all = {
      {"pipeline", "generator -> square -> sink over unbuffered channels", pipeline, false},
      {"fan-out-fan-in", "a producer, three workers and a merge", fan_out_fan_in, false},
      {"heartbeat", "a ticker-driven beater stopped by done", heartbeat, false},
      {"do-work-fixed", "the seed's doWork with a done signal", examples::fixed_do_work, false},
      {"do-work-nil", "the seed's doWork(nil): ranges over a nil channel", examples::leaky_do_work,
       true},
      {"abandoned-result", "a worker's send nobody reads once a timeout wins", abandoned_result,
       true},
  };
  return all;
}

}  // namespace fibercheck::harness
