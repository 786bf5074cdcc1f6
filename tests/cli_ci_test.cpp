// `fibercheck run` in CI: time budgets shared fairly by the suites and a run cut
// short ending PARTIAL (exit 4); --shard and GoogleTest's shard variables splitting
// every suite's cases so that the shards together run exactly the unsharded run's
// cases; the JUnit XML file (read back with a small XML reader here, and with xmllint
// when it is installed); the failures file; the progress line on a terminal only;
// replay's report listing each fiber once.
// Runs the built tool, whose path comes from CMake as FIBERCHECK_CLI.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/junit.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kSuites = {"cancellation", "completion", "mutants",
                                          "determinism",  "text-form",  "programs"};
constexpr int kPartial = 4;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Scratch {
 public:
  Scratch() {
    std::string templ = (fs::temp_directory_path() / "fibercheck-cli-ci-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    dir_ = templ;
  }
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
};

// AddressSanitizer prints a one-time warning on the first swapcontext (which Boost's
// ucontext switch uses under the asan preset) that no option turns off; it is not the
// tool's output, so it is dropped: from its "==PID==" to its line end (\n, or \r\n on a
// terminal).
std::string without_asan_context_warning(std::string err) {
  const std::string marker = "WARNING: ASan doesn't fully support makecontext/swapcontext";
  for (std::size_t at = err.find(marker); at != std::string::npos; at = err.find(marker)) {
    std::size_t from = at;
    while (from > 0 &&
           (err[from - 1] == '=' || std::isdigit(static_cast<unsigned char>(err[from - 1]))))
      --from;
    const std::size_t end = err.find('\n', at);
    err.erase(from, end == std::string::npos ? std::string::npos : end + 1 - from);
  }
  return err;
}

struct Result {
  int status = -1;  // exit status, or -signal
  std::string out, err;
};

using Env = std::vector<std::pair<std::string, std::string>>;

// This process's environment without GoogleTest's sharding variables (a sharded run
// of this test must not shard the tool it starts), plus `extra`.
std::vector<std::string> child_environment(const Env& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string var = *e;
    if (var.rfind("GTEST_TOTAL_SHARDS=", 0) == 0 || var.rfind("GTEST_SHARD_INDEX=", 0) == 0 ||
        var.rfind("GTEST_SHARD_STATUS_FILE=", 0) == 0)
      continue;
    env.push_back(var);
  }
  for (const auto& [name, value] : extra) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int wait_for(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
}

// Runs `program` (the tool unless named) with stdout and stderr in files.
Result run_program(std::vector<std::string> args, const Env& env = {}) {
  Scratch s;
  const std::string out = s.path("out"), err = s.path("err");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> vars = child_environment(env);
  std::vector<char*> argv = pointers(args), envp = pointers(vars);
  pid_t pid = 0;
  Result r;
  const int started = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (started != 0) {
    r.err = "could not start " + args[0] + ": " + std::strerror(started);
    return r;
  }
  r.status = wait_for(pid);
  r.out = slurp(out);
  r.err = without_asan_context_warning(slurp(err));
  return r;
}

Result run_cli(const std::vector<std::string>& args, const Env& env = {}) {
  std::vector<std::string> full{FIBERCHECK_CLI};
  full.insert(full.end(), args.begin(), args.end());
  return run_program(full, env);
}

// Runs the tool with its stderr on a pseudo-terminal (stdout in a file); returns
// what the terminal received in `err`.
Result run_cli_on_terminal(const std::vector<std::string>& args) {
  Result r;
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
    r.err = std::string("openpty: ") + std::strerror(errno);
    return r;
  }
  Scratch s;
  const std::string out = s.path("out");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, slave, 2);
  posix_spawn_file_actions_addclose(&fa, master);
  std::vector<std::string> full{FIBERCHECK_CLI};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<std::string> vars = child_environment({});
  std::vector<char*> argv = pointers(full), envp = pointers(vars);
  pid_t pid = 0;
  const int started = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  ::close(slave);
  if (started != 0) {
    ::close(master);
    r.err = "could not start the tool";
    return r;
  }
  // Drain the terminal while the tool runs (a full terminal buffer would block it);
  // reading fails with EIO once the tool has exited and closed its end.
  char buf[4096];
  for (;;) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 60'000) <= 0) break;
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) break;
    r.err.append(buf, static_cast<std::size_t>(n));
  }
  ::close(master);
  r.status = wait_for(pid);
  r.out = slurp(out);
  r.err = without_asan_context_warning(r.err);
  return r;
}

std::string last_line(const std::string& out) {
  std::string s = out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') + 1);
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The cases a suite ran, from its line "NAME: N cases, F failed" or "NAME: N of M cases, ...".
std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> suite_counts(
    const std::string& out) {
  std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> counts;
  const std::regex line(R"(^([a-z-]+): (\d+)(?: of (\d+))? cases, \d+ failed$)");
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (!std::regex_match(l, m, line)) continue;
    const std::uint64_t done = std::stoull(m[2]);
    counts[m[1]] = {done, m[3].matched ? std::stoull(m[3]) : done};
  }
  return counts;
}

