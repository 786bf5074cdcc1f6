// fibercheck::gtest_main: GoogleTest's main with the leak listener installed
// (gtest.hpp verify_test_main): link it instead of GTest::gtest_main.
#include "gtest.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  return fibercheck::gtest::verify_test_main();
}
