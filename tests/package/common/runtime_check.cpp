// fibercheck::fibercheck alone (the runtime, no harness, no GoogleTest): a fiber
// ranging over a channel nobody writes (Go's doWork(nil)) is reported as leaked, by
// name and with what it waits on; the fixed form, which watches done, ends clean. And
// the consumer's link keeps fibercheck's copies of the Boost.Fiber functions it replaces
// (boost_symbols.hpp): without them Boost's own waits and mutexes would silently go
// unseen. Exits non-zero when a verdict is wrong or a copy is lost.
#include <cstdio>
#include <fibercheck/fibercheck.hpp>
#include <string>

#include "boost_symbols.hpp"

// Every consumer project asks for C++17 (CMAKE_CXX_STANDARD 17): linking
// fibercheck::fibercheck must raise it through its cxx_std_20 compile feature.
static_assert(__cplusplus >= 202002L, "fibercheck::fibercheck did not bring C++20");

namespace {

void leaky_do_work(fibercheck::Done) {
  fibercheck::Chan<std::string> strings;  // nil: nothing will ever arrive
  fibercheck::go("doWork", [strings] {
    while (auto s = strings.recv()) {
    }
  });
}

void fixed_do_work(fibercheck::Done done) {
  fibercheck::Chan<std::string> strings;
  fibercheck::Scope scope(done, "main");
  scope.spawn("doWork", [strings](fibercheck::Done d) {
    while (auto s = strings.recv(d)) {
    }
  });
}  // leaving the scope closes its done and joins doWork

bool expect(bool ok, const char* what, const fibercheck::Outcome& out) {
  if (!ok) std::fprintf(stderr, "runtime_check: %s\n%s\n", what, out.summary().c_str());
  return ok;
}

}  // namespace

int main() {
  const fibercheck::Outcome leaky = fibercheck::run(leaky_do_work);
  bool ok = expect(leaky.verdict == fibercheck::Verdict::quiescent && leaky.live.size() == 1,
                   "the leaky doWork is not reported as one leaked fiber", leaky);
  if (ok)
    ok =
        expect(leaky.live[0].path == "root/doWork" &&
                   leaky.live[0].blocked_on.find("recv on nil chan") != std::string::npos,
               "the leaked fiber is not named root/doWork, blocked receiving on a nil chan", leaky);
  const fibercheck::Outcome fixed = fibercheck::run(fixed_do_work);
  ok = expect(fixed.clean() && fixed.live.empty(), "the fixed doWork does not end clean", fixed) &&
       ok;
  for (const std::string& p : fibercheck_boost_symbols::boost_symbol_problems()) {
    std::fprintf(stderr, "runtime_check: %s\n", p.c_str());
    ok = false;
  }
  if (ok) std::puts("runtime_check: leak reported, fix clean, Boost.Fiber's functions replaced");
  return ok ? 0 : 1;
}
