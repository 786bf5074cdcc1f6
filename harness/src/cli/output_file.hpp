// output_file.hpp: a report file `run` writes when it ends (--junit, --failures).
#pragma once

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cli/command_line.hpp"
#include "cli/text.hpp"

namespace fibercheck::cli {

// Opened (and emptied) before the run starts, so that a path that cannot be written
// is reported before any time is spent, and a file left from an earlier run never
// passes for this one's; written once, when the run ends. Failures throw UsageError
// naming the option, the path and the cause.
class OutputFile {
 public:
  // No file when `path` is empty: write() then does nothing.
  OutputFile(const std::optional<std::string>& path, std::string option)
      : option_(std::move(option)) {
    if (!path) return;
    path_ = *path;
    file_.reset(std::fopen(path->c_str(), "w"));
    if (!file_) fail(errno);
  }

  // Writes `text` as the whole file, closes it, and prints "wrote PATH".
  void write(const std::string& text) {
    if (!file_) return;
    std::FILE* f = file_.release();
    const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    const int write_error = errno;
    if (std::fclose(f) != 0) fail(errno);
    if (!written) fail(write_error);
    std::printf("wrote %s\n", path_.c_str());
  }

 private:
  [[noreturn]] void fail(int error) const {
    throw UsageError(cat("option ", option_, ": cannot write '",
                         std::string_view(path_).substr(0, 200), "': ", std::strerror(error)));
  }

  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string option_;
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
};

}  // namespace fibercheck::cli
