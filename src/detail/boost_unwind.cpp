// boost_unwind.cpp (internal): unwinding fibers parked in Boost.Fiber's own primitives.
//
// A C++ throw out of a Boost wait cannot do it: nothing above the fiber's function
// catches it, so the unwinder's search phase reaches boost.context's fiber_entry
// (noexcept) and std::terminate runs before any destructor. A forced unwind (what
// glibc's pthread_exit uses) has no search phase: _Unwind_ForcedUnwind runs every
// frame's cleanups (destructors) and enters every catch (...) on the way, and asks a stop
// function at each frame whether to go on. It stops just below fiber_entry, whose
// caller is make_fcontext, and finishes the fiber the way worker_context::run_ does
// after its function returns: context::terminate() (terminated flag, joiners woken,
// fiber-specific storage cleaned up, switch away). When the context is released, Boost
// resumes this stack once more with its own forced_unwind, which propagates into
// fiber_entry's catch, and fiber_entry frees the stack.
//
// The unwinder calls std::terminate in a frame that must not throw (a noexcept function,
// a destructor, an empty throw() specification). Before waking the fiber,
// boost_unwind_refused() walks the frames between the wait and the fiber's start and
// reads each one's unwind tables as C++'s personality routine would: a call site they
// do not cover, an empty throw() specification, or a frame whose personality is not
// C++'s leaves the fiber parked and reported. The tables do not show a landing pad that
// ends in std::terminate (a noexcept region with cleanups or a handler inside it reads
// like any cleanup): for that, a terminate handler installed with the first unwind
// catches the unwind when it reaches such a frame and parks the fiber there for good.
#include <cxxabi.h>
#include <dlfcn.h>
#include <unwind.h>

#include <atomic>
#include <boost/context/fiber.hpp>
#include <boost/fiber/context.hpp>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <string>

#include "detail/boost_wait.hpp"
#include "detail/scheduler.hpp"

extern "C" _Unwind_Reason_Code __gxx_personality_v0(int, _Unwind_Action, _Unwind_Exception_Class,
                                                    _Unwind_Exception*, _Unwind_Context*);
// libgcc's: what _Unwind_Find_FDE fills in, and returns a pointer into .eh_frame.
struct dwarf_eh_bases {
  void* tbase;
  void* dbase;
  void* func;
};
extern "C" const void* _Unwind_Find_FDE(void* pc, dwarf_eh_bases* bases);

