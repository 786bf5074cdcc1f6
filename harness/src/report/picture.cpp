#include "report/picture.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

namespace fibercheck::harness {

namespace {

std::string quote(const std::string& s) {
  std::string q = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string parent_path(const std::string& p) {
  std::size_t slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash);
}

// For the shell: single quotes, with embedded single quotes closed and escaped.
std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

std::string to_dot(const Outcome& o) {
  std::map<std::string, bool> exited;                               // path -> exited
  std::map<std::string, std::set<std::string>> senders, receivers;  // chan -> paths
  std::map<std::uint64_t, std::string> path_of;
  for (const Event& e : o.events) {
    if (e.kind == EventKind::spawn) {
      std::string p = e.detail.substr(0, e.detail.find(' '));
      path_of[e.fiber] = p;
      exited.emplace(p, false);
    } else if (e.kind == EventKind::exit && path_of.count(e.fiber)) {
      exited[path_of[e.fiber]] = true;
    } else if ((e.kind == EventKind::send || e.kind == EventKind::recv) && path_of.count(e.fiber)) {
      std::size_t at = e.detail.find("chan '");
      if (at == std::string::npos) continue;
      std::size_t end = e.detail.find('\'', at + 6);
      std::string ch = e.detail.substr(at + 6, end - at - 6);
      (e.kind == EventKind::send ? senders : receivers)[ch].insert(path_of[e.fiber]);
    }
  }
  std::set<std::string> leaked, bold_nodes;
  for (const FiberInfo& f : o.live) {
    leaked.insert(f.path);
    exited[f.path] = false;
    for (std::string p = f.path; !p.empty(); p = parent_path(p)) bold_nodes.insert(p);
    // Channels a leaked fiber is blocked on count as used, even with no completed op.
    std::size_t at = f.blocked_on.find("chan '");
    if (at != std::string::npos) {
      std::size_t end = f.blocked_on.find('\'', at + 6);
      std::string ch = f.blocked_on.substr(at + 6, end - at - 6);
      (f.blocked_on.rfind("send", 0) == 0 ? senders : receivers)[ch].insert(f.path);
    }
  }
  std::string s =
      "digraph fibercheck {\n  rankdir=TB;\n  node [shape=box, style=filled, "
      "fontname=\"monospace\"];\n";
  for (const auto& [path, gone] : exited) {
    std::string label = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
    std::string attrs = "label=" + quote(label);
    if (leaked.count(path)) {
      attrs += ", fillcolor=\"#e74c3c\", fontcolor=white, penwidth=3, tooltip=" +
               quote("leaked: " + path);
    } else if (gone) {
      attrs += ", fillcolor=\"#d5d5d5\", fontcolor=\"#555555\"";
    } else {
      attrs += ", fillcolor=white";
    }
    if (bold_nodes.count(path) && !leaked.count(path)) attrs += ", penwidth=3";
    s += "  " + quote(path) + " [" + attrs + "];\n";
  }
  for (const auto& [path, gone] : exited) {
    std::string parent = parent_path(path);
    if (parent.empty() || !exited.count(parent)) continue;
    s += "  " + quote(parent) + " -> " + quote(path);
    if (bold_nodes.count(path)) s += " [penwidth=3]";
    s += ";\n";
  }
  // A channel is an edge from each fiber that sent on it to each that received from
  // it; a channel used from one side only (a send nobody reads, a receive nobody
  // feeds: the usual leak) is drawn as its own small node, so it is still seen.
  std::set<std::string> channels;
  for (const auto& [ch, from] : senders) channels.insert(ch);
  for (const auto& [ch, to] : receivers) channels.insert(ch);
  const std::string chan_edge = " [style=dashed, color=\"#2e86c1\", fontsize=9, constraint=false";
  for (const std::string& ch : channels) {
    const std::set<std::string>& from = senders[ch];
    const std::set<std::string>& to = receivers[ch];
    if (!from.empty() && !to.empty()) {
      for (const std::string& a : from)
        for (const std::string& b : to)
          if (a != b)
            s += "  " + quote(a) + " -> " + quote(b) + chan_edge + ", label=" + quote(ch) + "];\n";
      continue;
    }
    const std::string node = quote("chan " + ch);
    s += "  " + node + " [label=" + quote(ch) +
         ", shape=ellipse, style=dashed, color=\"#2e86c1\", fontsize=9];\n";
    for (const std::string& a : from) s += "  " + quote(a) + " -> " + node + chan_edge + "];\n";
    for (const std::string& b : to) s += "  " + node + " -> " + quote(b) + chan_edge + "];\n";
  }
  return s + "}\n";
}

std::string render_svg(const std::string& dot_text, const std::string& path) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0)
    return "Graphviz's dot is not installed (apt-get install graphviz); the DOT text is still "
           "written";
  char tmpl[] = "/tmp/fibercheck-XXXXXX.dot";
  int fd = mkstemps(tmpl, 4);
  if (fd < 0) return "cannot create a temporary file for dot";
  {
    std::ofstream out(tmpl);
    out << dot_text;
  }
  close(fd);
  std::string cmd = "dot -Tsvg " + shell_quote(tmpl) + " -o " + shell_quote(path) + " 2>/dev/null";
  int rc = std::system(cmd.c_str());
  std::remove(tmpl);
  return rc == 0 ? "" : "dot failed to render " + path;
}

}  // namespace fibercheck::harness
