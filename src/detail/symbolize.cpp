// symbolize.cpp (internal): stack capture with the unwinder, names with libbacktrace.
#include "detail/symbolize.hpp"

#include <cxxabi.h>
#include <dlfcn.h>
#include <link.h>
#include <unwind.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <unordered_map>

#ifdef FIBERCHECK_HAVE_LIBBACKTRACE
#include <backtrace.h>
#endif

namespace fibercheck::detail {

namespace {

// libboost_fiber.so's executable segment, found once.
struct Range {
  std::uintptr_t lo = 0;
  std::uintptr_t hi = 0;
};

int find_boost_fiber(dl_phdr_info* info, std::size_t, void* data) {
  if (info->dlpi_name == nullptr || std::strstr(info->dlpi_name, "libboost_fiber") == nullptr)
    return 0;
  auto* r = static_cast<Range*>(data);
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const ElfW(Phdr)& ph = info->dlpi_phdr[i];
    if (ph.p_type != PT_LOAD || (ph.p_flags & PF_X) == 0) continue;
    r->lo = info->dlpi_addr + ph.p_vaddr;
    r->hi = r->lo + ph.p_memsz;
    return 1;
  }
  return 0;
}

const Range& boost_fiber_text() noexcept {
  static const Range r = [] {
    Range found;
    dl_iterate_phdr(find_boost_fiber, &found);
    return found;
  }();
  return r;
}

struct Capture {
  const void** out;
  std::size_t max;
  std::size_t skip;
  std::size_t n = 0;
};

_Unwind_Reason_Code on_frame(_Unwind_Context* ctx, void* data) {
  auto* c = static_cast<Capture*>(data);
  const auto ip = reinterpret_cast<const void*>(_Unwind_GetIP(ctx));
  if (ip == nullptr) return _URC_END_OF_STACK;
  if (c->skip > 0) {
    --c->skip;
    return _URC_NO_REASON;
  }
  c->out[c->n++] = ip;
  if (c->n == c->max) return _URC_END_OF_STACK;
  return _URC_NO_REASON;
}

// "ns::R ns::C<int>::f<T>(A) const" -> "ns::C<int>::f<T>(A) const": the demangler puts
// the return type before a function template's name.
std::string without_return_type(std::string s) {
  int depth = 0;
  std::size_t space = std::string::npos;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (depth == 0 && c == '(' && !(i >= 8 && s.compare(i - 8, 8, "operator") == 0)) break;
    if (c == '<' || c == '(' || c == '{' || c == '[') ++depth;
    if (c == '>' || c == ')' || c == '}' || c == ']') --depth;
    if (depth == 0 && c == ' ' && !(i >= 8 && s.compare(i - 8, 8, "operator") == 0)) space = i;
  }
  if (space != std::string::npos) s.erase(0, space + 1);
  return s;
}

// "../../tests/a.cpp" -> "tests/a.cpp": a file named relative to the directory it was
// compiled in (a build directory inside the source tree), shown relative to the source
// tree, as fibercheck's own spawn and blocking sites are.
std::string without_parent_steps(std::string file) {
  std::size_t from = 0;
  for (;;) {
    if (file.compare(from, 3, "../") == 0) {
      from += 3;
    } else if (file.compare(from, 2, "./") == 0) {
      from += 2;
    } else {
      break;
    }
  }
  file.erase(0, from);
  return file;
}

std::string demangle(const char* name) {
  if (name == nullptr) return {};
  if (name[0] != '_' || name[1] != 'Z') return name;
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  if (d == nullptr) return name;
  std::string s = d;
  std::free(d);
  return without_return_type(std::move(s));
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

std::vector<SourceLevel> lookup(const void* ret);

// How the debug information names fibercheck's own source tree ("/src/fibercheck/",
// or "../" for a build directory inside it): the path of this very file, less
// "src/detail/symbolize.cpp". Empty when unknown.
#ifdef FIBERCHECK_SOURCE_TREE
constexpr const char* kSourceTree = FIBERCHECK_SOURCE_TREE;
#else
constexpr const char* kSourceTree = "";
#endif

const std::string& own_tree() {
  static const std::string tree = [] {
    const std::vector<SourceLevel> here =
        lookup(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(&own_tree) + 1));
    const std::string_view me = "src/detail/symbolize.cpp";
    for (const SourceLevel& l : here)
      if (l.file.size() >= me.size() &&
          l.file.compare(l.file.size() - me.size(), me.size(), me) == 0)
        return l.file.substr(0, l.file.size() - me.size());
    return std::string();
  }();
  return tree;
}

