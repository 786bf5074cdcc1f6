#include "shrink.hpp"

#include "generate.hpp"

namespace fibercheck::harness {

CaseSpec shrink_case(CaseSpec failing, const FailsFn& fails, ShrinkStats* stats) {
  ShrinkStats local;
  ShrinkStats& st = stats ? *stats : local;
  for (bool progress = true; progress;) {
    progress = false;
    for (Topology& t : shrinks(failing.topology)) {
      CaseSpec c = failing;
      c.topology = std::move(t);
      ++st.tried;
      if (fails(c)) {
        failing = std::move(c);
        ++st.accepted;
        progress = true;
        break;
      }
    }
  }
  // The earliest cancellation point that still fails.
  for (bool progress = failing.cancel_step.has_value(); progress;) {
    progress = false;
    const std::uint64_t cur = *failing.cancel_step;
    for (std::uint64_t cand : {std::uint64_t{0}, cur / 2, cur - 1}) {
      if (cur == 0 || cand >= cur) continue;
      CaseSpec c = failing;
      c.cancel_step = cand;
      ++st.tried;
      if (fails(c)) {
        failing = std::move(c);
        ++st.accepted;
        progress = true;
        break;
      }
    }
  }
  return failing;
}

}  // namespace fibercheck::harness
