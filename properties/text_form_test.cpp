#include "model/text_form.hpp"

#include "support.hpp"

namespace fibercheck::props {

// The text form round-trips: parse(print(t)) == t, mutants included.
RC_GTEST_PROP(TextForm, PrintThenParseGivesTheSameTree, ()) {
  Topology t = *harness::gen_topology();
  if (*rc::gen::inRange(0, 2) == 1) {
    auto names = harness::mutant_kind_names();
    sched::Rng rng(*rc::gen::arbitrary<std::uint64_t>());
    t = harness::plant(t, names[rng.below(names.size())], rng);
  }
  const std::string text = harness::print(t);
  RC_ASSERT(harness::parse(text) == t);
}

}  // namespace fibercheck::props
