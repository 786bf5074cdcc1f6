// fibercheck: the command-line tool.
#include "fibercheck/harness/cli_main.hpp"

int main(int argc, char** argv) { return fibercheck::cli_main(argc, argv); }