namespace fibercheck::detail {

#if defined(BOOST_USE_UCONTEXT) || defined(BOOST_USE_WINFIB) || !defined(__GXX_ABI_VERSION) || \
    defined(FIBERCHECK_NO_BOOST_HOOKS)

// With Boost.Context's ucontext back end (the sanitizer builds) the fiber's first frame
// is called from libc's __start_context, which this file does not look for; without the
// hooks (a static Boost.Fiber) no Boost wait is seen at all: such fibers stay parked and
// are reported.
bool boost_unwind_supported() noexcept { return false; }
bool boost_unwinding_now(const FiberProps&) noexcept { return false; }
bool boost_unwind_refused(FiberProps& p) {
  p.boost.cannot_unwind =
      "this build cannot unwind plain Boost.Fiber waits (Boost.Context's ucontext back end)";
  return true;
}
bool boost_unwind_refused_here(const FiberProps&) noexcept { return false; }
void boost_unwind_self(FiberProps& p) {
  std::fprintf(stderr, "fibercheck: internal error: asked to unwind #%llu out of a Boost wait\n",
               static_cast<unsigned long long>(p.id));
  std::abort();
}

#else

namespace {

// libstdc++'s __cxa_eh_globals: the caught-exception stack and the uncaught count.
struct EhGlobals {
  void* caught;
  unsigned int uncaught;
};

EhGlobals& eh_globals() noexcept { return *reinterpret_cast<EhGlobals*>(abi::__cxa_get_globals()); }

// ---- Reading .eh_frame and .gcc_except_table ----

constexpr std::uint8_t kOmit = 0xff;

std::uint32_t fixed32(const std::uint8_t* p) noexcept {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

struct Reader {
  const std::uint8_t* p;
  bool ok = true;

  std::uint64_t uleb() noexcept {
    std::uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
      const std::uint8_t b = *p++;
      if (shift < 64) v |= std::uint64_t(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
  }
  std::int64_t sleb() noexcept {
    std::uint64_t v = 0;
    unsigned shift = 0;
    std::uint8_t b;
    do {
      b = *p++;
      if (shift < 64) v |= std::uint64_t(b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    if (shift < 64 && (b & 0x40)) v |= ~std::uint64_t(0) << shift;
    return static_cast<std::int64_t>(v);
  }
  template <class T>
  T fixed() noexcept {
    T v;
    std::memcpy(&v, p, sizeof v);
    p += sizeof v;
    return v;
  }
  // A DW_EH_PE-encoded value. Relative to a base only where `bases` is given (the
  // personality pointer); the LSDA's call-site fields are read with base 0, as
  // __gxx_personality_v0 reads them.
  std::uintptr_t encoded(std::uint8_t enc, const dwarf_eh_bases* bases) noexcept {
    if (enc == kOmit) return 0;
    const std::uint8_t* field = p;
    std::uintptr_t v = 0;
    switch (enc & 0x0f) {
      case 0x00:
        v = fixed<std::uintptr_t>();
        break;
      case 0x01:
        v = uleb();
        break;
      case 0x02:
        v = fixed<std::uint16_t>();
        break;
      case 0x03:
        v = fixed<std::uint32_t>();
        break;
      case 0x04:
        v = fixed<std::uint64_t>();
        break;
      case 0x09:
        v = static_cast<std::uintptr_t>(sleb());
        break;
      case 0x0a:
        v = static_cast<std::uintptr_t>(fixed<std::int16_t>());
        break;
      case 0x0b:
        v = static_cast<std::uintptr_t>(fixed<std::int32_t>());
        break;
      case 0x0c:
        v = static_cast<std::uintptr_t>(fixed<std::int64_t>());
        break;
      default:
        ok = false;
        return 0;
    }
    if (v == 0) return 0;
    const std::uint8_t app = enc & 0x70;
    if (app == 0x10) {
      v += reinterpret_cast<std::uintptr_t>(field);
    } else if (app != 0) {
      if (bases == nullptr) {
        ok = false;
        return 0;
      }
      if (app == 0x20) {
        v += reinterpret_cast<std::uintptr_t>(bases->tbase);
      } else if (app == 0x30) {
        v += reinterpret_cast<std::uintptr_t>(bases->dbase);
      } else if (app == 0x40) {
        v += reinterpret_cast<std::uintptr_t>(bases->func);
      } else {
        ok = false;
        return 0;
      }
    }
    if (enc & 0x80) v = *reinterpret_cast<const std::uintptr_t*>(v);
    return v;
  }
};

// The personality routine of the function containing `pc`, read from its FDE's CIE;
// nullptr when it has none. `ok` turns false when the FDE cannot be found or read.
void* personality_of(void* pc, bool& ok) noexcept {
  dwarf_eh_bases bases{};
  const auto* fde = static_cast<const std::uint8_t*>(_Unwind_Find_FDE(pc, &bases));
  if (fde == nullptr || fixed32(fde) == 0xffffffffu) {  // none, or 64-bit DWARF
    ok = false;
    return nullptr;
  }
  const std::uint8_t* cie = fde + 4 - fixed32(fde + 4);
  if (fixed32(cie) == 0xffffffffu) {
    ok = false;
    return nullptr;
  }
  Reader r{cie + 8};
  const std::uint8_t version = *r.p++;
  const char* aug = reinterpret_cast<const char*>(r.p);
  r.p += std::strlen(aug) + 1;
  if (aug[0] != 'z') {  // no augmentation data, so no personality
    ok = aug[0] == '\0';
    return nullptr;
  }
  r.uleb();  // code alignment
  r.sleb();  // data alignment
  if (version == 1) {
    ++r.p;  // return address register
  } else {
    r.uleb();
  }
  r.uleb();  // augmentation data length
  void* personality = nullptr;
  for (const char* a = aug + 1; *a != '\0'; ++a) {
    if (*a == 'L' || *a == 'R') {
      ++r.p;  // an encoding
    } else if (*a == 'P') {
      const std::uint8_t enc = *r.p++;
      personality = reinterpret_cast<void*>(r.encoded(enc, &bases));
    } else if (*a != 'S' && *a != 'B') {
      ok = false;
      return nullptr;
    }
  }
  if (!r.ok) ok = false;
  return personality;
}

enum class Passage { passes, terminates, unknown };

// What __gxx_personality_v0 does with a foreign forced unwind in the frame at `ip` (the
// instruction the unwinder looks up), read from the frame's LSDA the same way: an ip the
// call-site table does not cover, or an empty throw() specification, is std::terminate;
// a cleanup or a catch is not. Entering a catch (...) while the fiber already holds a
// caught exception is std::terminate too (__cxa_begin_catch allows one foreign
// exception only): `holding` says whether it does.
Passage passage(const std::uint8_t* lsda, std::uintptr_t func, std::uintptr_t ip,
                bool holding) noexcept {
  Reader r{lsda};
  const std::uint8_t lpstart_enc = *r.p++;
  if (lpstart_enc != kOmit) r.encoded(lpstart_enc, nullptr);
  const std::uint8_t ttype_enc = *r.p++;
  const std::uint8_t* ttype = nullptr;
  if (ttype_enc != kOmit) {
    const std::uint64_t off = r.uleb();
    ttype = r.p + off;
  }
  const std::uint8_t cs_enc = *r.p++;
  if ((cs_enc & 0x70) != 0) return Passage::unknown;
  const std::uint64_t cs_len = r.uleb();
  const std::uint8_t* cs_end = r.p + cs_len;
  while (r.p < cs_end) {
    const std::uintptr_t start = r.encoded(cs_enc, nullptr);
    const std::uintptr_t len = r.encoded(cs_enc, nullptr);
    const std::uintptr_t lp = r.encoded(cs_enc, nullptr);
    const std::uint64_t action = r.uleb();
    if (!r.ok) return Passage::unknown;
    if (ip < func + start) break;  // the table is sorted: not covered
    if (ip >= func + start + len) continue;
    if (lp == 0 || action == 0) return Passage::passes;  // nothing, or cleanups only
    Reader a{cs_end + action - 1};
    for (;;) {
      const std::int64_t filter = a.sleb();
      const std::uint8_t* next = a.p;
      const std::int64_t disp = a.sleb();
      if (filter > 0 && holding) return Passage::terminates;
      if (filter < 0) {
        if (ttype == nullptr) return Passage::unknown;
        Reader spec{ttype - filter - 1};
        if (spec.uleb() == 0) return Passage::terminates;  // throw()
      }
      if (disp == 0) break;
      a.p = next + disp;
    }
    return Passage::passes;
  }
  return Passage::terminates;
}

// The function containing `ip`, for a report: its name where the dynamic symbol table
// has it, else "<module>+0x<offset of the function>".
std::string function_name(std::uintptr_t ip, std::uintptr_t func) {
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(ip), &info) == 0) return "an unknown function";
  if (info.dli_sname != nullptr && info.dli_saddr != nullptr &&
      reinterpret_cast<std::uintptr_t>(info.dli_saddr) == func) {
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> d(
        abi::__cxa_demangle(info.dli_sname, nullptr, nullptr, &status), std::free);
    return status == 0 && d ? std::string(d.get()) : std::string(info.dli_sname);
  }
  std::string s = info.dli_fname != nullptr ? info.dli_fname : "?";
  if (const auto slash = s.rfind('/'); slash != std::string::npos) s.erase(0, slash + 1);
  char off[32];
  std::snprintf(
      off, sizeof off, "+0x%llx",
      static_cast<unsigned long long>(func - reinterpret_cast<std::uintptr_t>(info.dli_fbase)));
  s += off;
  s += " (its name is not in the dynamic symbol table)";
  return s;
}

// Whether `ip` lies in Boost.Context's make_fcontext, which calls fiber_entry.
bool in_make_fcontext(std::uintptr_t ip) noexcept {
  static std::atomic<std::uintptr_t> known{0};
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(ip - 1), &info) == 0 || info.dli_saddr == nullptr)
    return false;
  const auto start = reinterpret_cast<std::uintptr_t>(info.dli_saddr);
  if (start == known.load(std::memory_order_relaxed)) return true;
  if (info.dli_sname == nullptr || std::strcmp(info.dli_sname, "make_fcontext") != 0) return false;
  known.store(start, std::memory_order_relaxed);
  return true;
}

// A walk of the calling fiber's frames up to the first one of its stack (fiber_entry,
// the frame whose caller is make_fcontext). Frame 0, the caller of _Unwind_Backtrace,
// is skipped: the walker's own frame is not on the unwind's way.
struct Walk {
  bool check = false;    // judge each frame's passage
  bool holding = false;  // the fiber holds a caught exception
  int frame = 0;
  _Unwind_Word entry_cfa = 0;
  bool found = false;
  // The previous frame's verdict, committed once it is known not to be fiber_entry.
  Passage pending = Passage::passes;
  std::uintptr_t pending_ip = 0;
  std::uintptr_t pending_func = 0;
  _Unwind_Word pending_cfa = 0;
  // The first frame the unwind could not pass: its verdict and where.
  Passage blocked = Passage::passes;
  std::uintptr_t blocked_ip = 0;
  std::uintptr_t blocked_func = 0;
};

constexpr int kMaxFrames = 256;

_Unwind_Reason_Code walk_frame(_Unwind_Context* ctx, void* arg) {
  auto& w = *static_cast<Walk*>(arg);
  if (w.frame++ == 0) return _URC_NO_REASON;
  if (w.frame > kMaxFrames) return _URC_END_OF_STACK;
  int before = 0;
  const std::uintptr_t ip = _Unwind_GetIPInfo(ctx, &before);
  if (ip == 0) return _URC_END_OF_STACK;
  if (w.frame > 2 && in_make_fcontext(ip)) {
    w.found = true;
    w.entry_cfa = w.pending_cfa;
    return _URC_END_OF_STACK;
  }
  if (w.frame > 2 && w.pending != Passage::passes) {
    w.blocked = w.pending;
    w.blocked_ip = w.pending_ip;
    w.blocked_func = w.pending_func;
    return _URC_END_OF_STACK;
  }
  const std::uintptr_t at = before ? ip : ip - 1;  // the call, not the instruction after it
  w.pending_ip = at;
  w.pending_func = _Unwind_GetRegionStart(ctx);
  w.pending_cfa = _Unwind_GetCFA(ctx);
  w.pending = Passage::passes;
  if (!w.check) return _URC_NO_REASON;
  bool ok = true;
  void* personality = personality_of(reinterpret_cast<void*>(at), ok);
  if (!ok) {
    w.pending = Passage::unknown;
  } else if (personality == reinterpret_cast<void*>(&__gxx_personality_v0)) {
    const auto* lsda = static_cast<const std::uint8_t*>(_Unwind_GetLanguageSpecificData(ctx));
    if (lsda != nullptr) w.pending = passage(lsda, w.pending_func, at, w.holding);
  } else if (personality != nullptr) {
    w.pending = Passage::unknown;  // not C++'s: nothing here can vouch for it
  }
  return _URC_NO_REASON;
}

// ---- The unwind ----

// The exception object of a forced unwind, with what its stop function needs.
struct ForcedUnwind {
  _Unwind_Exception exc;  // first: the unwinder hands out a pointer to it
  _Unwind_Word entry_cfa = 0;
  EhGlobals saved{};
  FiberProps* p = nullptr;
};

// A catch (...) swallowed the unwind and finished (__cxa_end_catch deletes a foreign
// exception): the fiber goes on; it is unwound again at its next wait.
void swallowed(_Unwind_Reason_Code, _Unwind_Exception* e) {
  auto* u = reinterpret_cast<ForcedUnwind*>(e);
  u->p->boost.unwinding_now = false;
  u->p->boost.forced = nullptr;
  delete u;
}

_Unwind_Reason_Code stop_below_entry(int, _Unwind_Action actions, _Unwind_Exception_Class,
                                     _Unwind_Exception* e, _Unwind_Context* ctx, void*) {
  auto* u = reinterpret_cast<ForcedUnwind*>(e);
  const bool at_entry = _Unwind_GetCFA(ctx) == u->entry_cfa;
  if (!at_entry && !(actions & _UA_END_OF_STACK)) return _URC_NO_REASON;  // cleanups run
  if (!at_entry) {
    std::fprintf(stderr,
                 "fibercheck: internal error: unwinding #%llu ran past its fiber's first frame\n",
                 static_cast<unsigned long long>(u->p->id));
    std::abort();
  }
  // A `throw;` in a catch (...) on the way raised the uncaught count and nothing lowered
  // it again: the fiber ends with the exception state it had when the unwind began.
  eh_globals() = u->saved;
  u->p->boost.unwinding_now = false;
  u->p->boost.forced = nullptr;
  delete u;
  // What worker_context::run_ does once its function returns.
  boost::context::fiber next = boost::fibers::context::active()->terminate();
  // Released, the context resumes this stack with boost.context's forced_unwind, which
  // leaves this function and reaches fiber_entry's catch: that frees the stack.
  std::move(next).resume();
  std::abort();
}

// The frame that called std::terminate: the first after the handler's own (frame 0)
// that is not in the C++ runtime.
struct Culprit {
  int frame = 0;
  std::uintptr_t ip = 0;
  std::uintptr_t func = 0;
};

_Unwind_Reason_Code find_culprit(_Unwind_Context* ctx, void* arg) {
  auto& c = *static_cast<Culprit*>(arg);
  if (c.frame++ == 0) return _URC_NO_REASON;
  int before = 0;
  const std::uintptr_t ip = _Unwind_GetIPInfo(ctx, &before);
  if (ip == 0 || c.frame > kMaxFrames) return _URC_END_OF_STACK;
  const std::uintptr_t at = before ? ip : ip - 1;
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(at), &info) != 0 && info.dli_fname != nullptr &&
      std::strstr(info.dli_fname, "libstdc++") != nullptr)
    return _URC_NO_REASON;
  c.ip = at;
  c.func = _Unwind_GetRegionStart(ctx);
  return _URC_END_OF_STACK;
}