// "/src/fibercheck/examples/a.cpp" -> "examples/a.cpp": a file of fibercheck's own tree
// (its tests and examples, built without a compiler cache that names files relative)
// shown relative to the tree, as spawn and blocking sites are.
std::string in_source_tree(std::string file) {
  for (std::string_view tree : {std::string_view(kSourceTree), std::string_view(own_tree())}) {
    if (tree.size() > 1 && tree.front() == '/' && starts_with(file, tree)) {
      file.erase(0, tree.size());
      break;
    }
  }
  return file;
}

// Boost's or the standard library's headers, fibercheck's runtime, or a function of
// theirs: a level that is not the program's own code.
bool is_internal(const SourceLevel& l) {
  const std::string_view fn = l.function;
  const std::string_view file = l.file;
  if (fn.empty() && file.empty()) return true;
  // The tree as this file's debug information names it, and as CMake named it: a build
  // that mixes relative and absolute names (a compiler cache handing relative paths to
  // some compilations only) names fibercheck's files both ways.
  for (std::string_view tree : {std::string_view(own_tree()), std::string_view(kSourceTree)}) {
    if (tree.empty() || !starts_with(file, tree)) continue;
    const std::string_view rest = file.substr(tree.size());
    // The harness's bundled kinds are the program a property suite checks.
    if (starts_with(rest, "harness/src/kinds/")) return false;
    if (starts_with(rest, "src/") || starts_with(rest, "include/fibercheck/") ||
        starts_with(rest, "harness/"))
      return true;
  }
  // A name reserved to the implementation ("__invoke_impl", "_M_invoke"): an inlined
  // level of the standard library, which debug information names unqualified.
  if (fn.size() >= 2 && fn[0] == '_' && (fn[1] == '_' || (fn[1] >= 'A' && fn[1] <= 'Z')))
    return true;
  if (contains(file, "/tests/") || contains(file, "/examples/")) return false;
  for (std::string_view p :
       {"boost::", "std::", "__gnu_cxx::", "__cxxabiv1::", "fibercheck::detail::", "make_fcontext",
        "jump_fcontext", "ontop_fcontext"})
    if (starts_with(fn, p)) return true;
  // fibercheck's public functions, but not a program's code in namespace fibercheck
  // (a test's anonymous namespace).
  if (starts_with(fn, "fibercheck::") && !starts_with(fn, "fibercheck::(anonymous namespace)"))
    return true;
  for (std::string_view p : {"/boost/", "include/c++/", "/include/fibercheck/", "/src/detail/"})
    if (contains(file, p)) return true;
  return false;
}

#ifdef FIBERCHECK_HAVE_LIBBACKTRACE
void on_error(void*, const char*, int) {}

backtrace_state* state() {
  static backtrace_state* s = backtrace_create_state(nullptr, /*threaded=*/1, on_error, nullptr);
  return s;
}

int on_pcinfo(void* data, std::uintptr_t, const char* file, int line, const char* fn) {
  auto* out = static_cast<std::vector<SourceLevel>*>(data);
  if (fn == nullptr && file == nullptr) return 0;
  SourceLevel l;
  l.function = demangle(fn);
  if (file != nullptr) l.file = file;
  l.line = line > 0 ? static_cast<unsigned>(line) : 0;
  out->push_back(std::move(l));
  return 0;
}

