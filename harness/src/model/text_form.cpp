#include "model/text_form.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "fibercheck/harness/kind.hpp"

namespace fibercheck::harness {

ParseError::ParseError(std::size_t column, const std::string& message)
    : std::invalid_argument("at column " + std::to_string(column) + ": " + message),
      column_(column) {}

std::string print_node(const Node& n) {
  std::string s = n.kind;
  if (!n.params.empty()) {
    s += '{';
    for (std::size_t i = 0; i < n.params.size(); ++i) {
      if (i) s += ',';
      s += n.params[i].name + "=" + std::to_string(n.params[i].value);
    }
    s += '}';
  }
  if (!n.children.empty()) {
    s += '(';
    for (std::size_t i = 0; i < n.children.size(); ++i) {
      if (i) s += ',';
      s += print_node(n.children[i]);
    }
    s += ')';
  }
  return s;
}

std::string print(const Topology& t) { return std::string(kTextVersion) + " " + print_node(t); }

namespace {

constexpr int kMaxDepth = 64;
// Far above any generated tree (`fibercheck run --size` stops at 5000), far below
// what a 1 MiB line could spell out and a run could not hold.
constexpr std::size_t kMaxNodes = 10000;
// A token longer than this is cut in messages (a whole line pasted by mistake).
constexpr std::size_t kMaxTokenShown = 40;

bool is_delimiter(char c) {
  return c == ' ' || c == ',' || c == '(' || c == ')' || c == '{' || c == '}' || c == '=';
}

// What a kind takes, as an error expects it: "stage alone (it takes no children)",
// "fanout with exactly 1 child", "pipe with 1 to 6 children", "steward with at most
// 1 child".
std::string children_rule(const KindInfo& k) {
  const auto count = [](int n) {
    std::string s = std::to_string(n);
    s += n == 1 ? " child" : " children";
    return s;
  };
  if (k.max_children == 0) return k.name + " alone (it takes no children)";
  std::string s = k.name + " with ";
  if (k.min_children == k.max_children) return s + "exactly " + count(k.max_children);
  if (k.min_children == 0) return s + "at most " + count(k.max_children);
  return s + std::to_string(k.min_children) + " to " + count(k.max_children);
}

class Parser {
 public:
  Parser(std::string_view s, std::size_t first_column) : s_(s), base_(first_column) {}

  Topology topology() {
    if (s_.substr(0, kTextVersion.size() + 1) != std::string(kTextVersion) + " ") {
      const std::string_view found = raw_token_at(0);
      if (found == kTextVersion) {
        pos_ = kTextVersion.size();
        fail("a space after '" + std::string(kTextVersion) + "'");
      }
      // "fc2 ...": a topology written for another version of the text form.
      if (found.size() > 2 && found.size() <= 8 && found.substr(0, 2) == "fc" &&
          found.find_first_not_of("0123456789", 2) == std::string_view::npos)
        throw ParseError(column(0), "this fibercheck reads " + std::string(kTextVersion) +
                                        " topologies; found " + std::string(found) + ", expected " +
                                        std::string(kTextVersion) +
                                        " (written by another version of fibercheck)");
      fail("a topology starting with '" + std::string(kTextVersion) + " '");
    }
    pos_ = kTextVersion.size() + 1;
    Node n = node(0);
    if (pos_ != s_.size()) fail("the end of the topology");
    return n;
  }

 private:
  // The 1-based column of s_[at] in the line the user sees.
  std::size_t column(std::size_t at) const { return base_ + at; }

  // The whole token that starts at `at`: up to the next delimiter, or the delimiter
  // itself; "" at the end.
  std::string_view raw_token_at(std::size_t at) const {
    if (at >= s_.size()) return {};
    std::size_t end = at + 1;
    if (!is_delimiter(s_[at]))
      while (end < s_.size() && !is_delimiter(s_[end]) &&
             std::isprint(static_cast<unsigned char>(s_[end])))
        ++end;
    return s_.substr(at, end - at);
  }

  // The token at `at` as a message shows it: quoted, or "the end", or "byte N" for an
  // unprintable one.
  std::string token_at(std::size_t at) const {
    if (at >= s_.size()) return "the end";
    if (!std::isprint(static_cast<unsigned char>(s_[at]))) {
      std::string b = "byte ";
      b += std::to_string(static_cast<unsigned char>(s_[at]));
      return b;
    }
    const std::string_view t = raw_token_at(at);
    std::string q = "'";
    q += t.substr(0, kMaxTokenShown);
    if (t.size() > kMaxTokenShown) q += "...";
    q += "'";
    return q;
  }

  [[noreturn]] void fail(const std::string& expected, const std::string& hint = "") const {
    fail_at(pos_, expected, token_at(pos_), hint);
  }

  [[noreturn]] void fail_at(std::size_t at, const std::string& expected, const std::string& found,
                            const std::string& hint = "") const {
    throw ParseError(column(at), "expected " + expected + ", found " + found + hint);
  }

