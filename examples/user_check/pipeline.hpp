// pipeline.hpp: generate -> square -> the caller, who takes only the first few
// squares (Go's "pipelines and cancellation" post). The buggy generator sends
// without watching done: once the caller stops taking, the square stage leaves
// on done, and the generator blocks for good on its next send.
#pragma once

#include <vector>

#include "fibercheck/fibercheck.hpp"

namespace examples::user_check {

inline std::vector<long> first_squares(fibercheck::Done done, int take, int produce, bool buggy) {
  fibercheck::Scope scope(done);
  fibercheck::Chan<long> nums(0, "nums"), squares(0, "squares");
  scope.spawn("generate", [nums, produce, buggy](fibercheck::Done d) {
    for (long i = 1; i <= produce; ++i)
      if ((buggy ? nums.send(i) : nums.send(d, i)) != fibercheck::Status::ok) break;
    nums.close();
  });
  scope.spawn("square", [nums, squares](fibercheck::Done d) {
    while (auto n = nums.recv(d))
      if (squares.send(d, *n * *n) != fibercheck::Status::ok) break;
    squares.close();
  });
  std::vector<long> out;
  while (static_cast<int>(out.size()) < take) {
    auto s = squares.recv(done);
    if (!s) break;
    out.push_back(*s);
  }
  return out;  // the scope closes its done: the stages should stop
}

}  // namespace examples::user_check
