// leak-range-unclosed: a consumer ranges over a channel its producer never
// closes. The producer sends its few values and returns; the range then waits
// for a close that never comes, and it does not watch done. Leaks on every
// schedule.
//
//   items := make(chan int)
//   go func() {                 // forgets close(items)
//       for i := 0; i < n; i++ { items <- i }
//   }()
//   go func() {
//       for v := range items { use(v) }
//   }()
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

KindInfo leak_range_unclosed() {
  KindInfo k;
  k.name = "leak-range-unclosed";
  k.description = "a fiber ranges over a channel its producer never closes, ignoring done";
  k.mutant = true;
  k.params = {{"n", 0, 8, 1}};
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    Stream items = r.make_chan("items", 0);
    go("producer", [items, n = r.param("n")] {
      for (std::int64_t i = 0; i < n; ++i) (void)items.send(static_cast<Value>(i));
    });
    go("consumer", [items] {
      while (items.recv()) {
      }
    });
    r.forward();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
