// census.hpp: every live fiber on this thread, what it is and what it waits on.
//
// The census sees fibers started through fibercheck (Scope::spawn, go) and, while
// fibercheck's scheduler is installed on the thread (always inside fibercheck::run,
// or after fibercheck::install()), plain boost::fibers::fiber too. Ids count up in
// creation order from 1 within a run, never by address, so they are stable across
// processes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fibercheck/config.hpp"

namespace fibercheck {

enum class FiberState {
  ready,                  // runnable, waiting for its turn
  running,                // the fiber that asked for the census
  blocked,                // suspended in a wait
  terminated_not_joined,  // a plain boost fiber whose function returned but was never joined
};

[[nodiscard]] const char* to_string(FiberState s) noexcept;

struct FiberInfo {
  std::uint64_t id = 0;
  std::uint64_t parent_id = 0;  // 0: started outside any known fiber
  std::string name;             // "stage-2"
  std::string path;             // "root/pipeline/stage-2"
  // Spawn site. For a plain boost::fibers::fiber, the program's line that constructed
  // it, as its debug information says; empty when unknown.
  std::string file;
  unsigned line = 0;
  std::string function;
  FiberState state = FiberState::ready;
  // True when blocked in a fibercheck primitive, which can be unwound on reclaim.
  bool in_fibercheck_wait = false;
  // True when parked in one of Boost.Fiber's own primitives (a boost::fibers channel,
  // mutex, condition variable, future, barrier, join or sleep).
  bool in_boost_wait = false;
  // What it waits on, a noun phrase that reads after "blocked in ": "recv on chan
  // 'results' (cap 0, 0 buffered)". For a Boost.Fiber wait, the operation and the
  // primitive as its symbols name them, then which object (the wait queues of the
  // census's Boost waits numbered in order of first appearance) and who else waits
  // there: "pop on boost::fibers::buffered_channel<int> (object 2, also waited on by
  // #5)", "lock on boost::fibers::mutex (object 1)", "sleep_for".
  // kWaitOutsideFibercheck when nothing names it (no symbols for the wait).
  std::string blocked_on;
  std::string done;  // the done signal the fiber was given, if any
  std::uint64_t blocked_since_step = 0;
  std::uint64_t created_step = 0;
  bool plain = false;  // started with plain boost::fibers::fiber
  std::string kind;    // free-form label the spawner attached (a harness kind name)
  // Ids of the fibers that could end this fiber's wait (a lock's holders, a once's
  // runner); empty when anyone could (a channel, a done). See explain_deadlock().
  std::vector<std::uint64_t> waits_for;
  // The fibercheck operation it entered last ("try_recv on chan 'updates'") and how
  // many times it entered it (counted while it stays among the fiber's four most
  // recent distinct operations): what a fiber that never blocks for good keeps doing.
  std::string last_op;
  std::uint64_t op_count = 0;
  // The done signal it waited on or polled most recently (a select's done, Done::wait,
  // Done::closed, sleep_for watching a done): its name ("never" for a default Done,
  // which never closes), empty when it watched none or lets go of it; and whether it is
  // closed. What a fiber still running after root returned is waiting for.
  std::string watched_done;
  bool watched_done_closed = false;
  // Where a blocked fiber blocked: the source line of the blocking call (for a Boost.Fiber
  // wait, the first frame outside Boost, the standard library and fibercheck); empty when
  // unknown (a build without debug information).
  std::string blocked_file;
  unsigned blocked_line = 0;
  // With RunOptions::capture_stacks, the stack of a blocked fiber where it parked, one
  // "function at file:line" per frame, innermost first, inlined calls expanded;
  // fibercheck's park machinery and the fiber's start-up frames are left out. Empty
  // otherwise.
  std::vector<std::string> stack;
  // Why reclaim could not unwind it (a plain Boost.Fiber wait it cannot leave safely);
  // set in Outcome::unreclaimed only, empty elsewhere.
  std::string not_unwound;
  [[nodiscard]] std::string site() const;  // "file:line"
  // "file:line" of the blocking call, or "" when unknown.
  [[nodiscard]] std::string blocked_site() const;
};

// FiberInfo::blocked_on of a fiber blocked outside fibercheck's primitives: "a wait
// outside fibercheck (a plain Boost.Fiber mutex, condition variable, channel, join or
// sleep)".
extern const char* const kWaitOutsideFibercheck;

// The live fibers on the calling thread, ordered by id.
[[nodiscard]] std::vector<FiberInfo> census();
[[nodiscard]] std::size_t live_fibers();
// One line per fiber:
//   "  #3 root/pipeline/stage-2 blocked at f.cpp:47: recv on chan 'in' (cap 0, 0 buffered)
//   since step 9; given done 'root' [spawned at f.cpp:12]"
// (" at FILE:LINE" only when the blocking call's site is known: not for a wait outside
// fibercheck, nor for a lock taken through std::lock_guard and its kin). A ready or
// running fiber also shows its last operation: "; last op: try_recv on chan 'updates'
// (4096 times)".
[[nodiscard]] std::string format(const std::vector<FiberInfo>& fibers);
// What a fiber that keeps running waits for: "it watches done 'reconnect', which
// nobody closed", or that it watches none, or one that never closes.
[[nodiscard]] std::string watched_done_text(const FiberInfo& f);
// A failure message naming every live fiber, or the empty string when there are none.
[[nodiscard]] std::string describe_leaks(const std::vector<FiberInfo>& fibers);

// Installs fibercheck's scheduler (FIFO, real clock) on the calling thread so that the
// census also sees plain boost fibers there. Must run before any fiber exists on the
// thread (a Boost scheduling algorithm never hears of fibers that already exist when it
// is installed); calling it again is a no-op. fibercheck::run does not need it.
void install();
// True when fibercheck's scheduler is installed on this thread.
[[nodiscard]] bool installed() noexcept;

}  // namespace fibercheck
