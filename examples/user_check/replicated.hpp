// replicated.hpp: a request sent to several replicas at once; the first answer
// wins (Go's replicated requests, "Concurrency in Go" ch. 5). The buggy replicas
// send their answer on an unbuffered channel without watching done: every replica
// but the fastest blocks for good, because nobody takes a second answer.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "fibercheck/fibercheck.hpp"

namespace examples::user_check {

struct Answer {
  int replica = 0;
  std::string body;
};

inline std::optional<Answer> first_answer(fibercheck::Done done, int replicas, bool buggy) {
  fibercheck::Scope scope(done);
  fibercheck::Chan<Answer> answers(0, "answers");
  for (int i = 0; i < replicas; ++i) {
    scope.spawn("replica-" + std::to_string(i), [answers, i, buggy](fibercheck::Done d) {
      // Each replica takes its own time to answer; a fixed one gives up on done.
      if (fibercheck::sleep_for(buggy ? fibercheck::Done{} : d,
                                std::chrono::milliseconds(5 + 7 * i)) != fibercheck::Status::ok)
        return;
      Answer a{i, "answer from replica " + std::to_string(i)};
      (void)(buggy ? answers.send(std::move(a)) : answers.send(d, std::move(a)));
    });
  }
  auto first = answers.recv(done);
  if (!first) return std::nullopt;
  return *first;  // the scope closes its done: the other replicas should give up
}

}  // namespace examples::user_check
