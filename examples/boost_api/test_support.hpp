// test_support.hpp: what the tests of examples/boost_api/ share: which of fibercheck's
// views of Boost waits this build has, and finding in a report the lines of the
// examples' headers.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "detail/boost_wait.hpp"
#include "fibercheck/census.hpp"

namespace examples::boost_api::test {

// Whether the census describes a fiber parked in a Boost wait: the primitive and
// operation in blocked_on, the blocking line, the line that started a plain fiber,
// and in_boost_wait. Read from FiberInfo itself, so that these assertions run in
// every build that has them.
template <class Info>
constexpr bool kNamesBoostWaits = requires(const Info& f) {
  f.in_boost_wait;
};
inline constexpr bool kCensusNamesBoostWaits = kNamesBoostWaits<fibercheck::FiberInfo>;

template <class Info>
inline bool in_boost_wait(const Info& f) {
  if constexpr (kNamesBoostWaits<Info>)
    return f.in_boost_wait;
  else
    return false;
}

// Whether reclaim unwinds fibers parked in Boost waits in this build (then a leaky
// case no longer parks its thread, and is shrunk like any other failure).
inline bool unwinds_boost_waits() { return fibercheck::detail::boost_unwind_supported(); }

// The number of the one line of examples/boost_api/<file> that contains `code`; with
// `after`, of the first such line below the one that contains `after`. The build
// defines BOOST_API_DIR as that directory.
inline unsigned line_of(const std::string& file, const std::string& code,
                        const std::string& after = "") {
  std::ifstream in(std::string(BOOST_API_DIR) + "/" + file);
  EXPECT_TRUE(in) << "cannot read " << file;
  std::string text;
  unsigned n = 0, found = 0, matches = 0;
  bool below = after.empty();
  while (std::getline(in, text)) {
    ++n;
    if (!below) {
      below = text.find(after) != std::string::npos;
      continue;
    }
    if (text.find(code) == std::string::npos) continue;
    if (matches++ == 0) found = n;
  }
  EXPECT_TRUE(after.empty() ? matches == 1 : matches >= 1)
      << matches << " lines of " << file << " contain '" << code << "'";
  return found;
}

// Whether `text` mentions "<file>:<line>" (and not a longer line number).
inline bool mentions(const std::string& text, const std::string& file, unsigned line) {
  const std::string site = file + ":" + std::to_string(line);
  for (std::size_t at = text.find(site); at != std::string::npos; at = text.find(site, at + 1)) {
    const std::size_t end = at + site.size();
    if (end == text.size() || text[end] < '0' || text[end] > '9') return true;
  }
  return false;
}

}  // namespace examples::boost_api::test
