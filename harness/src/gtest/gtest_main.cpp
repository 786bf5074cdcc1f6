// fibercheck::gtest_main: GoogleTest's main with the leak listener installed
// (gtest.hpp verify_test_main): link it instead of GTest::gtest_main. The
// fibercheck tool's commands also work on the test binary, with the kinds its
// tests register: `./my_tests kinds`, `./my_tests run`, `./my_tests replay '...'`.
#include <string>

#include "fibercheck/harness/cli_main.hpp"
#include "fibercheck/harness/gtest.hpp"

int main(int argc, char** argv) {
  if (argc > 1) {
    const std::string command = argv[1];
    if (command == "kinds" || command == "run" || command == "replay" || command == "help")
      return fibercheck::cli_main(argc, argv);
  }
  ::testing::InitGoogleTest(&argc, argv);
  return fibercheck::gtest::verify_test_main();
}