std::terminate_handler g_next_terminate = nullptr;

// std::terminate during a forced unwind: a landing pad on the way must not let it out
// (a noexcept function or destructor with cleanups inside it, or a catch nested in one:
// its LSDA entry reads like any cleanup, so boost_unwind_refused() cannot see it
// beforehand). The destructors of the frames below it have run; it cannot be left, so
// the fiber stays parked here for good and the report says why. Any other terminate is
// the previous handler's.
[[noreturn]] void terminate_during_unwind() {
  FiberProps* p = t_running.valid ? t_running.props : nullptr;
  if (p == nullptr || !p->boost.unwinding_now) {
    if (g_next_terminate != nullptr) g_next_terminate();
    std::abort();
  }
  Culprit c;
  _Unwind_Backtrace(find_culprit, &c);
  auto* u = static_cast<ForcedUnwind*>(p->boost.forced);
  eh_globals() = u->saved;
  delete u;
  p->boost.forced = nullptr;
  p->boost.unwinding_now = false;
  std::string why = "a noexcept frame (";
  why += c.ip != 0 ? function_name(c.ip, c.func) : std::string("unknown");
  why +=
      ") between the wait and the fiber's start, found only as the unwind reached it: the "
      "destructors of the frames below it ran, and the fiber stays parked there";
  p->boost.cannot_unwind = std::move(why);
  p->boost.how = BoostPark::wait;  // still inside the wait it was unwinding from,
  p->boost.waker = nullptr;        // which nothing wakes
  p->boost.refused_ret = p->boost.ret;
  p->boost.refused_queue = p->boost.queue;
  for (;;) boost::fibers::context::active()->suspend();
}