void on_syminfo(void* data, std::uintptr_t, const char* sym, std::uintptr_t, std::uintptr_t) {
  auto* out = static_cast<std::vector<SourceLevel>*>(data);
  if (sym != nullptr) out->push_back(SourceLevel{demangle(sym), "", 0, false});
}
#endif

std::vector<SourceLevel> lookup(const void* ret) {
  std::vector<SourceLevel> out;
  // The call instruction that pushed the return address ends just before it.
  const auto pc = reinterpret_cast<std::uintptr_t>(ret) - 1;
#ifdef FIBERCHECK_HAVE_LIBBACKTRACE
  backtrace_pcinfo(state(), pc, on_pcinfo, on_error, &out);
  // Some levels without a name: no debug information there; the symbol table still
  // names the function.
  bool named = !out.empty();
  for (const SourceLevel& l : out) named = named && !l.function.empty();
  if (!named) {
    std::vector<SourceLevel> sym;
    backtrace_syminfo(state(), pc, on_syminfo, on_error, &sym);
    if (!sym.empty()) {
      if (out.empty()) {
        out = std::move(sym);
      } else {
        for (SourceLevel& l : out)
          if (l.function.empty()) l.function = sym.front().function;
      }
    }
  }
#endif
  if (out.empty()) {
    Dl_info info{};
    if (dladdr(reinterpret_cast<const void*>(pc), &info) != 0 && info.dli_sname != nullptr)
      out.push_back(SourceLevel{demangle(info.dli_sname), "", 0, false});
  }
  return out;
}

// "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >" ->
// "std::string": a report line that names a function taking strings stays readable.
std::string shorter_names(std::string s) {
  static const std::string_view long_string =
      "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";
  for (std::size_t at; (at = s.find(long_string)) != std::string::npos;)
    s.replace(at, long_string.size(), "std::string");
  return s;
}

std::vector<SourceLevel> classified(std::vector<SourceLevel> out) {
  for (SourceLevel& l : out) {
    l.internal = is_internal(l);
    l.file = without_parent_steps(in_source_tree(std::move(l.file)));
    l.function = shorter_names(std::move(l.function));
  }
  return out;
}

}  // namespace

bool in_boost_fiber_library(const void* pc) noexcept {
  const Range& r = boost_fiber_text();
  const auto a = reinterpret_cast<std::uintptr_t>(pc);
  return a >= r.lo && a < r.hi;
}

std::size_t capture_stack(const void** out, std::size_t max, std::size_t skip) noexcept {
  if (max == 0) return 0;
  Capture c{out, max, skip + 1};  // and this function's own frame
  _Unwind_Backtrace(on_frame, &c);
  return c.n;
}

std::vector<SourceLevel> symbolize(const void* ret) {
  static std::mutex m;
  static std::unordered_map<const void*, std::vector<SourceLevel>> cache;
  std::lock_guard<std::mutex> lk(m);
  auto it = cache.find(ret);
  if (it == cache.end()) it = cache.emplace(ret, classified(lookup(ret))).first;
  return it->second;
}

std::string bare_function_name(const std::string& fn) {
  std::string s = fn;
  // Trailing qualifiers and the argument list: from the end, the matching '('.
  auto drop_trailing_group = [&s](char open, char close) {
    std::size_t end = s.find_last_not_of(' ');
    if (end == std::string::npos || s[end] != close) return false;
    int depth = 0;
    for (std::size_t i = end + 1; i-- > 0;) {
      if (s[i] == close) ++depth;
      if (s[i] == open && --depth == 0) {
        s.resize(i);
        return true;
      }
    }
    return false;
  };
  for (std::string_view q : {" const", " volatile", " &&", " &", " noexcept"}) {
    while (s.size() >= q.size() && s.compare(s.size() - q.size(), q.size(), q) == 0)
      s.resize(s.size() - q.size());
  }
  drop_trailing_group('(', ')');
  // "operator<" and its kin end in '<' or '>' themselves: keep those.
  if (s.find("operator") == std::string::npos) drop_trailing_group('<', '>');
  return s;
}

}  // namespace fibercheck::detail
