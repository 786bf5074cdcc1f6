// The fibercheck tool on bad input: every rejection is a clear message on stderr
// ("fibercheck: ..." saying what was wrong and what was expected) and exit status 2,
// never a crash, a hang or an exit by signal. And its help: --help on the program
// and on every command, and --version, print to stdout and exit 0. Runs the built
// binary, whose path comes from CMake as FIBERCHECK_CLI (and the project's version
// as FIBERCHECK_VERSION).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;

struct Result {
  int status = -1;  // exit status, or -signal
  std::string out, err;
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// AddressSanitizer prints a one-time warning on the first swapcontext (which Boost's
// ucontext switch uses under the asan preset) that no option turns off; it is not part
// of the tool's message, so it is dropped before the message is checked.
std::string without_asan_context_warning(std::string err) {
  const std::string marker = "==WARNING: ASan doesn't fully support makecontext/swapcontext";
  for (std::size_t at = err.find(marker); at != std::string::npos; at = err.find(marker)) {
    const std::size_t begin = err.rfind('\n', at);  // the line starts with ==<pid>
    const std::size_t from = begin == std::string::npos ? 0 : begin + 1;
    const std::size_t end = err.find('\n', at);
    err.erase(from, end == std::string::npos ? std::string::npos : end + 1 - from);
  }
  return err;
}

class Scratch {
 public:
  Scratch() {
    std::string templ = (fs::temp_directory_path() / "fibercheck-cli-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    dir_ = templ;
  }
  ~Scratch() {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  [[nodiscard]] fs::path path(const std::string& name) const { return dir_ / name; }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
    return path(name);
  }

 private:
  fs::path dir_;
};

Result run_cli(const std::vector<std::string>& args) {
  Scratch s;
  const std::string out = s.path("out").string(), err = s.path("err").string();
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> full{FIBERCHECK_CLI};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  Result r;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&fa);
    r.err = "could not start " + full[0];
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
  r.out = slurp(out);
  r.err = without_asan_context_warning(slurp(err));
  return r;
}

// Exit 2, and one message that names the problem (each `needle`).
void expect_rejected(const std::vector<std::string>& args,
                     const std::vector<std::string>& needles) {
  const Result r = run_cli(args);
  std::string shown;
  for (const auto& a : args) shown += " '" + a.substr(0, 60) + (a.size() > 60 ? "...'" : "'");
  EXPECT_EQ(r.status, 2) << "fibercheck" << shown << "\nstderr: " << r.err.substr(0, 2000);
  EXPECT_EQ(r.err.rfind("fibercheck: ", 0), 0u)
      << "fibercheck" << shown << "\nstderr: " << r.err.substr(0, 2000);
  EXPECT_LT(r.err.size(), 4096u) << "a rejection is a short message, not an echo of the input";
  for (const auto& n : needles)
    EXPECT_NE(r.err.find(n), std::string::npos)
        << "fibercheck" << shown << "\nexpected '" << n << "' in stderr: " << r.err.substr(0, 2000);
}

const std::string kLine =
    "fibercheck-case v1 strategy=random seed=1 cancel=3 max-steps=2000 topology=";

// Exit 0, the help on stdout naming each of `needles`, nothing on stderr.
void expect_help(const std::vector<std::string>& args, const std::vector<std::string>& needles) {
  const Result r = run_cli(args);
  std::string shown;
  for (const auto& a : args) shown += " " + a;
  EXPECT_EQ(r.status, 0) << "fibercheck" << shown << "\nstderr: " << r.err;
  EXPECT_EQ(r.err, "") << "fibercheck" << shown;
  for (const auto& n : needles)
    EXPECT_NE(r.out.find(n), std::string::npos)
        << "fibercheck" << shown << "\nexpected '" << n << "' in stdout:\n"
        << r.out;
}

struct CommandOptions {
  std::string command;
  std::vector<std::string> options;
};

// Every command the tool has, and everything it takes.
const std::vector<CommandOptions> kCommands = {
    {"run",
     {"--cases", "--seed", "--strategy", "--suite", "--plant", "--size", "--time-budget", "--shard",
      "--junit", "--failures", "--list-cases", "--no-progress", "Output and CI", "--preemptions",
      "--max-runs", "--no-reduction", "--topology", "With --strategy dfs"}},
    {"replay", {"CASE", "--file", "--trace", "--dot", "--svg"}},
    {"kinds", {}},
    {"stress", {"--runs", "--threads", "--algo", "--seed", "--timeout"}},
    {"stress-leaks", {"--cases", "--seed", "--unreclaimable"}},
    {"help", {"COMMAND"}},
};

TEST(CliHelp, TheProgramsHelpListsEveryCommandAndEveryExitStatus) {
  std::vector<std::string> needles = {"usage: fibercheck [OPTIONS] COMMAND",
                                      "--help",
                                      "--version",
                                      "exit status:",
                                      "  0  all held",
                                      "  1  a failure",
                                      "  2  bad input",
                                      "  3  internal error",
                                      "  4  partial"};
  for (const auto& c : kCommands) needles.push_back("\n  " + c.command + " ");
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {"help"}})
    expect_help(args, needles);
  EXPECT_EQ(run_cli({"--help"}).out, run_cli({"help"}).out);
}