// ---- Time budgets ----

TEST(CliBudget, ATinyBudgetRunsEverySuiteAndEndsPartial) {
  const Result r =
      run_cli({"run", "--time-budget", "0.001", "--cases", "100000000", "--size", "5"});
  EXPECT_EQ(r.status, kPartial) << r.out << r.err;
  EXPECT_EQ(r.err, "") << "not a terminal: no progress line";
  const auto counts = suite_counts(r.out);
  ASSERT_EQ(counts.size(), kSuites.size()) << r.out;
  for (const std::string& s : kSuites) {
    EXPECT_GE(counts.at(s).first, 1u) << s << " ran no case:\n" << r.out;
    EXPECT_EQ(counts.at(s).second, 100000000u) << s;
  }
  EXPECT_TRUE(contains(r.out,
                       "\nPARTIAL: the --time-budget 0.001 s ran out before every case "
                       "ran: cancellation "))
      << r.out;
  for (const std::string& s : kSuites) EXPECT_TRUE(contains(r.out, s + " ")) << r.out;
  EXPECT_TRUE(contains(r.out, " of 100000000 cases")) << r.out;
  const std::string last = last_line(r.out);
  EXPECT_TRUE(last.size() > 9 && last.substr(last.size() - 9) == ": PARTIAL") << last;
}

TEST(CliBudget, TheBudgetIsSharedSoTheLastSuitesRunToo) {
  // Before the budget was shared, the first suite spent all of it and the rest ran 0.
  const Result r = run_cli({"run", "--time-budget", "0.6", "--cases", "100000000", "--size", "5"});
  EXPECT_EQ(r.status, kPartial) << r.out << r.err;
  const auto counts = suite_counts(r.out);
  ASSERT_EQ(counts.size(), kSuites.size()) << r.out;
  for (const std::string& s : kSuites)
    EXPECT_GE(counts.at(s).first, 2u) << s << " got no share of the budget:\n" << r.out;
  EXPECT_TRUE(contains(r.out, "time budget 0.6 s")) << "the header names the budget:\n" << r.out;
  // Time the quick suites leave goes to the suites cut short: the run uses its budget.
  std::smatch m;
  const std::string last = last_line(r.out);
  ASSERT_TRUE(std::regex_search(last, m, std::regex(R"( cases in (\d+\.\d+) s)"))) << last;
  EXPECT_GE(std::stod(m[1]), 0.55) << "a PARTIAL run stopped with budget to spare:\n" << r.out;
}

TEST(CliBudget, WithoutABudgetOrWithTimeToSpareTheRunIsOk) {
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, std::vector<std::string>{"--time-budget", "600"}}) {
    std::vector<std::string> args = {"run", "--cases", "4", "--size", "5"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Result r = run_cli(args);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_FALSE(contains(r.out, "PARTIAL")) << r.out;
    EXPECT_EQ(last_line(r.out).substr(last_line(r.out).size() - 4), ": OK") << r.out;
  }
}

TEST(CliBudget, AFailureTakesPrecedenceOverPartial) {
  const Result r =
      run_cli({"run", "--plant", "leak-recv-nil", "--cases", "100000000", "--time-budget", "0.2"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "\nPARTIAL: ")) << "still says it was cut short:\n" << r.out;
  EXPECT_EQ(last_line(r.out).substr(last_line(r.out).size() - 6), ": FAIL") << r.out;
}

TEST(CliBudget, DfsTakesFractionalSecondsAndEndsPartialToo) {
  const Result r = run_cli(
      {"run", "--strategy", "dfs", "--cases", "1000", "--size", "4", "--time-budget", "0.01"});
  EXPECT_EQ(r.status, kPartial) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "tree 0: ")) << "at least one tree is explored:\n" << r.out;
  EXPECT_TRUE(contains(r.out,
                       "PARTIAL: the --time-budget 0.01 s ran out before every tree was "
                       "explored: dfs "))
      << r.out;
  EXPECT_TRUE(contains(r.out, " of 1000 trees")) << r.out;
  EXPECT_EQ(last_line(r.out).substr(last_line(r.out).size() - 9), ": PARTIAL") << r.out;
}

TEST(CliBudget, BadDurationsAreRejectedWithWhatIsExpected) {
  for (const char* bad : {"1.", ".", "-1", "+1", "1e3", "0x10", "abc", "1,5", " 1", "1s", ""}) {
    const Result r = run_cli({"run", "--time-budget", bad});
    EXPECT_EQ(r.status, 2) << "'" << bad << "': " << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "option --time-budget: '")) << r.err;
    EXPECT_TRUE(contains(r.err, "is not a number of seconds; expected digits")) << r.err;
    const Result dfs = run_cli({"run", "--strategy", "dfs", "--time-budget", bad});
    EXPECT_EQ(dfs.status, 2) << "'" << bad << "': " << dfs.out << dfs.err;
    EXPECT_TRUE(contains(dfs.err, "is not a number of seconds")) << dfs.err;
  }
}

// ---- Sharding ----

