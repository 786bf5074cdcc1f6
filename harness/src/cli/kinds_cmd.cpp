// fibercheck kinds: every kind with its parameters and one line of description;
// mutants are marked.
#include <cstdio>
#include <string_view>

#include "cli/commands.hpp"
#include "fibercheck/harness/kind.hpp"

namespace fibercheck::cli {

CLI::App* add_kinds(CLI::App& tool) {
  CLI::App* kinds =
      add_command(tool, "kinds",
                  "list every kind with its parameters, children and description; mutants\n"
                  "(kinds that leak on purpose) are marked");
  kinds->footer("exit status: 0 listed, 2 bad input (kinds takes no options or arguments)");
  return kinds;
}

int cmd_kinds(const CLI::App&) {
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
    const char* mark =
        k.mutant ? (k.schedule_dependent ? "[mutant, schedule-dependent] " : "[mutant] ") : "";
    std::printf("%-34s %s%s\n", sig.c_str(), mark, k.description.c_str());
  }
  return 0;
}

}  // namespace fibercheck::cli
