// fibercheck_fuzz_replay: the parser fuzz target without libFuzzer, for compilers
// that have none (g++). Checks every file of the given corpus folders, then
// inputs mutated from them by a seeded generator, so every ctest run exercises the
// parsers and a failure repeats with the printed seed.
//
//   fibercheck_fuzz_replay [--seed S] [--runs N] DIR...
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "cli/command_line.hpp"
#include "fibercheck/sched/rng.hpp"
#include "parse_target.hpp"

namespace {

// The input being checked, saved by the abort handler to a file named after the seed.
std::string g_current;
char g_crash_path[128] = "fuzz-replay-crash";

extern "C" void save_input(int) {
  int fd = ::open(g_crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    [[maybe_unused]] auto n = ::write(fd, g_current.data(), g_current.size());
    ::close(fd);
  }
  const char msg[] =
      "fuzz replay: the failing input is saved; rerun it with fibercheck_fuzz_replay on a folder "
      "holding it\n";
  [[maybe_unused]] auto n = ::write(2, msg, sizeof msg - 1);
  std::signal(SIGABRT, SIG_DFL);
  std::raise(SIGABRT);
}

// Tokens of both grammars, so mutations reach past the first key.
const std::vector<std::string> kTokens = {"fibercheck-case v1 ",
                                          "strategy=",
                                          "random",
                                          "fifo",
                                          "pct",
                                          "replay",
                                          "seed=",
                                          "choices=",
                                          "pct-depth=",
                                          "cancel=",
                                          "none",
                                          "cancel-when-idle=",
                                          "max-steps=",
                                          "trace=",
                                          "topology=",
                                          "fc1 ",
                                          "gen",
                                          "pipe",
                                          "merge",
                                          "tee",
                                          "fanout",
                                          "scope",
                                          "leak-recv-nil",
                                          "{",
                                          "}",
                                          "(",
                                          ")",
                                          ",",
                                          "=",
                                          ".",
                                          "-",
                                          " ",
                                          "n=",
                                          "k=",
                                          "0",
                                          "1",
                                          "18446744073709551615",
                                          "18446744073709551616",
                                          "-9223372036854775808",
                                          "99999999999999",
                                          "0123456789abcdef"};

// The grammar's alphabet and some odd bytes; the literal's NUL counts as one more.
constexpr char kBytes[] = "(){}=,.- 09az\n\r\t\x7f\x80\xff";

class Mutator {
 public:
  explicit Mutator(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() { return state_ = fibercheck::sched::mix(state_, 0x9e3779b97f4a7c15ull); }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

  std::string mutate(std::string s, const std::vector<std::string>& corpus) {
    const std::size_t edits = 1 + below(4);
    for (std::size_t e = 0; e < edits; ++e) {
      const std::size_t at = below(s.size() + 1);
      switch (below(7)) {
        case 0:  // flip a bit
          if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1u << below(8));
          break;
        case 1:  // a byte of the grammar's alphabet or an odd one
          if (!s.empty()) s[below(s.size())] = kBytes[below(sizeof kBytes)];  // NUL too
          break;
        case 2:  // insert a token
          s.insert(at, kTokens[below(kTokens.size())]);
          break;
        case 3:  // delete a range
          s.erase(at, below(16));
          break;
        case 4:  // duplicate a range
          s.insert(at, s.substr(below(s.size() + 1), below(32)));
          break;
        case 5: {  // splice with another input
          const std::string& o = corpus[below(corpus.size())];
          s = s.substr(0, at) + o.substr(std::min(o.size(), at));
          break;
        }
        default:  // truncate
          s.resize(at);
      }
    }
    if (s.size() > 4096) s.resize(4096);
    return s;
  }

 private:
  std::uint64_t state_;
};

using fibercheck::cli::UsageError;

void declare(CLI::App& program) {
  fibercheck::cli::use_conventions(program);
  program.description(
      "fibercheck_fuzz_replay: checks the case-line and text-form parsers on every file of\n"
      "the corpus folders, then on inputs mutated from them by a seeded generator; a broken\n"
      "rule aborts with the input saved to fuzz-replay-crash-seed-S.");
  program.add_option("DIR", "corpus folders: each regular file in them is an input")
      ->type_name("")
      ->expected(0, -1)
      ->allow_extra_args();
  fibercheck::cli::add_value(program, "--seed", "S", "seeds the mutations (default 1)");
  fibercheck::cli::add_value(program, "--runs", "N", "mutated inputs to check (default 20000)");
  program.footer(
      "exit status: 0 every input was accepted and printed back, or rejected with a column\n"
      "and what was expected; 2 bad input; a broken rule aborts (SIGABRT)");
}

struct Settings {
  std::uint64_t seed = 1;
  std::uint64_t runs = 20000;
  std::vector<std::string> dirs;
};

Settings settings_of(const CLI::App& program) {
  fibercheck::cli::check_arguments(program);
  Settings s;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  s.seed = fibercheck::cli::whole(program, "--seed", 1, 0, kMax);
  s.runs = fibercheck::cli::whole(program, "--runs", 20000, 0, kMax);
  s.dirs = program.get_option("DIR")->results();
  if (s.dirs.empty()) throw UsageError("give at least one corpus folder");
  return s;
}

// Every regular file of `dirs`, read whole, in the same order everywhere so that
// seeds repeat.
std::vector<std::string> read_corpus(const std::vector<std::string>& dirs) {
  std::vector<std::filesystem::path> files;
  for (const auto& d : dirs) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(d, ec))
      if (e.is_regular_file()) files.push_back(e.path());
    if (ec) throw UsageError("cannot list " + d + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> corpus;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) throw UsageError("the corpus folders hold no files");
  return corpus;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App program{"", "fibercheck_fuzz_replay"};
  Settings settings;
  std::vector<std::string> corpus;
  try {
    declare(program);
    if (!fibercheck::cli::parse(program, argc, argv)) return 0;  // --help
    settings = settings_of(program);
    corpus = read_corpus(settings.dirs);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "fibercheck_fuzz_replay: %s\n%s\n", e.what(),
                 fibercheck::cli::usage_hint(program).c_str());
    return 2;
  }
  const std::uint64_t seed = settings.seed, runs = settings.runs;

  std::snprintf(g_crash_path, sizeof g_crash_path, "fuzz-replay-crash-seed-%llu",
                static_cast<unsigned long long>(seed));
  std::signal(SIGABRT, save_input);
  std::printf("fuzz replay: seed %llu, %zu corpus inputs, %llu mutated inputs\n",
              static_cast<unsigned long long>(seed), corpus.size(),
              static_cast<unsigned long long>(runs));
  std::fflush(stdout);
  for (const std::string& c : corpus) {
    g_current = c;
    fibercheck::fuzz::check_parsers(g_current);
  }
  Mutator m(seed);
  for (std::uint64_t i = 0; i < runs; ++i) {
    g_current = m.mutate(corpus[m.below(corpus.size())], corpus);
    fibercheck::fuzz::check_parsers(g_current);
  }
  std::printf(
      "fuzz replay: every input was accepted and printed back, or rejected with a column "
      "and what was expected\n");
  return 0;
}