// Every case the run listed (--list-cases): suite -> index -> seed.
std::map<std::string, std::map<std::uint64_t, std::string>> listed_cases(const std::string& out) {
  std::map<std::string, std::map<std::uint64_t, std::string>> cases;
  const std::regex line(R"(^case ([a-z-]+) #(\d+) seed=([0-9a-f]{16})$)");
  std::istringstream in(out);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_match(l, m, line)) cases[m[1]][std::stoull(m[2])] = m[3];
  }
  return cases;
}

// The shards' cases are disjoint and together exactly `whole`'s, with the same seeds.
void expect_exact_cover(
    const std::map<std::string, std::map<std::uint64_t, std::string>>& whole,
    const std::vector<std::map<std::string, std::map<std::uint64_t, std::string>>>& parts) {
  ASSERT_EQ(whole.size(), kSuites.size());
  for (const std::string& suite : kSuites) {
    std::map<std::uint64_t, std::string> joined;
    for (std::size_t p = 0; p < parts.size(); ++p) {
      const auto it = parts[p].find(suite);
      if (it == parts[p].end()) continue;
      for (const auto& [index, seed] : it->second) {
        EXPECT_TRUE(joined.emplace(index, seed).second)
            << suite << " case #" << index << " ran in two shards (again in shard " << p + 1 << ")";
      }
    }
    EXPECT_EQ(joined, whole.at(suite)) << suite << ": the shards' cases differ from the run's";
  }
}

TEST(CliShard, ThreeShardsRunExactlyTheUnshardedCasesOnce) {
  const std::vector<std::string> base = {"run", "--cases", "10", "--size", "5", "--list-cases"};
  const Result whole = run_cli(base);
  ASSERT_EQ(whole.status, 0) << whole.out << whole.err;
  const auto all = listed_cases(whole.out);
  for (const std::string& s : kSuites) ASSERT_EQ(all.at(s).size(), 10u) << s << "\n" << whole.out;

  std::vector<std::map<std::string, std::map<std::uint64_t, std::string>>> parts;
  for (int i = 1; i <= 3; ++i) {
    std::vector<std::string> args = base;
    args.insert(args.end(), {"--shard", std::to_string(i) + "/3"});
    const Result r = run_cli(args);
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(
        contains(r.out.substr(0, r.out.find('\n')), ", shard " + std::to_string(i) + " of 3"))
        << "the header names the shard as GoogleTest prints it:\n"
        << r.out;
    parts.push_back(listed_cases(r.out));
    for (const auto& [suite, cases] : parts.back())
      EXPECT_FALSE(cases.empty()) << "shard " << i << " ran no case of " << suite;
  }
  expect_exact_cover(all, parts);
}

TEST(CliShard, GoogleTestsVariablesShardFromZeroAndTheStatusFileIsWritten) {
  const std::vector<std::string> base = {"run", "--cases", "7", "--size", "5", "--list-cases"};
  const auto all = listed_cases(run_cli(base).out);
  Scratch s;
  std::vector<std::map<std::string, std::map<std::uint64_t, std::string>>> parts;
  for (int index = 0; index < 3; ++index) {
    const std::string status_file = s.path("status" + std::to_string(index));
    const Result r = run_cli(base, {{"GTEST_TOTAL_SHARDS", "3"},
                                    {"GTEST_SHARD_INDEX", std::to_string(index)},
                                    {"GTEST_SHARD_STATUS_FILE", status_file}});
    ASSERT_EQ(r.status, 0) << r.out << r.err;
    EXPECT_TRUE(contains(r.out, ", shard " + std::to_string(index + 1) +
                                    " of 3 (GTEST_SHARD_INDEX=" + std::to_string(index) +
                                    " GTEST_TOTAL_SHARDS=3)"))
        << r.out;
    EXPECT_TRUE(fs::exists(status_file))
        << "GTEST_SHARD_STATUS_FILE is created, as GoogleTest does";
    parts.push_back(listed_cases(r.out));
  }
  expect_exact_cover(all, parts);
  // --shard wins over the variables.
  const Result both = run_cli({"run", "--cases", "3", "--size", "5", "--shard", "1/2"},
                              {{"GTEST_TOTAL_SHARDS", "3"}, {"GTEST_SHARD_INDEX", "2"}});
  EXPECT_TRUE(contains(both.out, ", shard 1 of 2\n")) << both.out;
}

TEST(CliShard, DfsShardsItsTrees) {
  auto trees = [](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"run",    "--strategy", "dfs",        "--cases", "5",
                                     "--size", "2",          "--max-runs", "200"};
    args.insert(args.end(), extra.begin(), extra.end());
    const Result r = run_cli(args);
    EXPECT_EQ(r.status, 0) << r.out << r.err;
    std::set<std::string> lines;
    std::istringstream in(r.out);
    for (std::string l; std::getline(in, l);)
      if (l.rfind("tree ", 0) == 0) lines.insert(l.substr(0, l.rfind(", ")));  // less the time
    return lines;
  };
  const std::set<std::string> all = trees({});
  ASSERT_EQ(all.size(), 5u);
  std::set<std::string> joined;
  for (const char* shard : {"1/2", "2/2"}) {
    for (const std::string& t : trees({"--shard", shard}))
      EXPECT_TRUE(joined.insert(t).second) << t << " explored by both shards";
  }
  EXPECT_EQ(joined, all);
}

