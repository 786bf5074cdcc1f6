#include <boost/fiber/operations.hpp>
#include <vector>

#include "fibercheck/scope.hpp"
#include "support.hpp"

namespace fibercheck::props {

// Closing is idempotent and safe when several fibers close at once: whatever the
// schedule, exactly one close() reports that it closed the signal, every fiber
// waiting on it or on a signal derived from it wakes, and no fiber is left.
RC_GTEST_PROP(Closing, IdempotentAndSafeWhenSeveralFibersCloseAtOnce, ()) {
  const int closers = *rc::gen::inRange(2, 9);
  const int waiters = *rc::gen::inRange(0, 9);
  const int depth = *rc::gen::inRange(0, 4);   // waiters wait on a derived signal this deep
  const int yields = *rc::gen::inRange(0, 3);  // closers yield first, to spread the closes
  RunOptions opt;
  opt.strategy = draw_schedule();
  int closed_by = 0;
  int woke = 0;
  bool saw_closed = true;
  const Outcome out = run(
      [&](Done done) {
        DoneSource shared(done, "shared");
        std::vector<DoneSource> chain;
        for (int i = 0; i < depth; ++i)
          chain.emplace_back(i == 0 ? shared.done() : chain.back().done(), "derived");
        const Done leaf = chain.empty() ? shared.done() : chain.back().done();
        Scope s(done, "race");
        for (int i = 0; i < waiters; ++i)
          s.spawn("waiter", [&, leaf] {
            leaf.wait();
            saw_closed = saw_closed && leaf.closed();
            ++woke;
          });
        for (int i = 0; i < closers; ++i)
          s.spawn("closer", [&] {
            for (int y = 0; y < yields; ++y) boost::this_fiber::yield();
            if (shared.close()) ++closed_by;
          });
        s.join();
      },
      opt);
  RC_ASSERT(out.clean());
  RC_ASSERT(out.live.empty());
  RC_ASSERT(closed_by == 1);
  RC_ASSERT(woke == waiters);
  RC_ASSERT(saw_closed);
}

}  // namespace fibercheck::props
