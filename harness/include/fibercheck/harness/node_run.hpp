// node_run.hpp: what a kind's start function works with: its node, its done, its
// input and output streams, and helpers that keep the run's ledger (every value
// sent and received on every channel) so properties can check that each value
// sent is received exactly once.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "fibercheck/config.hpp"
#include "fibercheck/harness/kind.hpp"
#include "fibercheck/source_location.hpp"

namespace fibercheck::harness {

// Counts of one channel's traffic in one run.
struct ChannelLedger {
  std::uint64_t sent = 0;
  std::uint64_t received = 0;
  std::uint64_t sent_hash = 0;  // sum of mixed values: equal multisets give equal sums
  std::uint64_t received_hash = 0;
  // Set when the channel belongs to a subtree that a nested scope cut by closing
  // its done: values still buffered in it are discarded, as in Go, so it need not
  // balance.
  std::shared_ptr<const bool> cut;
  [[nodiscard]] bool was_cut() const noexcept { return cut && *cut; }
};

// State shared by every node of one case.
struct CaseContext {
  std::map<std::string, ChannelLedger> ledger;  // by channel name
  std::uint64_t next_value = 1;
  std::uint64_t next_chan = 1;
};

// Records one value sent or received on the channel named `chan`.
void record_sent(CaseContext& ctx, const std::string& chan, Value v);
void record_received(CaseContext& ctx, const std::string& chan, Value v);

class NodeRun {
 public:
  NodeRun(const Node& node, const KindInfo& kind, CaseContext& ctx, Done done, Stream in,
          Stream out);

  const Node& node;
  const KindInfo& kind;
  CaseContext& ctx;
  Done done;
  Stream in;
  Stream out;
  // Shared by the nodes of a subtree a nested scope may cut (null: none above).
  std::shared_ptr<bool> cut;

  [[nodiscard]] std::int64_t param(const char* name) const { return node.param(name); }

  // A fresh channel named "<what>#<n>" so every channel of the run has its own ledger line.
  [[nodiscard]] Stream make_chan(const std::string& what, std::size_t capacity);
  // A value no other node of this case produces.
  [[nodiscard]] Value fresh_value() { return ctx.next_value++; }

  // Done-aware send and receive on any stream, counted in the ledger.
  Status send(const Stream& ch, Value v) { return counted_send(ch, v, done); }
  Recv<Value> recv(const Stream& ch) { return counted_recv(ch, done); }
  // The same, watching another done (or none: Done() never closes).
  Status counted_send(const Stream& ch, Value v, const Done& d);
  Recv<Value> counted_recv(const Stream& ch, const Done& d);
  // Records the outcome of a send or receive done through select.
  void note_sent(const Stream& ch, Value v) { record_sent(ctx, ch.name(), v); }
  void note_received(const Stream& ch, Value v) { record_received(ctx, ch.name(), v); }

  // Closes `ch` when it goes out of scope: Go's `defer close(out)`.
  struct [[nodiscard]] CloseOnExit {
    Stream ch;
    ~CloseOnExit() { ch.close(); }
  };
  [[nodiscard]] CloseOnExit close_on_exit(const Stream& ch) const { return CloseOnExit{ch}; }

  // Forwards every value from in to out until in closes or done closes.
  void forward();
  // Receives and discards until `ch` closes or done closes.
  void drain(const Stream& ch);

  // Runs child i's process in the calling fiber.
  void run_child(std::size_t i, const Done& d, Stream child_in, Stream child_out);
  // Starts child i's process in a new fiber of `scope`, named "<kind>-<i>".
  void spawn_child(Scope& scope, std::size_t i, Stream child_in, Stream child_out,
                   source_location loc = source_location::current());
  // The same, for a child subtree this node may cut: its channels carry `cut`.
  void spawn_cuttable_child(Scope& scope, std::size_t i, Stream child_in, Stream child_out,
                            std::shared_ptr<bool> cut,
                            source_location loc = source_location::current());
};

// Runs `node`'s process in the calling fiber; `cut` as NodeRun::cut.
void run_node(const Node& node, CaseContext& ctx, const Done& done, Stream in, Stream out,
              std::shared_ptr<bool> cut = nullptr);

}  // namespace fibercheck::harness