TEST(CliShard, BadShardsAreRejectedWithWhatIsExpected) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--shard", "0/3"}, "shards count from 1, as GoogleTest prints them"},
      {{"--shard", "4/3"}, "there is no shard 4 of 3; expected 1/3 to 3/3"},
      {{"--shard", "2"}, "'2' is not I/N"},
      {{"--shard", "1/0"}, "asks for 0 shards"},
      {{"--shard", "-1/3"}, "is not I/N"},
      {{"--shard", "a/b"}, "is not I/N"},
  };
  for (const auto& [args, needle] : bad) {
    std::vector<std::string> full = {"run"};
    full.insert(full.end(), args.begin(), args.end());
    const Result r = run_cli(full);
    EXPECT_EQ(r.status, 2) << args[1] << ": " << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "fibercheck: option --shard: ")) << r.err;
    EXPECT_TRUE(contains(r.err, needle)) << "expected '" << needle << "' in: " << r.err;
  }
  const Result one = run_cli({"run"}, {{"GTEST_SHARD_INDEX", "1"}});
  EXPECT_EQ(one.status, 2) << one.err;
  EXPECT_TRUE(contains(one.err, "only GTEST_SHARD_INDEX is set")) << one.err;
  const Result past = run_cli({"run"}, {{"GTEST_SHARD_INDEX", "3"}, {"GTEST_TOTAL_SHARDS", "3"}});
  EXPECT_EQ(past.status, 2) << past.err;
  EXPECT_TRUE(contains(past.err, "GTEST_SHARD_INDEX=3 must be below GTEST_TOTAL_SHARDS=3"))
      << past.err;
  const Result junk = run_cli({"run"}, {{"GTEST_SHARD_INDEX", "x"}, {"GTEST_TOTAL_SHARDS", "3"}});
  EXPECT_EQ(junk.status, 2) << junk.err;
  EXPECT_TRUE(contains(junk.err, "GTEST_SHARD_INDEX='x' is not a whole number")) << junk.err;
}

// ---- JUnit ----

// A small XML reader: enough to prove a JUnit file well formed and to walk it.
struct Element {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<Element> children;
  std::string text;

  [[nodiscard]] std::vector<const Element*> all(const std::string& child) const {
    std::vector<const Element*> out;
    for (const Element& c : children)
      if (c.name == child) out.push_back(&c);
    return out;
  }
  [[nodiscard]] const Element* first(const std::string& child) const {
    const auto found = all(child);
    return found.empty() ? nullptr : found.front();
  }
  // <properties><property name= value=/>...</properties> as a map.
  [[nodiscard]] std::map<std::string, std::string> properties() const {
    std::map<std::string, std::string> out;
    if (const Element* props = first("properties"))
      for (const Element* p : props->all("property"))
        out[p->attributes.at("name")] = p->attributes.at("value");
    return out;
  }
};

class XmlReader {
 public:
  explicit XmlReader(std::string text) : s_(std::move(text)) {}

