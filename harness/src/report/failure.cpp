#include "report/failure.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "model/case_line.hpp"
#include "report/lineage.hpp"

namespace fibercheck::harness {

namespace {

std::string file_name_for(const std::string& property) {
  std::string f;
  for (char c : property) f += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return f + ".case";
}

std::string write_ci_file(const std::string& property, const std::string& line) {
  if (std::getenv("CI") == nullptr) return "";
  const char* dir_env = std::getenv("FIBERCHECK_FAILURES_DIR");
  std::filesystem::path dir = dir_env && *dir_env ? dir_env : "fibercheck-failures";
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::filesystem::path file = dir / file_name_for(property);
  std::ofstream out(file);
  if (!(out << line << "\n")) return "";
  return file.string();
}

std::string& replay_command() {
  static std::string cmd = "fibercheck replay";
  return cmd;
}

}  // namespace

void set_replay_command(std::string command) { replay_command() = std::move(command); }

FailureReport report_failure(const std::string& property, const std::string& expected,
                             const CaseSpec& spec) {
  FailureReport r;
  CaseSpec traced = spec;
  traced.trace = true;
  CaseOutcome first = run_case(traced);
  CaseOutcome second = run_case(traced);
  r.deterministic =
      first.run.trace_hash == second.run.trace_hash && first.verdict == second.verdict;
  r.line = case_line(spec, &first);
  std::string& s = r.text;
  s += "expected: " + expected + "\n";
  s += "happened: " + std::string(to_string(first.verdict)) + ": " + outcome_report(first.run);
  if (!first.ledger_balanced()) s += "unbalanced channels:\n" + first.ledger_report();
  if (!r.deterministic) {
    s += "NOT DETERMINISTIC: replaying the same case gave a different outcome, so the code under "
         "test depends on something fibercheck does not control (real time, threads, addresses).\n"
         "second run: " +
         std::string(to_string(second.verdict)) + ": " + outcome_report(second.run);
  }
  s += "case: " + r.line + "\n";
  s += "replay: " + replay_command() + " '" + r.line + "'\n";
  r.ci_file = write_ci_file(property, r.line);
  if (!r.ci_file.empty()) s += "saved: " + r.ci_file + "\n";
  return r;
}

}  // namespace fibercheck::harness
