#include "model/text_form.hpp"

#include <cctype>

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

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Topology topology() {
    if (s_.substr(0, kTextVersion.size()) != kTextVersion)
      fail("the version prefix '" + std::string(kTextVersion) + " '");
    pos_ = kTextVersion.size();
    if (pos_ >= s_.size() || s_[pos_] != ' ')
      fail("a space after '" + std::string(kTextVersion) + "'");
    ++pos_;
    Node n = node(0);
    if (pos_ != s_.size()) fail("the end of the topology");
    return n;
  }

 private:
  [[noreturn]] void fail(const std::string& expected) const {
    std::string found = pos_ < s_.size() ? "'" + std::string(1, s_[pos_]) + "'" : "the end";
    if (pos_ < s_.size() && !std::isprint(static_cast<unsigned char>(s_[pos_])))
      found = "byte " + std::to_string(static_cast<unsigned char>(s_[pos_]));
    throw ParseError(pos_ + 1, "expected " + expected + ", found " + found);
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

  std::int64_t integer() {
    const std::size_t start = pos_;
    bool neg = eat('-');
    if (pos_ >= s_.size() || !std::isdigit(static_cast<unsigned char>(s_[pos_])))
      fail("a whole number");
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

  Node node(int depth) {
    if (depth > kMaxDepth) fail("a tree at most " + std::to_string(kMaxDepth) + " levels deep");
    if (++nodes_ > kMaxNodes) fail("a tree of at most " + std::to_string(kMaxNodes) + " nodes");
    const std::size_t kind_pos = pos_;
    Node n;
    n.kind = name("a kind name");
    const KindInfo* k = find_kind(n.kind);
    if (k == nullptr) {
      pos_ = kind_pos;
      fail("a known kind (`fibercheck kinds` lists them), not '" + n.kind + "'");
    }
    for (const ParamSpec& p : k->params) n.params.push_back({p.name, p.simplest});
    if (eat('{')) {
      do {
        const std::size_t param_pos = pos_;
        std::string pname = name("a parameter name");
        Param* slot = nullptr;
        for (Param& p : n.params)
          if (p.name == pname) slot = &p;
        if (slot == nullptr) {
          pos_ = param_pos;
          std::string names;
          for (const ParamSpec& p : k->params) names += (names.empty() ? "" : ", ") + p.name;
          fail("a parameter of " + n.kind + " (" + (names.empty() ? "it has none" : names) + ")");
        }
        if (!eat('=')) fail("'=' after " + pname);
        const std::size_t value_pos = pos_;
        std::int64_t v = integer();
        for (const ParamSpec& p : k->params) {
          if (p.name == pname && (v < p.min || v > p.max)) {
            pos_ = value_pos;
            fail(pname + " from " + std::to_string(p.min) + " to " + std::to_string(p.max));
          }
        }
        slot->value = v;
      } while (eat(','));
      if (!eat('}')) fail("',' or '}'");
    }
    const std::size_t children_pos = pos_;
    if (eat('(')) {
      do {
        n.children.push_back(node(depth + 1));
      } while (eat(','));
      if (!eat(')')) fail("',' or ')'");
    }
    const int c = static_cast<int>(n.children.size());
    if (c < k->min_children || c > k->max_children) {
      pos_ = children_pos;
      fail(n.kind + " with " + std::to_string(k->min_children) + " to " +
           std::to_string(k->max_children) + " children, not " + std::to_string(c));
    }
    return n;
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  std::size_t nodes_ = 0;
};

}  // namespace

Topology parse(std::string_view text) { return Parser(text).topology(); }

}  // namespace fibercheck::harness