  // The document's root element; throws std::runtime_error with the offset of the
  // first thing that is not well-formed XML 1.0.
  Element document() {
    check_characters();
    if (s_.compare(0, 5, "<?xml") == 0) {
      const std::size_t end = s_.find("?>");
      if (end == std::string::npos) fail("unterminated XML declaration");
      i_ = end + 2;
    }
    skip_space();
    Element root = element();
    skip_space();
    if (i_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(what + " at offset " + std::to_string(i_) + ": '" +
                             s_.substr(i_ > 20 ? i_ - 20 : 0, 60) + "'");
  }

  // Only tab, newline, carriage return and printable characters; valid UTF-8.
  void check_characters() {
    for (i_ = 0; i_ < s_.size(); ++i_) {
      const unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') fail("a control character");
      if (c < 0x80) continue;
      int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 ? 1 : -1;
      if (more < 0 || c > 0xF4) fail("a byte that starts no UTF-8 sequence");
      while (more-- > 0)
        if (++i_ >= s_.size() || (static_cast<unsigned char>(s_[i_]) & 0xC0) != 0x80)
          fail("a broken UTF-8 sequence");
    }
    i_ = 0;
  }

  void skip_space() {
    while (i_ < s_.size() && std::strchr(" \t\r\n", s_[i_]) != nullptr) ++i_;
  }

  std::string name() {
    const std::size_t from = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) ||
                              std::strchr("_-.:", s_[i_]) != nullptr))
      ++i_;
    if (i_ == from) fail("expected a name");
    return s_.substr(from, i_ - from);
  }

  // Character data up to `stop`, with its entities resolved.
  std::string chars(char stop) {
    std::string out;
    while (i_ < s_.size() && s_[i_] != stop) {
      const char c = s_[i_];
      if (c == '<') fail("a '<' in text or an attribute");
      if (c != '&') {
        out += c;
        ++i_;
        continue;
      }
      const std::size_t semi = s_.find(';', i_);
      if (semi == std::string::npos || semi - i_ > 10) fail("a '&' that starts no entity");
      const std::string entity = s_.substr(i_ + 1, semi - i_ - 1);
      static const std::map<std::string, char> named = {
          {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
      if (const auto it = named.find(entity); it != named.end()) {
        out += it->second;
      } else if (entity.size() > 1 && entity[0] == '#') {
        const bool hex = entity[1] == 'x';
        const unsigned long code = std::stoul(entity.substr(hex ? 2 : 1), nullptr, hex ? 16 : 10);
        if (code != 9 && code != 10 && code != 13 && (code < 0x20 || code > 0x7E))
          fail("a character reference this reader does not expect");
        out += static_cast<char>(code);
      } else {
        fail("an unknown entity &" + entity + ";");
      }
      i_ = semi + 1;
    }
    return out;
  }

  Element element() {
    if (i_ >= s_.size() || s_[i_] != '<') fail("expected '<'");
    ++i_;
    Element e;
    e.name = name();
    for (;;) {
      skip_space();
      if (i_ >= s_.size()) fail("unterminated start tag");
      if (s_.compare(i_, 2, "/>") == 0) {
        i_ += 2;
        return e;
      }
      if (s_[i_] == '>') {
        ++i_;
        break;
      }
      const std::string attr = name();
      if (i_ >= s_.size() || s_[i_] != '=') fail("expected '=' after an attribute's name");
      if (++i_ >= s_.size() || s_[i_] != '"') fail("expected a double-quoted attribute value");
      ++i_;
      std::string value = chars('"');
      if (i_ >= s_.size()) fail("unterminated attribute value");
      ++i_;
      if (!e.attributes.emplace(attr, value).second) fail("attribute " + attr + " given twice");
    }
    for (;;) {
      e.text += chars('<');
      if (i_ >= s_.size()) fail("unterminated element " + e.name);
      if (s_.compare(i_, 2, "</") == 0) {
        i_ += 2;
        if (name() != e.name) fail("a closing tag that does not match <" + e.name + ">");
        skip_space();
        if (i_ >= s_.size() || s_[i_] != '>') fail("expected '>'");
        ++i_;
        return e;
      }
      e.children.push_back(element());
    }
  }

  std::string s_;
  std::size_t i_ = 0;
};

Element read_junit(const std::string& path) {
  const std::string text = slurp(path);
  try {
    return XmlReader(text).document();
  } catch (const std::exception& e) {
    ADD_FAILURE() << path << " is not well-formed XML: " << e.what() << "\n" << text;
    return {};
  }
}

bool is_seconds(const std::string& s) { return std::regex_match(s, std::regex(R"(\d+\.\d{3})")); }

// The parts every JUnit file of a run has: <testsuites> holding one <testsuite
// name="fibercheck"> with the run's properties and one <testcase> a suite in
// `suites`, with counts that add up. Returns the testsuite.
const Element& expect_junit_shape(const Element& root, const std::vector<std::string>& suites,
                                  std::size_t failures, std::size_t skipped) {
  EXPECT_EQ(root.name, "testsuites");
  EXPECT_EQ(root.attributes.at("tests"), std::to_string(suites.size()));
  EXPECT_EQ(root.attributes.at("failures"), std::to_string(failures));
  const auto all = root.all("testsuite");
  EXPECT_EQ(all.size(), 1u);
  EXPECT_EQ(root.children.size(), 1u);
  static const Element none;
  if (all.empty()) return none;
  const Element& suite = *all.front();
  EXPECT_EQ(suite.attributes.at("name"), "fibercheck");
  EXPECT_EQ(suite.attributes.at("tests"), std::to_string(suites.size()));
  EXPECT_EQ(suite.attributes.at("failures"), std::to_string(failures));
  EXPECT_EQ(suite.attributes.at("skipped"), std::to_string(skipped));
  EXPECT_EQ(suite.attributes.at("errors"), "0");
  EXPECT_TRUE(is_seconds(suite.attributes.at("time")));
  EXPECT_TRUE(std::regex_match(suite.attributes.at("timestamp"),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)")));
  const auto props = suite.properties();
  for (const char* p :
       {"seed", "strategy", "size", "cases_a_suite", "shard", "time_budget", "result"})
    EXPECT_EQ(props.count(p), 1u) << "run property " << p;
  const auto cases = suite.all("testcase");
  EXPECT_EQ(cases.size(), suites.size());
  std::size_t failed = 0, skips = 0;
  for (std::size_t k = 0; k < cases.size() && k < suites.size(); ++k) {
    const Element& c = *cases[k];
    EXPECT_EQ(c.attributes.at("classname"), "fibercheck.run");
    EXPECT_EQ(c.attributes.at("name"), suites[k]);
    EXPECT_TRUE(is_seconds(c.attributes.at("time"))) << c.attributes.at("time");
    const auto cp = c.properties();
    for (const char* p : {"cases", "cases_asked", "failed_cases", "partial", "guarantee"})
      EXPECT_EQ(cp.count(p), 1u) << suites[k] << " property " << p;
    if (c.first("failure")) ++failed;
    if (c.first("skipped")) ++skips;
    const Element* out = c.first("system-out");
    EXPECT_TRUE(out != nullptr && out->text.rfind(suites[k] + ": ", 0) == 0)
        << suites[k] << ": <system-out> holds the suite's line";
  }
  EXPECT_EQ(failed, failures);
  EXPECT_EQ(skips, skipped);
  return suite;
}

// xmllint, when installed, as a second reader (the CI image installs libxml2-utils).
void expect_xmllint_reads(const std::string& path) {
  const Result r = run_program({"xmllint", "--noout", path});
  if (r.status == 127 || r.err.rfind("could not start", 0) == 0) {
    std::cout << "xmllint is not installed (libxml2-utils); only the C++ reader checked " << path
              << "\n";
    return;
  }
  EXPECT_EQ(r.status, 0) << "xmllint rejects " << path << ":\n" << r.err;
}

TEST(CliJUnit, APassingShardWritesOneTestcaseASuite) {
  Scratch s;
  const std::string xml = s.path("fibercheck.xml");
  const Result r = run_cli(
      {"run", "--cases", "5", "--size", "5", "--seed", "9", "--shard", "2/3", "--junit", xml});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "wrote " + xml)) << r.out;
  const Element root = read_junit(xml);
  const Element& suite = expect_junit_shape(root, kSuites, 0, 0);
  const auto props = suite.properties();
  EXPECT_EQ(props.at("seed"), "9");
  EXPECT_EQ(props.at("shard"), "2 of 3");
  EXPECT_EQ(props.at("result"), "OK");
  EXPECT_EQ(props.at("time_budget"), "none");
  for (const Element* c : suite.all("testcase")) {
    EXPECT_EQ(c->properties().at("cases"), "2") << "cases #1 and #4 of 0..4";
    EXPECT_EQ(c->properties().at("cases_asked"), "2");
    EXPECT_EQ(c->properties().at("partial"), "false");
  }
  expect_xmllint_reads(xml);
}

