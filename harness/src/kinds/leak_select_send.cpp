// leak-select-send: a forwarding loop that watches done while it receives but
// not while it sends. It leaks only when done closes while the loop holds a value
// (or is blocked sending it) and its reader has already stopped: under some
// interleavings, not all.
//
//   for {
//       var v int
//       select {
//       case x, ok := <-in:
//           if !ok { return }
//           v = x
//       case <-done:
//           return
//       }
//       out <- v                  // no case <-done
//   }
//
// The loop sits between an inner source (this node's input merged with fresh
// values until done, like Go's repeat) and an inner reader that stops on done.
// So values are in flight at every cancellation point wherever the node is
// planted, whether its input is closed, silent or busy, and whatever its
// consumer does.
#include "fibercheck/harness/node_run.hpp"
#include "kinds/builtin.hpp"

namespace fibercheck::harness::bundled {

namespace {
constexpr std::size_t kBacklog = 4;
}  // namespace

KindInfo leak_select_send() {
  KindInfo k;
  k.name = "leak-select-send";
  k.description =
      "a loop selects on done to receive but sends without it; leaks under some schedules";
  k.mutant = true;
  k.schedule_dependent = true;
  k.finite = false;
  k.start = [](NodeRun& r) {
    auto closer = r.close_on_exit(r.out);
    // A backlog of queued values, so one is at hand even when done is already closed.
    Stream in = r.make_chan("backlog", kBacklog);
    for (std::size_t i = 0; i < kBacklog; ++i) {
      const Value v = r.fresh_value();
      if (in.try_send(v) == Status::ok) r.note_sent(in, v);
    }
    Stream out = r.make_chan("handoff", 0);
    Scope scope(r.done);
    scope.spawn("source", [&r, in](Done d) {
      auto in_closer = r.close_on_exit(in);
      Stream upstream = r.in;
      Value fresh = r.fresh_value();
      for (;;) {
        Recv<Value> v;
        const Selected s = select(d, {on_recv(upstream, v), on_send(in, fresh)});
        if (s.index == 0 && v) {
          r.note_received(r.in, *v);
          if (r.counted_send(in, *v, d) != Status::ok) return;
        } else if (s.index == 0) {
          upstream = Stream();  // the input closed: a nil channel is never ready
        } else if (s.index == 1) {
          r.note_sent(in, fresh);
          fresh = r.fresh_value();
        } else {
          return;
        }
      }
    });
    scope.spawn("reader", [&r, out](Done d) {
      while (auto v = r.counted_recv(out, d))
        if (r.counted_send(r.out, *v, d) != Status::ok) return;
    });
    for (;;) {
      Recv<Value> v;
      if (select(r.done, {on_recv(in, v)}).index != 0 || !v) break;
      r.note_received(in, *v);
      if (out.send(*v) == Status::ok) r.note_sent(out, *v);
    }
    out.close();
    scope.join();
  };
  return k;
}

}  // namespace fibercheck::harness::bundled
