#include "cli/args.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

namespace fibercheck::cli {

Args parse_args(int argc, char** argv, const std::vector<std::string>& with_value,
                const std::vector<std::string>& switches) {
  Args a;
  if (argc < 2) throw UsageError("missing command");
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) {
      a.positional.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      if (std::find(switches.begin(), switches.end(), name) != switches.end())
        throw UsageError("argument " + std::to_string(i) + ": option --" + name +
                         " takes no value; write --" + name + " alone");
      if (std::find(with_value.begin(), with_value.end(), name) == with_value.end())
        throw UsageError("argument " + std::to_string(i) + ": unknown option --" + name.substr(0, 40));
    } else if (std::find(with_value.begin(), with_value.end(), name) != with_value.end()) {
      if (i + 1 >= argc) throw UsageError("option --" + name + " expects a value after it");
      value = argv[++i];
    } else if (std::find(switches.begin(), switches.end(), name) != switches.end()) {
      value = "1";
    } else {
      throw UsageError("argument " + std::to_string(i) + ": unknown option --" + name.substr(0, 40));
    }
    a.options[name] = value;
  }
  return a;
}

std::uint64_t number_option(const Args& a, const std::string& name, std::uint64_t fallback,
                            std::uint64_t lo, std::uint64_t hi) {
  auto it = a.options.find(name);
  if (it == a.options.end()) return fallback;
  const std::string& s = it->second;
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
    throw UsageError("option --" + name + ": '" + s.substr(0, 40) +
                     "' is not a whole number; expected one from " + std::to_string(lo) + " to " +
                     std::to_string(hi));
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), nullptr, 10);
  if (errno == ERANGE || v < lo || v > hi)
    throw UsageError("option --" + name + ": " + s.substr(0, 40) + " is out of range; expected " +
                     std::to_string(lo) + " to " + std::to_string(hi));
  return v;
}

}  // namespace fibercheck::cli