TEST(CliJUnit, AFailureCarriesTheCaseLineAndTheFailuresFileReplaysIt) {
  Scratch s;
  const std::string xml = s.path("fibercheck.xml"), failures = s.path("failures.txt");
  const Result r = run_cli(
      {"run", "--plant", "leak-recv-nil", "--cases", "5", "--junit", xml, "--failures", failures});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  const Element root = read_junit(xml);
  const Element& suite = expect_junit_shape(root, {"cancellation"}, 1, 0);
  EXPECT_EQ(suite.properties().at("result"), "FAIL");
  EXPECT_EQ(suite.properties().at("plant"), "leak-recv-nil");
  const Element* c = suite.first("testcase");
  ASSERT_NE(c, nullptr);
  const Element* f = c->first("failure");
  ASSERT_NE(f, nullptr);
  const std::string line = slurp(failures);
  ASSERT_EQ(line.rfind("fibercheck-case v1 ", 0), 0u) << line;
  ASSERT_EQ(std::count(line.begin(), line.end(), '\n'), 1) << "one line a failing suite: " << line;
  const std::string case_line = line.substr(0, line.size() - 1);
  EXPECT_TRUE(contains(f->attributes.at("message"), "5 of 5 cases failed: "))
      << f->attributes.at("message");
  EXPECT_TRUE(contains(f->attributes.at("message"), "case: " + case_line));
  EXPECT_TRUE(contains(f->text, "\ncase: " + case_line + "\n")) << f->text;
  EXPECT_TRUE(contains(f->text, "\nreplay: fibercheck replay '" + case_line + "'")) << f->text;
  EXPECT_TRUE(contains(f->text, "root/doWork")) << "the report names the leaked fiber";
  EXPECT_EQ(c->properties().at("failed_cases"), "5");
  expect_xmllint_reads(xml);
  // The line in the failures file replays the failure.
  const Result replay = run_cli({"replay", "--file", failures});
  EXPECT_EQ(replay.status, 1) << replay.out << replay.err;
  EXPECT_TRUE(contains(replay.out, "verdict: leak")) << replay.out;
}

TEST(CliJUnit, APartialSuiteIsSkippedWithWhy) {
  Scratch s;
  const std::string xml = s.path("fibercheck.xml"), failures = s.path("failures.txt");
  const Result r = run_cli({"run", "--suite", "mutants", "--cases", "100000000", "--time-budget",
                            "0.05", "--junit", xml, "--failures", failures});
  ASSERT_EQ(r.status, kPartial) << r.out << r.err;
  const Element root = read_junit(xml);
  const Element& suite = expect_junit_shape(root, {"mutants"}, 0, 1);
  EXPECT_EQ(suite.properties().at("result"), "PARTIAL");
  EXPECT_EQ(suite.properties().at("time_budget"), "0.05");
  const Element* c = suite.first("testcase");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->properties().at("partial"), "true");
  EXPECT_EQ(c->properties().at("cases_asked"), "100000000");
  const std::string why = c->first("skipped")->attributes.at("message");
  EXPECT_TRUE(std::regex_match(
      why,
      std::regex(R"(PARTIAL: \d+ of 100000000 cases ran before the --time-budget 0.05 s ran out)")))
      << why;
  EXPECT_EQ(slurp(failures), "") << "no failure, an empty failures file";
  expect_xmllint_reads(xml);
}

