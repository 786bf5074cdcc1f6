#include <cctype>

#include "model/case_line.hpp"
#include "model/text_form.hpp"
#include "util/numbers.hpp"

namespace fibercheck::harness {

namespace {

constexpr std::string_view kPrefix = "fibercheck-case v1 ";

std::uint64_t whole_number(const std::string& key, const std::string& v, std::size_t col) {
  const numbers::Whole n = numbers::parse_whole(v);
  if (n.problem == numbers::Problem::too_large)
    throw ParseError(col, "expected a number below 2^64 for " + key);
  if (!n.ok())
    throw ParseError(col,
                     "expected a whole number for " + key + ", found '" + v.substr(0, 24) + "'");
  return n.value;
}

}  // namespace

void parse_case_fields(std::string_view line, CaseSchedule& s, std::string_view last_key,
                       std::string_view last_form, const CaseKeyHandler& own) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r' || line.back() == ' '))
    line.remove_suffix(1);
  if (line.substr(0, kPrefix.size()) != kPrefix)
    throw ParseError(1, "expected a case line starting with '" + std::string(kPrefix) + "'");
  bool have_strategy = false;
  std::size_t pos = kPrefix.size();
  while (pos < line.size()) {
    const std::size_t col = pos + 1;
    const std::size_t eq = line.find('=', pos);
    const std::size_t sp = line.find(' ', pos);
    if (eq == std::string_view::npos || (sp != std::string_view::npos && sp < eq))
      throw ParseError(col, "expected key=value");
    const std::string key(line.substr(pos, eq - pos));
    const std::size_t end = sp == std::string_view::npos ? line.size() : sp;
    const std::string v(line.substr(eq + 1, end - eq - 1));
    const std::size_t vcol = eq + 2;
    if (key == "strategy") {
      if (!sched::parse_strategy_kind(v, s.strategy.kind))
        throw ParseError(vcol,
                         "expected fifo, random, pct or replay, found '" + v.substr(0, 24) + "'");
      have_strategy = true;
    } else if (key == "seed") {
      s.strategy.seed = whole_number(key, v, vcol);
    } else if (key == "choices") {
      for (std::size_t i = 0; v != "-" && i <= v.size();) {
        std::size_t dot = v.find('.', i);
        if (dot == std::string::npos) dot = v.size();
        const std::uint64_t n = whole_number("a choice", v.substr(i, dot - i), vcol + i);
        if (n > 0xffffffffull) throw ParseError(vcol + i, "expected a choice below 2^32");
        s.strategy.choices.push_back(static_cast<std::uint32_t>(n));
        i = dot + 1;
      }
    } else if (key == "pct-depth") {
      const std::uint64_t d = whole_number(key, v, vcol);
      if (d < 1 || d > 64) throw ParseError(vcol, "expected pct-depth from 1 to 64");
      s.strategy.pct_depth = static_cast<int>(d);
    } else if (key == "cancel") {
      if (v != "none") s.cancel_step = whole_number(key, v, vcol);
    } else if (key == "cancel-when-idle") {
      if (v != "0" && v != "1") throw ParseError(vcol, "expected 0 or 1 for cancel-when-idle");
      s.cancel_when_idle = v == "1";
    } else if (key == "max-steps") {
      s.max_steps = whole_number(key, v, vcol);
      if (s.max_steps == 0 || s.max_steps > 100000000)
        throw ParseError(vcol, "expected max-steps from 1 to 100000000");
    } else if (key == "trace") {
      if (v.size() != 16 || v.find_first_not_of("0123456789abcdef") != std::string::npos)
        throw ParseError(vcol, "expected 16 lowercase hex digits for trace");
      s.trace_hash = numbers::parse_whole(v, 16).value;
    } else if (own(key, line.substr(eq + 1), col, vcol) == CaseKey::last) {
      if (!have_strategy)
        throw ParseError(line.size() + 1, "expected strategy=... in the case line");
      return;
    } else {
      throw ParseError(col,
                       "expected one of strategy, seed, choices, pct-depth, cancel, "
                       "cancel-when-idle, max-steps, trace, " +
                           std::string(last_key) + "; found '" + key.substr(0, 24) + "'");
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
        try {
          c.topology = parse(rest);
        } catch (const ParseError& e) {
          const std::string what = e.what();
          throw ParseError(vcol + e.column() - 1, what.substr(what.find(": ") + 2));
        }
        return CaseKey::last;
      });
  pc.trace_hash = s.trace_hash;
  set_schedule(c, std::move(s));
  return pc;
}

}  // namespace fibercheck::harness
