#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "model/case_line.hpp"
#include "model/text_form.hpp"
#include "util/numbers.hpp"

namespace fibercheck::harness {

namespace {

constexpr std::string_view kMagic = "fibercheck-case ";
constexpr std::string_view kVersion = "v1";

// A value as an error message quotes it: whole, or its first 24 characters and "...".
std::string quoted(std::string_view v) {
  std::string q = "'";
  q += v.substr(0, 24);
  if (v.size() > 24) q += "...";
  q += "'";
  return q;
}

std::uint64_t whole_number(const std::string& key, const std::string& v, std::size_t col) {
  const numbers::Whole n = numbers::parse_whole(v);
  if (n.problem == numbers::Problem::too_large)
    throw ParseError(col, "expected a number below 2^64 for " + key + ", found " + quoted(v));
  if (!n.ok()) throw ParseError(col, "expected a whole number for " + key + ", found " + quoted(v));
  return n.value;
}

// Checks "fibercheck-case v1 " at the start of the line; returns where the fields begin.
std::size_t read_version(std::string_view line) {
  if (line.substr(0, kMagic.size()) != kMagic) {
    const std::string_view first = line.substr(0, line.find(' '));
    throw ParseError(1, "expected a case line starting with 'fibercheck-case " +
                            std::string(kVersion) + " ', found " +
                            (first.empty() ? std::string("the end") : quoted(first)));
  }
  const std::size_t at = kMagic.size();
  const std::string_view version = line.substr(at, line.find(' ', at) - at);
  if (version == kVersion) {
    if (at + version.size() == line.size())
      throw ParseError(line.size() + 1, "expected strategy=... after 'fibercheck-case v1'");
    return at + version.size() + 1;
  }
  const bool looks_like_version =
      version.size() >= 2 && version[0] == 'v' &&
      version.find_first_not_of("0123456789", 1) == std::string_view::npos;
  if (looks_like_version)
    throw ParseError(at + 1, "this fibercheck reads fibercheck-case " + std::string(kVersion) +
                                 " lines; found " + std::string(version) + ", expected " +
                                 std::string(kVersion) +
                                 " (a line written by another version of fibercheck: replay it "
                                 "with that version)");
  throw ParseError(at + 1, "expected the version " + std::string(kVersion) +
                               " after 'fibercheck-case ', found " +
                               (version.empty() ? std::string("the end") : quoted(version)));
}

const std::vector<std::string>& schedule_keys() {
  static const std::vector<std::string> keys = {"strategy",  "seed",   "choices",
                                                "pct-depth", "cancel", "cancel-when-idle",
                                                "max-steps", "trace"};
  return keys;
}

}  // namespace

void parse_case_fields(std::string_view line, CaseSchedule& s, std::string_view last_key,
                       std::string_view last_form, const CaseKeyHandler& own) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
    line.remove_suffix(1);
  bool have_strategy = false;
  std::map<std::string, std::size_t> seen_at;  // key -> its column
  std::size_t pos = read_version(line);
  while (pos < line.size()) {
    const std::size_t col = pos + 1;
    const std::size_t eq = line.find('=', pos);
    const std::size_t sp = line.find(' ', pos);
    const std::size_t end = sp == std::string_view::npos ? line.size() : sp;
    if (eq == std::string_view::npos || eq > end)
      throw ParseError(col,
                       "expected key=value, found " +
                           (end == pos ? std::string("' '") : quoted(line.substr(pos, end - pos))));
    const std::string key(line.substr(pos, eq - pos));
    const std::string v(line.substr(eq + 1, end - eq - 1));
    const std::size_t vcol = eq + 2;
    if (const auto [it, first] = seen_at.emplace(key, col); !first)
      throw ParseError(col, "key '" + key + "' given twice, at columns " +
                                std::to_string(it->second) + " and " + std::to_string(col) +
                                "; expected each key once");
    if (key == "strategy") {
      if (!sched::parse_strategy_kind(v, s.strategy.kind))
        throw ParseError(vcol, "expected fifo, random, pct or replay, found " + quoted(v) +
                                   did_you_mean(v, {"fifo", "random", "pct", "replay"}));
      have_strategy = true;
    } else if (key == "seed") {
      s.strategy.seed = whole_number(key, v, vcol);
    } else if (key == "choices") {
      for (std::size_t i = 0; v != "-" && i <= v.size();) {
        std::size_t dot = v.find('.', i);
        if (dot == std::string::npos) dot = v.size();
        const std::uint64_t n = whole_number("a choice", v.substr(i, dot - i), vcol + i);
        if (n > 0xffffffffull)
          throw ParseError(vcol + i,
                           "expected a choice below 2^32, found " + quoted(v.substr(i, dot - i)));
        s.strategy.choices.push_back(static_cast<std::uint32_t>(n));
        i = dot + 1;
      }
    } else if (key == "pct-depth") {
      const std::uint64_t d = whole_number(key, v, vcol);
      if (d < 1 || d > 64)
        throw ParseError(vcol, "expected pct-depth from 1 to 64, found " + quoted(v));
      s.strategy.pct_depth = static_cast<int>(d);
    } else if (key == "cancel") {
      if (v != "none") s.cancel_step = whole_number(key, v, vcol);
    } else if (key == "cancel-when-idle") {
      if (v != "0" && v != "1")
        throw ParseError(vcol, "expected 0 or 1 for cancel-when-idle, found " + quoted(v));
      s.cancel_when_idle = v == "1";
    } else if (key == "max-steps") {
      s.max_steps = whole_number(key, v, vcol);
      if (s.max_steps == 0 || s.max_steps > 100000000)
        throw ParseError(vcol, "expected max-steps from 1 to 100000000, found " + quoted(v));
    } else if (key == "trace") {
      if (v.size() != 16 || v.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw ParseError(vcol, "expected 16 lowercase hex digits for trace, found " + quoted(v));
      s.trace_hash = numbers::parse_whole(v, 16).value;
    } else if (own(key, line.substr(eq + 1), col, vcol) == CaseKey::last) {
      if (!have_strategy)
        throw ParseError(line.size() + 1, "expected strategy=... in the case line");
      return;
    } else {
      std::vector<std::string> keys = schedule_keys();
      keys.emplace_back(last_key);
      throw ParseError(col,
                       "expected one of strategy, seed, choices, pct-depth, cancel, "
                       "cancel-when-idle, max-steps, trace, " +
                           std::string(last_key) + "; found " + quoted(key) +
                           did_you_mean(key, keys));
    }
    pos = end + 1;
  }
  if (!have_strategy) throw ParseError(line.size() + 1, "expected strategy=... in the case line");
  throw ParseError(line.size() + 1,
                   "expected " + std::string(last_form) + " at the end of the case line");
}

ParsedCase parse_case(std::string_view line) {
  ParsedCase pc;
  CaseSpec& c = pc.spec;
  CaseSchedule s = schedule_of(c);
  parse_case_fields(
      line, s, "topology", "topology=fc1 ...",
      [&c](const std::string& key, std::string_view rest, std::size_t, std::size_t vcol) {
        if (key != "topology") return CaseKey::unknown;
        c.topology = parse(rest, vcol);  // its columns count from the line's start
        return CaseKey::last;
      });
  pc.trace_hash = s.trace_hash;
  set_schedule(c, std::move(s));
  return pc;
}

}  // namespace fibercheck::harness