void install_terminate_handler() {
  static const bool installed = [] {
    g_next_terminate = std::set_terminate(terminate_during_unwind);
    return true;
  }();
  (void)installed;
}

constexpr char kExceptionClass[] = "FCHKUNWD";

}  // namespace

bool boost_unwind_supported() noexcept {
  boost_interpose_linked();
  return true;
}

bool boost_unwinding_now(const FiberProps& p) noexcept { return p.boost.unwinding_now; }

__attribute__((noinline)) bool boost_unwind_refused(FiberProps& p) {
  Walk w;
  w.check = true;
  w.holding = eh_globals().caught != nullptr;
  _Unwind_Backtrace(walk_frame, &w);
  std::string why;
  if (w.blocked == Passage::terminates) {
    why = "a noexcept frame (";
    why += function_name(w.blocked_ip, w.blocked_func);
    why +=
        ") between the wait and the fiber's start: unwinding through it would call "
        "std::terminate";
  } else if (w.blocked == Passage::unknown) {
    why = "a frame fibercheck cannot vouch for (";
    why += function_name(w.blocked_ip, w.blocked_func);
    why += ", no C++ unwind table) between the wait and the fiber's start";
  } else if (!w.found) {
    why = "its stack does not end in a Boost.Context fiber's first frame";
  } else {
    return false;
  }
  p.boost.cannot_unwind = std::move(why);
  p.boost.refused_ret = p.boost.ret;
  p.boost.refused_queue = p.boost.queue;
  return true;
}

