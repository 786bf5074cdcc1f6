#include "check/check_names.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "check/check_case.hpp"
#include "fibercheck/harness/check.hpp"
#include "model/text_form.hpp"

namespace fibercheck::harness {

namespace {

struct SeenCheck {
  std::string name;
  std::string site;
};

// What the process's checks were called, and which replay lines they took.
struct Ledger {
  std::mutex mu;
  std::map<std::string, std::vector<std::string>> sites_of_scope;  // call sites, in order reached
  std::vector<SeenCheck> seen;                                     // each name and site once
  std::set<std::string> taken;
  bool settled = false;
  ReplayHintFn hint = nullptr;
};

Ledger& ledger() {
  static auto* l = new Ledger;  // never destroyed: the exit check reads it after statics die
  return *l;
}

std::string base_name(const char* path) {
  std::string file = path ? path : "";
  if (const auto slash = file.rfind('/'); slash != std::string::npos) file.erase(0, slash + 1);
  return file;
}

// The scope a default name counts call sites in: the test, else the file and function.
std::string scope_of(const source_location& site, const std::string& test) {
  if (!test.empty()) return test;
  std::string s = base_name(site.file_name());
  const std::string fn = site.function_name() ? site.function_name() : "";
  if (!fn.empty()) {
    s += ':';
    s += fn;
  }
  return s;
}

std::string site_text(const source_location& site) {
  std::string s = site.file_name() ? site.file_name() : "";
  s += ':';
  s += std::to_string(site.line());
  return s;
}

// A name without the ordinal ("#2") or the line number that older names ended with.
std::string without_suffix(const std::string& name) {
  const std::size_t cut = name.find_last_of("#:");
  if (cut == std::string::npos || cut + 1 == name.size()) return name;
  if (name.find_first_not_of("0123456789", cut + 1) != std::string::npos) return name;
  return name.substr(0, cut);
}

// The name the line's root= gives, or the reason the line names no check().
struct LineTarget {
  std::string root;   // the check's name, for a root case line
  bool tree = false;  // a topology= line
  std::string error;  // why the line is not a case line
};

LineTarget target_of(const std::string& line) {
  LineTarget t;
  if (is_tree_case_line(line)) {
    t.tree = true;
    return t;
  }
  try {
    t.root = parse_root_case(line).root;
  } catch (const ParseError& e) {
    t.error = e.what();
  }
  return t;
}

// The reached check whose name is closest to `want`, if close enough to suggest.
std::optional<std::string> close_name(const std::string& want, const std::vector<SeenCheck>& seen) {
  std::optional<std::string> best;
  std::size_t best_distance = 0;
  for (const SeenCheck& s : seen) {
    const bool same_base = without_suffix(s.name) == without_suffix(want);
    const std::size_t d = same_base ? 0 : edit_distance(s.name, want);
    if (!same_base && d > std::max<std::size_t>(2, want.size() / 5)) continue;
    if (!best || d < best_distance) {
      best = s.name;
      best_distance = d;
    }
  }
  return best;
}

// The checks reached, in the order reached; when there are too many to list, those
// whose names are closest to `want` (the line's name).
std::string reached_list(std::vector<SeenCheck> seen, const std::string& want) {
  if (seen.empty()) return "this process reached no check() or check_kind() call\n";
  constexpr std::size_t kShown = 20;
  std::string s = "checks this process reached (";
  s += std::to_string(seen.size());
  if (seen.size() > kShown && !want.empty()) {
    s += "; the ";
    s += std::to_string(kShown);
    s += " whose names are closest to '";
    s += want;
    s += "'";
    std::stable_sort(seen.begin(), seen.end(), [&](const SeenCheck& a, const SeenCheck& b) {
      return edit_distance(without_suffix(a.name), without_suffix(want)) <
             edit_distance(without_suffix(b.name), without_suffix(want));
    });
  }
  s += "):\n";
  for (std::size_t i = 0; i < seen.size() && i < kShown; ++i) {
    s += "  '";
    s += seen[i].name;
    s += "' (at ";
    s += seen[i].site;
    s += ")\n";
  }
  if (seen.size() > kShown) {
    s += "  ... and ";
    s += std::to_string(seen.size() - kShown);
    s += " more\n";
  }
  return s;
}

void exit_check() {
  {
    std::lock_guard<std::mutex> lk(ledger().mu);
    if (ledger().settled) return;
  }
  const std::optional<std::string> msg = unmatched_replay_message();
  if (!msg) return;
  std::fflush(stdout);
  std::fputs(msg->c_str(), stderr);
  std::fflush(nullptr);
  std::_Exit(1);  // exit() may not be called again from an exit handler
}

}  // namespace

std::string name_token(std::string name) {
  for (char& c : name)
    if (c == ' ' || c == '\'' || c == '"' || c == '\\' || c == '\t' || c == '\n') c = '_';
  return name;
}

CheckIdentity identify_check(const std::string& explicit_name, const source_location& site) {
  CheckIdentity id;
  id.test = fibercheck::detail::current_test_name();
  id.site = site_text(site);
  const std::string scope = scope_of(site, id.test);
  Ledger& l = ledger();
  std::lock_guard<std::mutex> lk(l.mu);
  std::vector<std::string>& sites = l.sites_of_scope[scope];
  const std::string key = id.site + ":" + (site.function_name() ? site.function_name() : "");
  auto at = std::find(sites.begin(), sites.end(), key);
  if (at == sites.end()) at = sites.insert(sites.end(), key);
  const std::size_t ordinal = static_cast<std::size_t>(at - sites.begin()) + 1;
  if (!explicit_name.empty()) {
    id.name = name_token(explicit_name);
  } else {
    id.name = scope;
    if (ordinal > 1) {
      id.name += '#';
      id.name += std::to_string(ordinal);
    }
    id.name = name_token(id.name);
  }
  const bool known = std::any_of(l.seen.begin(), l.seen.end(), [&](const SeenCheck& s) {
    return s.name == id.name && s.site == id.site;
  });
  if (!known) l.seen.push_back({id.name, id.site});
  return id;
}

bool is_tree_case_line(const std::string& line) {
  return line.rfind("fibercheck-case ", 0) == 0 && line.find(" topology=") != std::string::npos &&
         line.find(" root=") == std::string::npos;
}

void note_replay_taken(const std::string& line) {
  std::lock_guard<std::mutex> lk(ledger().mu);
  ledger().taken.insert(line);
}

std::optional<std::string> unmatched_replay_message() {
  const char* env = std::getenv("FIBERCHECK_REPLAY");
  if (env == nullptr || *env == '\0') return std::nullopt;
  const std::string line = env;
  std::vector<SeenCheck> seen;
  ReplayHintFn hint = nullptr;
  {
    Ledger& l = ledger();
    std::lock_guard<std::mutex> lk(l.mu);
    if (l.taken.count(line) != 0) return std::nullopt;
    seen = l.seen;
    hint = l.hint;
  }
  const LineTarget t = target_of(line);
  std::string s = "fibercheck: FIBERCHECK_REPLAY matched no check, so nothing was replayed: ";
  if (t.tree) {
    s += "the line is a tree case (topology=), which a check_kind() of a kind the tree uses "
         "replays, and no check_kind() here uses one (or replay it with `fibercheck replay "
         "'<line>'`)\n";
  } else if (!t.error.empty()) {
    s += "it is not a case line (";
    s += t.error;
    s += ")\n";
  } else {
    s += "the line is for check '";
    s += t.root;
    s += "', and no check of this process has that name\n";
  }
  s += reached_list(seen, t.root);
  if (!t.root.empty()) {
    if (const auto close = close_name(t.root, seen)) {
      s += "'";
      s += t.root;
      s += "' is close to '";
      s += *close;
      s += "': if that is the check, its name changed since the line was printed (a check call "
           "added or removed before it in the same test or function, or the test renamed); run "
           "it again without FIBERCHECK_REPLAY for a new line, or set root=";
      s += *close;
      s += " in this one\n";
    }
  }
  if (hint) {
    const std::string h = hint();
    if (!h.empty()) {
      s += h;
      s += '\n';
    }
  }
  s += "(unset FIBERCHECK_REPLAY to run every check as usual)\n";
  return s;
}

void arm_replay_exit_check() {
  static std::once_flag once;
  std::call_once(once, [] {
    (void)ledger();  // built before the handler is registered, so it outlives the handler
    std::atexit(&exit_check);
  });
}

void settle_replay() {
  std::lock_guard<std::mutex> lk(ledger().mu);
  ledger().settled = true;
}

void set_replay_hint(ReplayHintFn fn) noexcept {
  // Called during static initialization (gtest.hpp): the ledger may not exist yet.
  Ledger& l = ledger();
  std::lock_guard<std::mutex> lk(l.mu);
  l.hint = fn;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace fibercheck::harness

namespace fibercheck::detail {

std::optional<std::string> unmatched_replay_message() {
  return harness::unmatched_replay_message();
}
void settle_replay() { harness::settle_replay(); }
void arm_replay_exit_check() { harness::arm_replay_exit_check(); }
void set_replay_hint(ReplayHintFn fn) noexcept { harness::set_replay_hint(fn); }

}  // namespace fibercheck::detail