  bool eat(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::string name(const char* what) {
    const std::size_t start = pos_;
    if (pos_ >= s_.size() || !std::islower(static_cast<unsigned char>(s_[pos_])))
      fail(std::string(what) + " (lowercase letters, digits and '-')");
    while (pos_ < s_.size() &&
           (std::islower(static_cast<unsigned char>(s_[pos_])) ||
            std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '-'))
      ++pos_;
    if (pos_ - start > 64) {
      pos_ = start;
      fail(std::string(what) + " of at most 64 characters");
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  std::int64_t integer(const std::string& for_name) {
    const std::size_t start = pos_;
    bool neg = eat('-');
    if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      pos_ = start;
      fail("a whole number for " + for_name);
    }
    std::int64_t v = 0;
    while (pos_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[pos_]))) {
      if (v > 100000000000LL) {
        pos_ = start;
        fail("a number of at most 12 digits");
      }
      v = v * 10 + (s_[pos_++] - '0');
    }
    return neg ? -v : v;
  }

  const KindInfo& kind_name(Node& n) {
    const std::size_t kind_pos = pos_;
    n.kind = name("a kind name");
    const KindInfo* k = find_kind(n.kind);
    if (k == nullptr) {
      std::vector<std::string> names;
      for (const KindInfo& known : kinds()) names.push_back(known.name);
      fail_at(kind_pos, "a known kind (`fibercheck kinds` lists them)", token_at(kind_pos),
              did_you_mean(n.kind, names));
    }
    return *k;
  }

  // "{name=value,...}": each parameter of the kind at most once, within its range.
  void params(const KindInfo& k, Node& n) {
    std::vector<std::size_t> given_at(k.params.size(), 0);  // column + 1 of each, 0: not given
    std::vector<std::string> names;
    for (const ParamSpec& p : k.params) names.push_back(p.name);
    do {
      const std::size_t param_pos = pos_;
      const std::string pname = name("a parameter name");
      std::size_t i = 0;
      while (i < k.params.size() && k.params[i].name != pname) ++i;
      if (i == k.params.size()) {
        std::string list;
        for (const std::string& p : names) list += (list.empty() ? "" : ", ") + p;
        fail_at(param_pos,
                "a parameter of " + n.kind + " (" + (list.empty() ? "it has none" : list) + ")",
                token_at(param_pos), did_you_mean(pname, names));
      }
      if (given_at[i] != 0)
        throw ParseError(column(param_pos),
                         "parameter '" + pname + "' of " + n.kind + " given twice, at columns " +
                             std::to_string(column(given_at[i] - 1)) + " and " +
                             std::to_string(column(param_pos)) + "; expected each parameter once");
      given_at[i] = param_pos + 1;
      if (!eat('=')) fail("'=' after " + pname);
      const ParamSpec& spec = k.params[i];
      const std::int64_t v = integer(pname);
      if (v < spec.min || v > spec.max) {
        // The whole "name=value", as written.
        std::string written = "'";
        written += s_.substr(param_pos, pos_ - param_pos);
        written += "'";
        fail_at(param_pos,
                pname + " from " + std::to_string(spec.min) + " to " + std::to_string(spec.max),
                written);
      }
      n.params[i].value = v;
    } while (eat(','));
    if (!eat('}')) fail("',' or '}'");
  }

  Node node(int depth) {
    if (depth > kMaxDepth) fail("a tree at most " + std::to_string(kMaxDepth) + " levels deep");
    if (++nodes_ > kMaxNodes) fail("a tree of at most " + std::to_string(kMaxNodes) + " nodes");
    Node n;
    const KindInfo& k = kind_name(n);
    for (const ParamSpec& p : k.params) n.params.push_back({p.name, p.simplest});
    if (eat('{')) params(k, n);
    const std::size_t children_pos = pos_;
    if (eat('(')) {
      do {
        n.children.push_back(node(depth + 1));
      } while (eat(','));
      if (!eat(')')) fail("',' or ')'");
    }
    const int c = static_cast<int>(n.children.size());
    if (c < k.min_children || c > k.max_children) {
      std::string found = c == 0 ? std::string("no") : std::to_string(c);
      found += c == 1 ? " child" : " children";
      fail_at(children_pos, children_rule(k), found);
    }
    return n;
  }

  std::string_view s_;
  std::size_t base_;
  std::size_t pos_ = 0;
  std::size_t nodes_ = 0;
};

// Optimal string alignment distance: insertions, deletions, substitutions and
// swaps of two neighbours each cost one.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

Topology parse(std::string_view text) { return Parser(text, 1).topology(); }

Topology parse(std::string_view text, std::size_t first_column) {
  return Parser(text, first_column).topology();
}

std::string nearest_spelling(std::string_view word, const std::vector<std::string>& candidates) {
  // Words of 64 letters at most are compared (names are that long at most).
  if (word.empty() || word.size() > 64) return "";
  const std::size_t near_enough = std::max<std::size_t>(1, word.size() / 3);
  std::string best;
  std::size_t best_distance = near_enough + 1;
  for (const std::string& c : candidates) {
    if (c.size() > 64) continue;
    const std::size_t d = edit_distance(word, c);
    if (d < best_distance && d < c.size()) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string near = nearest_spelling(word, candidates);
  if (near.empty() || near == word) return "";
  return "; did you mean '" + near + "'?";
}

}  // namespace fibercheck::harness