bool boost_unwind_refused_here(const FiberProps& p) noexcept {
  return !p.boost.cannot_unwind.empty() && p.boost.refused_ret == p.boost.ret &&
         p.boost.refused_queue == p.boost.queue;
}

__attribute__((noinline)) void boost_unwind_self(FiberProps& p) {
  Walk w;
  _Unwind_Backtrace(walk_frame, &w);
  if (!w.found) {
    std::fprintf(stderr,
                 "fibercheck: internal error: #%llu has no fiber entry frame to unwind to\n",
                 static_cast<unsigned long long>(p.id));
    std::abort();
  }
  p.boost.unwind = false;
  // A fiber that swallowed an earlier unwind (catch (...) without rethrow) and came back
  // takes a scheduling step first: else it could spin between its wait and its handler
  // for ever without one, and reclaim's budget, which counts steps, would never stop it.
  if (p.unwinds_thrown++ > 0) {
    Runtime& rt = Runtime::get();
    if (rt.run != nullptr && rt.sched != nullptr) rt.sched->yield_point(p);
  }
  p.boost.unwinding_now = true;
  auto* u = new ForcedUnwind{};
  std::memcpy(&u->exc.exception_class, kExceptionClass, sizeof u->exc.exception_class);
  u->exc.exception_cleanup = swallowed;
  u->entry_cfa = w.entry_cfa;
  u->saved = eh_globals();
  u->p = &p;
  p.boost.forced = u;
  install_terminate_handler();
  _Unwind_ForcedUnwind(&u->exc, stop_below_entry, nullptr);
  std::fprintf(stderr, "fibercheck: internal error: the unwind of #%llu could not start\n",
               static_cast<unsigned long long>(p.id));
  std::abort();
}

#endif

}  // namespace fibercheck::detail
