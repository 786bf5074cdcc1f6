// Compiled as C++17 by the package_cxx17_error tests, which expect fibercheck's own
// #error (fibercheck/config.hpp): FIBERCHECK_HEADER names the public header to include.
#include FIBERCHECK_HEADER

int main() { return 0; }
