// The one strict reader of whole numbers (util/numbers.hpp): digits and nothing
// else, below 2^64, with a number too large told apart from text that is no number.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "util/numbers.hpp"

namespace fibercheck::numbers {
namespace {

TEST(Numbers, DigitsAreAWholeNumber) {
  EXPECT_EQ(parse_whole("0").value, 0u);
  EXPECT_EQ(parse_whole("42").value, 42u);
  EXPECT_EQ(parse_whole("007").value, 7u);
  const Whole max = parse_whole("18446744073709551615");
  EXPECT_TRUE(max.ok());
  EXPECT_EQ(max.value, UINT64_MAX);
}

TEST(Numbers, AnythingButDigitsIsNotANumber) {
  for (const char* text : {"", "-1", "+1", "-0", " 1", "1 ", "1\n", "0x10", "1e3", "1.0", "1,000",
                           "five", "5k", "\xd9\xa5", "--1"}) {
    const Whole w = parse_whole(text);
    EXPECT_EQ(w.problem, Problem::not_a_number) << "'" << text << "'";
    EXPECT_EQ(w.value, 0u) << "'" << text << "'";
  }
  EXPECT_EQ(parse_whole(std::string("1\0", 2)).problem, Problem::not_a_number);
}

TEST(Numbers, AtLeastTwoToThe64IsTooLarge) {
  EXPECT_EQ(parse_whole("18446744073709551616").problem, Problem::too_large);
  EXPECT_EQ(parse_whole("99999999999999999999999999").problem, Problem::too_large);
  // Too large digits followed by junk are still no number.
  EXPECT_EQ(parse_whole("99999999999999999999999999x").problem, Problem::not_a_number);
}

TEST(Numbers, HexDigitsOfEitherCase) {
  EXPECT_EQ(parse_whole("ffffffffffffffff", 16).value, UINT64_MAX);
  EXPECT_EQ(parse_whole("DEADbeef", 16).value, 0xdeadbeefu);
  EXPECT_EQ(parse_whole("0x1f", 16).problem, Problem::not_a_number);
  EXPECT_EQ(parse_whole("10000000000000000", 16).problem, Problem::too_large);
}

TEST(Numbers, AnOptionsMessageSaysWhatWhichAndWhatToGive) {
  EXPECT_EQ(option_number("--cases", "12", 1, 100).value, 12u);
  EXPECT_EQ(option_number("--cases", "12", 1, 100).error, "");
  EXPECT_EQ(option_number("--cases", "-5", 1, 100).error,
            "option --cases: '-5' is not a whole number (write it without a sign); expected one "
            "from 1 to 100");
  EXPECT_EQ(option_number("--cases", "1e3", 1, 100).error,
            "option --cases: '1e3' is not a whole number; expected one from 1 to 100");
  EXPECT_EQ(option_number("--cases", "0", 1, 100).error,
            "option --cases: 0 is out of range; expected 1 to 100");
  EXPECT_EQ(option_number("--cases", "18446744073709551616", 1, 100).error,
            "option --cases: 18446744073709551616 is out of range; expected 1 to 100");
  // A long value is cut short in the message.
  EXPECT_LT(option_number("--cases", std::string(10000, 'x'), 1, 100).error.size(), 200u);
}

}  // namespace
}  // namespace fibercheck::numbers
