#include <cstdio>

#include "fibercheck/fibercheck.hpp"

int main() {
  auto out = fibercheck::run([](fibercheck::Done done) {
    fibercheck::Chan<int> ch(0, "results");
    fibercheck::Scope scope(done, "work");
    scope.spawn("producer", [ch](fibercheck::Done d) {
      for (int i = 0; i < 3; ++i)
        if (ch.send(d, i) != fibercheck::Status::ok) return;
      ch.close();
    });
    while (auto r = ch.recv(done)) std::printf("got %d\n", *r);
  });
  std::printf("%s\n", out.summary().c_str());
}