TEST(CliJUnit, UnwritableReportsAreRejectedBeforeTheRun) {
  Scratch s;
  for (const char* option : {"--junit", "--failures"}) {
    const Result r = run_cli({"run", option, s.path("no/such/dir/out")});
    EXPECT_EQ(r.status, 2) << r.out << r.err;
    EXPECT_TRUE(contains(r.err, std::string("option ") + option + ": cannot write '")) << r.err;
    EXPECT_EQ(r.out, "") << "rejected before the run starts";
  }
  for (const char* sampling_only : {"--list-cases", "--no-progress", "--progress"}) {
    const Result dfs = run_cli({"run", "--strategy", "dfs", sampling_only});
    EXPECT_EQ(dfs.status, 2);
    EXPECT_TRUE(contains(
        dfs.err, std::string("option ") + sampling_only + " does not apply to --strategy dfs"))
        << dfs.err;
  }
}

TEST(CliJUnit, DfsWritesOneTestcaseWithItsFirstFailure) {
  Scratch s;
  const std::string xml = s.path("dfs.xml"), failures = s.path("dfs.txt");
  const Result r = run_cli({"run", "--strategy", "dfs", "--plant", "leak-recv-nil", "--cases", "2",
                            "--junit", xml, "--failures", failures});
  ASSERT_EQ(r.status, 1) << r.out << r.err;
  const Element root = read_junit(xml);
  const Element& suite = expect_junit_shape(root, {"dfs"}, 1, 0);
  EXPECT_EQ(suite.properties().at("strategy"), "dfs");
  EXPECT_EQ(suite.properties().at("result"), "FAIL");
  const Element* f = suite.first("testcase")->first("failure");
  ASSERT_NE(f, nullptr);
  const std::string lines = slurp(failures);
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2) << "a line a failing tree: " << lines;
  const std::string first = lines.substr(0, lines.find('\n'));
  EXPECT_EQ(first.rfind("fibercheck-case v1 strategy=replay ", 0), 0u) << first;
  EXPECT_TRUE(contains(f->text, "\ncase: " + first + "\n")) << f->text;
  EXPECT_TRUE(contains(f->attributes.at("message"), "2 of 2 trees failed"))
      << f->attributes.at("message");
  expect_xmllint_reads(xml);
}

TEST(CliJUnit, TheReaderHereRejectsWhatIsNotXml) {
  // The checks above rest on this reader; it must not accept broken documents.
  for (const std::string bad :
       {"<a>&</a>", "<a>&nope;</a>", "<a><b></a>", "<a x='1'/>", "<a x=\"<\"/>", "<a>\x01</a>",
        "<a>\xff</a>", "<a/><b/>", "<a x=\"1\" x=\"2\"/>", "<a>"}) {
    EXPECT_THROW(XmlReader(bad).document(), std::runtime_error) << bad;
  }
  EXPECT_EQ(XmlReader("<?xml version=\"1.0\"?>\n<a k=\"&lt;&#10;\">t&amp;<b/></a>\n")
                .document()
                .attributes.at("k"),
            "<\n");
}

TEST(CliJUnit, TextIsEscapedForXml) {
  using fibercheck::cli::xml_escaped;
  EXPECT_EQ(xml_escaped("a<b>&\"c'", true), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escaped("a<b>&\"c'", false), "a&lt;b&gt;&amp;\"c'");
  EXPECT_EQ(xml_escaped("l1\nl2\tx\r", true), "l1&#10;l2&#9;x&#13;");
  EXPECT_EQ(xml_escaped("l1\nl2\tx\r", false), "l1\nl2\tx&#13;");
  EXPECT_EQ(xml_escaped(std::string("nul\0bel\x07"
                                    "del\x7f",
                                    12),
                        false),
            "nul\\x00bel\\x07del\\x7F");
  EXPECT_EQ(xml_escaped("caf\xc3\xa9 \xe2\x9c\x93", false), "caf\xc3\xa9 \xe2\x9c\x93")
      << "well-formed UTF-8 is kept";
  EXPECT_EQ(xml_escaped("bad \xff \xc3 \xed\xa0\x80 \xc0\xaf", false),
            "bad \\xFF \\xC3 \\xED\\xA0\\x80 \\xC0\\xAF")
      << "stray bytes, a cut sequence, a surrogate and an overlong form are shown as bytes";
}

