// picture.hpp: a run as a picture. DOT always; SVG through Graphviz's `dot` when it
// is installed. The fiber tree, channels as dashed edges between the fibers that
// used them, exited fibers grey, leaked fibers red, and the path from the root to
// each leaked fiber bold. Needs the run's event log (RunOptions::trace).
#pragma once

#include <string>

#include "fibercheck/run.hpp"

namespace fibercheck::harness {

[[nodiscard]] std::string to_dot(const Outcome& o);
// Writes `dot_text` rendered as SVG to `path` with Graphviz. Returns an empty
// string on success, else why it could not (Graphviz missing, or it failed).
[[nodiscard]] std::string render_svg(const std::string& dot_text, const std::string& path);

}  // namespace fibercheck::harness
