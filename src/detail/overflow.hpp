// overflow.hpp (internal): a report instead of silent corruption when a fiber runs
// off its guard-page stack (RunOptions::guard_pages).
#pragma once

namespace fibercheck::detail {

// Installs, once per process, a SIGSEGV handler that names the faulting fiber and
// says whether it hit its stack's guard page, and gives the calling thread an
// alternate signal stack to run it on (the fiber's own stack is exhausted). The
// handler then restores the previous disposition and lets the fault happen again,
// so the process still dies of SIGSEGV (or reaches a sanitizer's handler).
void arm_overflow_report();

}  // namespace fibercheck::detail
