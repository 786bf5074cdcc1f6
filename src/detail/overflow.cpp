#include "detail/overflow.hpp"

#include <signal.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>

#include "detail/runtime.hpp"

namespace fibercheck::detail {

namespace {

struct sigaction g_previous;

// A frame larger than a page can jump over the guard page: faults this far below it
// count as overflow too.
constexpr std::size_t kBelowGuard = 256 * 1024;

// Appends without allocating: the handler runs on a small stack after a fault.
struct Line {
  char buf[1024];
  std::size_t n = 0;
  void add(const char* s) {
    while (*s && n + 1 < sizeof buf) buf[n++] = *s++;
  }
  void add(const std::string& s) { add(s.c_str()); }
  void num(std::uintptr_t v, unsigned base) {
    char tmp[32];
    int k = 0;
    do {
      tmp[k++] = "0123456789abcdef"[v % base];
      v /= base;
    } while (v != 0);
    if (base == 16) add("0x");
    while (k > 0 && n + 1 < sizeof buf) buf[n++] = tmp[--k];
  }
};

void on_segv(int, siginfo_t* info, void*) {
  const char* addr = static_cast<const char*>(info->si_addr);
  Line l;
  l.add("fibercheck: ");
  FiberProps* p = current_fiber();
  if (p == nullptr) {
    l.add("SIGSEGV outside any fibercheck fiber at address ");
    l.num(reinterpret_cast<std::uintptr_t>(addr), 16);
  } else {
    const long page = sysconf(_SC_PAGESIZE);
    const bool on_guard = p->guard_page != nullptr && addr < p->guard_page + page &&
                          addr + kBelowGuard >= p->guard_page;
    l.add("fiber '");
    l.add(p->path);
    if (on_guard) {
      l.add("' overflowed its stack of ");
      l.num((p->stack_bytes - static_cast<std::size_t>(page)) / 1024, 10);
      l.add(" KiB (hit the guard page at ");
    } else {
      l.add("' faulted (SIGSEGV, not on its stack's guard page) at ");
    }
    l.num(reinterpret_cast<std::uintptr_t>(addr), 16);
    if (on_guard) l.add("); give it more with RunOptions::stack_size");
    if (p->file != nullptr) {
      l.add("\n  spawned at ");
      l.add(p->file);
      l.add(":");
      l.num(p->line, 10);
    }
  }
  l.add("\n");
  (void)!write(STDERR_FILENO, l.buf, l.n);
  // Fault again under the previous disposition: the default one dumps core.
  sigaction(SIGSEGV, &g_previous, nullptr);
}

// This thread's alternate signal stack, given back before the thread ends.
struct AltStack {
  std::unique_ptr<char[]> mem;
  ~AltStack() {
    if (!mem) return;
    stack_t off{};
    off.ss_flags = SS_DISABLE;
    sigaltstack(&off, nullptr);
  }
};

}  // namespace

void arm_overflow_report() {
  thread_local AltStack alt;
  if (!alt.mem) {
    constexpr std::size_t kSize = 64 * 1024;
    alt.mem = std::make_unique<char[]>(kSize);
    stack_t ss{};
    ss.ss_sp = alt.mem.get();
    ss.ss_size = kSize;
    sigaltstack(&ss, nullptr);
  }
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction sa {};
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_previous);
  });
}

}  // namespace fibercheck::detail
