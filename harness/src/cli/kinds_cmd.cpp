// fibercheck kinds: every kind with its parameters and one line of description;
// mutants are marked.
#include <cstdio>
#include <string_view>

#include "cli/commands.hpp"
#include "fibercheck/harness/kind.hpp"

namespace fibercheck::cli {

int cmd_kinds(const Args& a) {
  if (!a.positional.empty()) {
    // Not "..." + substr(...): GCC 12 at -O3 (Release) sees a false overlap (-Wrestrict).
    std::string what = "kinds: unexpected argument '";
    what += std::string_view(a.positional[0]).substr(0, 40);
    throw UsageError(what + "'");
  }
  for (const harness::KindInfo& k : harness::kinds()) {
    std::string sig = k.name;
    if (!k.params.empty()) {
      sig += "{";
      for (std::size_t i = 0; i < k.params.size(); ++i)
        sig += (i ? "," : "") + k.params[i].name + "=" + std::to_string(k.params[i].min) + ".." +
               std::to_string(k.params[i].max);
      sig += "}";
    }
    if (k.max_children > 0) {
      // Not "(" + std::to_string(...): GCC 12 at -O3 sees a false overlap (-Wrestrict).
      sig += '(';
      sig += std::to_string(k.min_children);
      sig += "..";
      sig += std::to_string(k.max_children);
      sig += " children)";
    }
    const char* mark = k.mutant ? (k.schedule_dependent ? "[mutant, schedule-dependent] " : "[mutant] ") : "";
    std::printf("%-34s %s%s\n", sig.c_str(), mark, k.description.c_str());
  }
  return 0;
}

}  // namespace fibercheck::cli
