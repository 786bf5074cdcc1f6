#include "fibercheck/harness/node_run.hpp"

#include <stdexcept>

#include "fibercheck/sched/rng.hpp"

namespace fibercheck::harness {

namespace {
std::uint64_t value_hash(Value v) { return sched::mix(0x1234567, v); }
}  // namespace

NodeRun::NodeRun(const Node& n, const KindInfo& k, CaseContext& c, Done d, Stream i, Stream o)
    : node(n), kind(k), ctx(c), done(std::move(d)), in(std::move(i)), out(std::move(o)) {}

Stream NodeRun::make_chan(const std::string& what, std::size_t capacity) {
  std::string name = what + "#" + std::to_string(ctx.next_chan++);
  if (cut) ctx.ledger[name].cut = cut;
  return Stream(capacity, std::move(name));
}

void record_sent(CaseContext& ctx, const std::string& chan, Value v) {
  ChannelLedger& l = ctx.ledger[chan];
  ++l.sent;
  l.sent_hash += value_hash(v);
}

void record_received(CaseContext& ctx, const std::string& chan, Value v) {
  ChannelLedger& l = ctx.ledger[chan];
  ++l.received;
  l.received_hash += value_hash(v);
}

Status NodeRun::counted_send(const Stream& ch, Value v, const Done& d) {
  Status st = ch.send(d, v);
  if (st == Status::ok) note_sent(ch, v);
  return st;
}

Recv<Value> NodeRun::counted_recv(const Stream& ch, const Done& d) {
  Recv<Value> r = ch.recv(d);
  if (r) note_received(ch, *r);
  return r;
}

void NodeRun::forward() {
  while (auto v = recv(in))
    if (send(out, *v) != Status::ok) return;
}

void NodeRun::drain(const Stream& ch) {
  while (recv(ch)) {
  }
}

void NodeRun::run_child(std::size_t i, const Done& d, Stream child_in, Stream child_out) {
  run_node(node.children.at(i), ctx, d, std::move(child_in), std::move(child_out), cut);
}

void NodeRun::spawn_child(Scope& scope, std::size_t i, Stream child_in, Stream child_out,
                          source_location loc) {
  spawn_cuttable_child(scope, i, std::move(child_in), std::move(child_out), cut, loc);
}

void NodeRun::spawn_cuttable_child(Scope& scope, std::size_t i, Stream child_in, Stream child_out,
                                   std::shared_ptr<bool> subtree_cut, source_location loc) {
  const Node& child = node.children.at(i);
  CaseContext* c = &ctx;
  scope.spawn(
      child.kind + "-" + std::to_string(i),
      [&child, c, child_in, child_out, subtree_cut](Done d) {
        run_node(child, *c, d, child_in, child_out, subtree_cut);
      },
      loc);
}

void run_node(const Node& node, CaseContext& ctx, const Done& done, Stream in, Stream out,
              std::shared_ptr<bool> cut) {
  const KindInfo* k = find_kind(node.kind);
  if (k == nullptr) throw std::invalid_argument("unknown kind '" + node.kind + "'");
  NodeRun r(node, *k, ctx, done, std::move(in), std::move(out));
  r.cut = std::move(cut);
  k->start(r);
}

}  // namespace fibercheck::harness