TEST(CliHelp, EveryCommandsHelpExitsZeroAndNamesItsOptions) {
  for (const auto& c : kCommands) {
    std::vector<std::string> needles = c.options;
    needles.push_back("usage: fibercheck " + c.command + " [OPTIONS]");
    needles.push_back("exit status: 0");
    expect_help({c.command, "--help"}, needles);
    expect_help({c.command, "-h"}, needles);
    if (c.command != "help") {
      EXPECT_EQ(run_cli({"help", c.command}).out, run_cli({c.command, "--help"}).out);
    }
  }
}

TEST(CliHelp, TheVersionIsTheProjectsVersion) {
  const Result r = run_cli({"--version"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "fibercheck " FIBERCHECK_VERSION "\n");
  EXPECT_EQ(r.err, "");
}

TEST(CliBadInput, NoCommandPrintsUsage) { expect_rejected({}, {"missing command", "usage:"}); }

TEST(CliBadInput, UnknownCommandAndFlagsAreNamed) {
  expect_rejected({"frobnicate"}, {"unknown command 'frobnicate'", "usage:", "exit status:"});
  expect_rejected({"help", "frobnicate"}, {"unknown command 'frobnicate'", "usage:"});
  expect_rejected({"--bogus"}, {"unknown option --bogus", "usage:"});
  expect_rejected({"run", "--bogus"}, {"unknown option --bogus"});
  expect_rejected({"run", "--bogus=3"}, {"unknown option --bogus"});
  expect_rejected({"replay", "--trace=1", kLine + "fc1 gen"}, {"--trace", "takes no value"});
  expect_rejected({"kinds", "extra"}, {"unexpected argument 'extra'"});
  expect_rejected({"run", "stray"}, {"unexpected argument 'stray'"});
  expect_rejected({"run", "kinds"}, {"unexpected argument 'kinds'"});
  expect_rejected({"replay", "fibercheck-case", "v1", "strategy=random"},
                  {"unexpected argument 'v1'", "quoted"});
  expect_rejected({"run", "--strategy", "dfs", "--no-reduction=1"},
                  {"--no-reduction", "takes no value"});
}

TEST(CliBadInput, AnOptionOfAnotherCommandIsNamedWithWhereItBelongs) {
  expect_rejected({"kinds", "--seed", "5"},
                  {"option --seed does not apply to kinds, which takes no options", "run"});
  expect_rejected({"stress", "--cases", "5"}, {"option --cases does not apply to stress", "run"});
  expect_rejected({"stress-leaks", "--threads", "2"},
                  {"option --threads does not apply to stress-leaks", "belongs to stress"});
  expect_rejected({"replay", "--seed", "1", kLine + "fc1 gen"},
                  {"option --seed does not apply to replay"});
  expect_rejected({"run", "--file", "case.txt"}, {"option --file does not apply to run", "replay"});
  expect_rejected({"help", "--cases", "3"}, {"option --cases does not apply to help"});
  expect_rejected({"--cases", "5", "run"}, {"'--cases' comes before the command run"});
}

TEST(CliBadInput, AnOptionOfRunsOtherModeIsNamedWithWhy) {
  for (const std::vector<std::string>& dfs_only : {std::vector<std::string>{"--preemptions", "3"},
                                                   {"--max-runs", "5"},
                                                   {"--no-reduction"},
                                                   {"--topology", "fc1 gen"}}) {
    std::vector<std::string> args = {"run"};
    args.insert(args.end(), dfs_only.begin(), dfs_only.end());
    expect_rejected(args, {"option " + dfs_only[0] + " applies only to --strategy dfs"});
    args.insert(args.begin() + 1, {"--strategy", "pct"});
    expect_rejected(args, {"option " + dfs_only[0] + " applies only to --strategy dfs"});
  }
  expect_rejected({"run", "--strategy", "dfs", "--suite", "mutants"},
                  {"--suite does not apply to --strategy dfs"});
  expect_rejected({"run", "--strategy", "dfs", "--size", "13"}, {"--size", "expected 1 to 12"});
}

TEST(CliBadInput, AnOptionGivenTwiceIsRejected) {
  expect_rejected({"run", "--cases", "1", "--cases", "2"}, {"option --cases is given 2 times"});
  expect_rejected({"replay", "--file", "a", "--file", "b"}, {"option --file is given 2 times"});
}

TEST(CliBadInput, MissingArgumentsAreNamed) {
  expect_rejected({"run", "--cases"}, {"--cases", "expects a value"});
  expect_rejected({"replay", "--file"}, {"--file", "expects a value"});
  expect_rejected({"replay"}, {"expected one case line"});
  expect_rejected({"replay", kLine + "fc1 gen", "--file", "/dev/null"}, {"not both"});
}

TEST(CliBadInput, NegativeHugeAndMalformedNumbersAreRejected) {
  expect_rejected({"run", "--cases", "-5"}, {"--cases", "not a whole number"});
  expect_rejected({"run", "--seed=-1"}, {"--seed", "not a whole number"});
  expect_rejected({"run", "--cases", "99999999999999999999999999"}, {"--cases", "expected"});
  expect_rejected({"run", "--seed", "18446744073709551616"}, {"--seed", "out of range"});
  expect_rejected({"run", "--size", "0"}, {"--size", "out of range"});
  expect_rejected({"run", "--cases", ""}, {"--cases", "not a whole number"});
  expect_rejected({"run", "--cases", "1e3"}, {"--cases", "not a whole number"});
  expect_rejected({"run", "--cases", "-5"}, {"write it without a sign"});
  expect_rejected({"run", "--cases", "+5"}, {"--cases", "not a whole number", "without a sign"});
  for (const char* junk : {" 5", "5 ", "0x10", "5.0", "five", "5k", "\xd9\xa5"})
    expect_rejected({"run", "--cases", junk},
                    {"--cases", "not a whole number", "expected one from 1 to"});
  expect_rejected({"run", "--time-budget", "1.5.2"}, {"--time-budget", "not a number of seconds"});
  expect_rejected({"run", "--time-budget", "-1"}, {"--time-budget", "not a number of seconds"});
  expect_rejected({"run", "--strategy", "dfs", "--preemptions", "11"},
                  {"--preemptions", "expected 0 to 10"});
  expect_rejected({"stress", "--threads", "1"}, {"--threads", "out of range; expected 2 to 64"});
  expect_rejected({"stress", "--runs", "18446744073709551616"}, {"--runs", "out of range"});
  expect_rejected({"stress", "--seed", "-1"}, {"--seed", "not a whole number"});
  expect_rejected({"stress", "--algo", "fifo"},
                  {"--algo", "expected work-stealing or shared-work"});
  expect_rejected({"stress-leaks", "--unreclaimable", "1001"},
                  {"--unreclaimable", "expected 0 to 1000"});
  expect_rejected({"stress-leaks", "--cases", "0"}, {"--cases", "expected 1 to"});
  expect_rejected({"run", "--strategy", "replay"}, {"--strategy", "expected fifo, random"});
  expect_rejected({"run", "--plant", "stage"}, {"--plant", "not a mutant kind"});
  expect_rejected({"run", "--suite", "nope"}, {"--suite", "expected one of"});
}

TEST(CliBadInput, BadCaseLinesGiveTheColumnAndWhatWasExpected) {
  expect_rejected({"replay", "hello"}, {"column 1", "expected a case line starting with"});
  expect_rejected({"replay", "fibercheck-case v1 strategy=random seed=-1 topology=fc1 gen"},
                  {"column 41", "expected a whole number for seed"});
  expect_rejected(
      {"replay", "fibercheck-case v1 strategy=random seed=18446744073709551616 topology=fc1 gen"},
      {"column 41", "below 2^64"});
  expect_rejected({"replay", "fibercheck-case v1 strategy=dfs topology=fc1 gen"},
                  {"column 29", "expected fifo, random, pct or replay"});
  expect_rejected({"replay", kLine + "fc1 pipe(gen,nosuch)"},
                  {"column 89", "expected a known kind"});
  expect_rejected({"replay", kLine + "fc1 gen{n=65}"},
                  {"column 84", "expected n from 0 to 64, found 'n=65'"});
  expect_rejected({"replay", kLine + "fc1 gen{n=-99999999999999999}"},
                  {"expected a number of at most 12 digits"});
  expect_rejected({"replay", kLine + "fc1 pipe(gen"}, {"column 88", "expected ',' or ')'"});
  expect_rejected(
      {"replay", std::string("fibercheck-case v1 strategy=random\x01 topology=fc1 gen")},
      {"column 29", "expected fifo"});
  expect_rejected({"replay", kLine + "fc1 gen\xff"}, {"column 83", "found byte 255"});
}

TEST(CliBadInput, OneMebibyteInputsAreRejectedQuickly) {
  // Garbage, a tree far too deep, a line over the limit, and one long name. The
  // kernel caps one argument at 128 KiB, so these go through --file.
  Scratch s;
  int n = 0;
  auto expect_rejected = [&](const std::vector<std::string>& args,
                             const std::vector<std::string>& needles) {
    ::expect_rejected(
        {"replay", "--file", s.write("big" + std::to_string(n++), args.at(1)).string()}, needles);
  };
  expect_rejected({"replay", std::string(1 << 20, 'x')}, {"column 1"});
  std::string deep = kLine + "fc1 ";
  while (deep.size() < (1u << 20) - 10) deep += "scope(";
  expect_rejected({"replay", deep}, {"levels deep"});
  expect_rejected({"replay", std::string((1 << 20) + 1, 'x')}, {"over 1 MiB"});
  expect_rejected({"replay", kLine + "fc1 " + std::string((1 << 20) - 200, 'a')},
                  {"at most 64 characters"});
  std::string choices = "fibercheck-case v1 strategy=replay choices=";
  while (choices.size() < (1u << 20) - 40) choices += "1.";
  expect_rejected({"replay", choices + "x topology=fc1 gen"},
                  {"expected a whole number for a choice"});
}

TEST(CliBadInput, ATreeTooLargeToRunIsRejected) {
  // Valid grammar, every level within bounds, but far more nodes than any case needs.
  std::string wide = "merge(stage,stage,stage,stage)";
  for (int level = 0; level < 6; ++level)
    wide = "merge(" + wide + "," + wide + "," + wide + "," + wide + ")";
  Scratch s;
  expect_rejected({"replay", "--file", s.write("wide.case", kLine + "fc1 " + wide).string()},
                  {"nodes", "at most"});
}

TEST(CliBadInput, UnreadableCaseFilesAreNamed) {
  Scratch s;
  expect_rejected({"replay", "--file", s.path("missing.case").string()},
                  {"cannot read", "missing.case"});
  expect_rejected({"replay", "--file", s.path("").string()}, {"is a directory"});
  expect_rejected({"replay", "--file", s.write("empty.case", "").string()},
                  {"empty.case", "is empty"});
  expect_rejected({"replay", "--file", "/dev/null"}, {"is empty"});
  // Endless, with no newline: read up to the limit, never into memory whole.
  expect_rejected({"replay", "--file", "/dev/zero"}, {"over 1 MiB"});
  // Open succeeds, read fails (EIO at address 0 of the tool's own memory).
  expect_rejected({"replay", "--file", "/proc/self/mem"}, {"cannot read"});
  expect_rejected({"replay", "--file", s.write("bad.case", "fibercheck-case v1 seed=1\n").string()},
                  {"bad.case", "column", "expected strategy="});
}

TEST(CliBadInput, FilesWithoutReadPermissionAreNamed) {
  if (::geteuid() == 0)
    GTEST_SKIP() << "root reads files whatever their mode; the other unreadable cases still run";
  Scratch s;
  const fs::path p = s.write("locked.case", kLine + "fc1 gen\n");
  fs::permissions(p, fs::perms::none);
  expect_rejected({"replay", "--file", p.string()},
                  {"cannot read", "locked.case", "Permission denied"});
}

TEST(CliBadInput, UnwritableOutputsAreNamed) {
  Scratch s;
  expect_rejected({"replay", "--dot", s.path("no/such/dir/t.dot").string(), kLine + "fc1 gen"},
                  {"cannot write", "t.dot"});
  expect_rejected({"replay", "--dot", s.path("").string(), kLine + "fc1 gen"}, {"cannot write"});
}

TEST(CliBadInput, AValidLineStillReplays) {
  // The rejections above are not the tool refusing everything.
  const Result r = run_cli({"replay", kLine + "fc1 pipe(gen{n=2},sink)"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("verdict: clean"), std::string::npos) << r.out;
  const Result leak = run_cli({"replay", kLine + "fc1 leak-recv-nil"});
  EXPECT_EQ(leak.status, 1) << leak.out << leak.err;
}

}  // namespace
