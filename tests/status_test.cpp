// Unit tests for status.hpp.
#include "fibercheck/status.hpp"

#include <gtest/gtest.h>

namespace fibercheck {
namespace {

TEST(Status, EveryStatusHasItsName) {
  static_assert(to_string(Status::ok) == "ok");
  EXPECT_EQ(to_string(Status::ok), "ok");
  EXPECT_EQ(to_string(Status::closed), "closed");
  EXPECT_EQ(to_string(Status::cancelled), "cancelled");
  EXPECT_EQ(to_string(Status::would_block), "would_block");
  EXPECT_EQ(to_string(Status::timeout), "timeout");
}

}  // namespace
}  // namespace fibercheck
