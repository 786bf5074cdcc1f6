#include "fibercheck/harness/gtest.hpp"

#include <algorithm>
#include <boost/fiber/operations.hpp>
#include <cstdio>
#include <cstdlib>

namespace fibercheck::gtest {

bool Ignore::matches(const FiberInfo& f) const {
  switch (by) {
    case By::name:
      return f.name == text;
    case By::path_prefix:
      return f.path.compare(0, text.size(), text) == 0;
    case By::site: {
      const std::string site = f.site();
      const std::string& hay = text.find(':') == std::string::npos ? f.file : site;
      return hay.size() >= text.size() &&
             hay.compare(hay.size() - text.size(), text.size(), text) == 0;
    }
  }
  return false;
}

Ignore ignore_name(std::string name) { return {Ignore::By::name, std::move(name)}; }
Ignore ignore_path_prefix(std::string prefix) {
  return {Ignore::By::path_prefix, std::move(prefix)};
}
Ignore ignore_site(std::string site) { return {Ignore::By::site, std::move(site)}; }

namespace {

// Fibers live when the current test started (set by the leak listener).
std::vector<std::uint64_t> g_live_at_test_start;

std::vector<FiberInfo> unignored(const VerifyOptions& opt) {
  std::vector<FiberInfo> out;
  for (FiberInfo& f : census()) {
    if (f.state == FiberState::running) continue;  // the caller itself
    if (opt.only_this_test && std::find(g_live_at_test_start.begin(), g_live_at_test_start.end(),
                                        f.id) != g_live_at_test_start.end())
      continue;
    if (std::any_of(opt.ignore.begin(), opt.ignore.end(),
                    [&](const Ignore& i) { return i.matches(f); }))
      continue;
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::vector<FiberInfo> find_live(const VerifyOptions& opt) {
  const auto deadline = std::chrono::steady_clock::now() + opt.settle;
  std::vector<FiberInfo> live = unignored(opt);
  while (!live.empty() && std::chrono::steady_clock::now() < deadline) {
    const bool ready = std::any_of(live.begin(), live.end(),
                                   [](const FiberInfo& f) { return f.state == FiberState::ready; });
    // Ready fibers run when this context yields; sleeping ones need time to pass.
    if (ready) {
      boost::this_fiber::yield();
    } else {
      boost::this_fiber::sleep_for(std::chrono::milliseconds(2));
    }
    live = unignored(opt);
  }
  return live;
}

::testing::AssertionResult no_live_fibers(const VerifyOptions& opt) {
  const std::vector<FiberInfo> live = find_live(opt);
  if (live.empty()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << describe_leaks(live);
}

::testing::AssertionResult passed(const CheckResult& r) {
  if (r.ok) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << r.report;
}

void LeakListener::OnTestProgramStart(const ::testing::UnitTest&) { install(); }

void LeakListener::OnTestStart(const ::testing::TestInfo&) {
  g_live_at_test_start.clear();
  for (const FiberInfo& f : census()) g_live_at_test_start.push_back(f.id);
}

void LeakListener::OnTestEnd(const ::testing::TestInfo& info) {
  VerifyOptions opt = opt_;
  opt.only_this_test = true;
  const std::vector<FiberInfo> fresh = find_live(opt);
  if (fresh.empty()) return;
  // Called while the test is still the current one, before the printer's
  // OnTestEnd (end events run in reverse order): the failure is the test's.
  // At the TEST's own line, not this one: the failure belongs to the test.
  ADD_FAILURE_AT(info.file(), info.line())
      << "fibercheck: test " << info.test_suite_name() << "." << info.name()
      << " left fibers running: " << describe_leaks(fresh)
      << "(ignore fibers meant to outlive a test with fibercheck::gtest::ignore_name, "
         "ignore_path_prefix or ignore_site)";
}

void install_leak_listener(VerifyOptions opt) {
  install();
  ::testing::UnitTest::GetInstance()->listeners().Append(new LeakListener(std::move(opt)));
}

int verify_test_main(VerifyOptions opt) {
  install_leak_listener(std::move(opt));
  int rc = RUN_ALL_TESTS();
  const std::size_t left = live_fibers();
  if (left == 0) return rc;
  std::fprintf(stderr,
               "fibercheck: %zu fiber(s) still live at exit; exiting now without unwinding them, "
               "because this thread's "
               "fiber scheduler would wait for them forever\n",
               left);
  std::fflush(stdout);
  std::fflush(stderr);
  std::_Exit(rc);  // leaks were reported (rc != 0) or are ignored on purpose
}

}  // namespace fibercheck::gtest
