// libFuzzer entry point: `fibercheck_fuzz_parse fuzz/corpus` (see fuzz/CMakeLists.txt).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "parse_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fibercheck::fuzz::check_parsers(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