TEST(CliJUnit, AHostileReportStaysWellFormed) {
  using namespace fibercheck::cli;
  JUnitSuite j;
  j.name = "fibercheck";
  j.timestamp = "2026-01-01T00:00:00";
  j.properties = {{"a\"b", "<&>'\n"}};
  JUnitCase c;
  c.classname = "fibercheck.run";
  c.name = "x<y>&\"z\"";
  c.failure = JUnitFailure{"msg \x01 <here>", "t", "]]> </failure> \x1b[31m & \xff"};
  c.skipped = "why\"";
  c.system_out = "<system-out>";
  j.cases.push_back(c);
  const std::string xml = junit_xml(j);
  Element root;
  ASSERT_NO_THROW(root = XmlReader(xml).document()) << xml;
  const Element& tc = *root.first("testsuite")->first("testcase");
  EXPECT_EQ(tc.attributes.at("name"), c.name);
  EXPECT_EQ(root.first("testsuite")->properties().at("a\"b"), "<&>'\n");
  EXPECT_EQ(tc.first("failure")->attributes.at("message"), "msg \\x01 <here>");
  EXPECT_EQ(tc.first("failure")->text, "]]> </failure> \\x1B[31m & \\xFF");
  EXPECT_EQ(tc.first("skipped")->attributes.at("message"), "why\"");
  EXPECT_EQ(tc.first("system-out")->text, "<system-out>");
  Scratch s;
  const std::string path = s.path("hostile.xml");
  std::ofstream(path, std::ios::binary) << xml;
  expect_xmllint_reads(path);
}

// ---- Replay ----

TEST(CliReplay, ReportsEachFiberOnce) {
  // The run's headline, then the lineage report: a leaked fiber is not listed again
  // under "live".
  const Result r = run_cli({"replay",
                            "fibercheck-case v1 strategy=random seed=1 cancel=3 max-steps=2000 "
                            "topology=fc1 leak-recv-nil"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  std::size_t mentions = 0;
  for (std::size_t at = r.out.find("root/doWork"); at != std::string::npos;
       at = r.out.find("root/doWork", at + 1))
    ++mentions;
  EXPECT_EQ(mentions, 1u) << r.out;
  EXPECT_FALSE(contains(r.out, "fiber(s) live:")) << r.out;
}

// ---- Progress ----

// A machine without pseudo-terminals (a container or chroot without /dev/pts) cannot
// show the tool a terminal: the tests that need one skip there, and the line itself is
// checked through a pipe with --progress, which draws it anyway.
#define SKIP_WITHOUT_A_TERMINAL(r)                            \
  if ((r).status == -1 && (r).err.rfind("openpty: ", 0) == 0) \
  GTEST_SKIP() << "this machine has no pseudo-terminals (" << (r).err << ")"

// What the progress line must look like in `err`, however it got there.
void expect_progress_line(const std::string& err) {
  EXPECT_TRUE(contains(err, "\rfibercheck: cancellation (suite 1 of 6): ")) << err;
  EXPECT_TRUE(std::regex_search(
      err, std::regex(R"(\(suite \d of 6\): \d+ of 40 cases, \d+ of 240 in all, \d+ failed)")))
      << err;
  EXPECT_EQ(err.find('\n'), std::string::npos) << "redrawn in place, never a new line";
  ASSERT_GE(err.size(), 4u) << err;
  EXPECT_EQ(err.substr(err.size() - 4), "\r\x1b[K") << "erased when the run ends";
}

TEST(CliProgress, ATerminalGetsOneRedrawnLineNamingTheSuiteAndCounts) {
  const Result r = run_cli_on_terminal({"run", "--cases", "40", "--size", "5"});
  SKIP_WITHOUT_A_TERMINAL(r);
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  expect_progress_line(r.err);
  EXPECT_FALSE(contains(r.out, "fibercheck: cancellation (suite")) << "stdout stays clean";
}

TEST(CliProgress, ProgressDrawsTheSameLineOnAPipe) {
  const Result r = run_cli({"run", "--cases", "40", "--size", "5", "--progress"});
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  expect_progress_line(r.err);
  EXPECT_FALSE(contains(r.out, "fibercheck: cancellation (suite")) << "stdout stays clean";
}

TEST(CliProgress, PipesGetNone) {
  const Result piped = run_cli({"run", "--cases", "40", "--size", "5"});
  EXPECT_EQ(piped.status, 0);
  EXPECT_EQ(piped.err, "");
}

TEST(CliProgress, NoProgressSilencesATerminal) {
  const Result quiet =
      run_cli_on_terminal({"run", "--cases", "40", "--size", "5", "--no-progress"});
  SKIP_WITHOUT_A_TERMINAL(quiet);
  EXPECT_EQ(quiet.status, 0) << quiet.out << quiet.err;
  EXPECT_EQ(quiet.err, "");
}

TEST(CliProgress, ProgressAndNoProgressContradict) {
  const Result r = run_cli({"run", "--progress", "--no-progress"});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_TRUE(contains(r.err, "--progress")) << r.err;
  EXPECT_EQ(r.out, "") << "rejected before the run starts";
}

TEST(CliProgress, TheFailuresSoFarAreCounted) {
  const Result r =
      run_cli({"run", "--plant", "leak-recv-nil", "--cases", "300", "--size", "3", "--progress"});
  EXPECT_EQ(r.status, 1) << r.out;
  EXPECT_TRUE(std::regex_search(r.err, std::regex(R"(of 300 in all, [1-9]\d* failed)"))) << r.err;
}

}  // namespace
