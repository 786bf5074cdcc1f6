// vclock.cpp (internal): steady_clock::now() on the run's virtual clock (vclock.hpp).
#include "detail/vclock.hpp"

#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>
#include <chrono>
#include <climits>
#include <ctime>

namespace fibercheck::detail {
namespace {

// The run's virtual now while this thread is inside a run, else nullptr.
constinit thread_local const std::int64_t* t_now = nullptr;
constinit thread_local boost::fibers::scheduler* t_sched = nullptr;

// Names a private member of Boost.Fiber (access checks do not apply to the arguments
// of an explicit instantiation): the sleep queue, a context's deadline in it, and the
// dispatcher's step that wakes due sleepers. tests/boost_time_test.cpp fails when
// their meaning changes.
template <class Tag, auto Member>
struct Reach {
  friend constexpr auto member(Tag) noexcept { return Member; }
};
struct SleepQueue {
  friend constexpr auto member(SleepQueue) noexcept;
};
struct Deadline {
  friend constexpr auto member(Deadline) noexcept;
};
struct Sleep2Ready {
  friend constexpr auto member(Sleep2Ready) noexcept;
};
template struct Reach<SleepQueue, &boost::fibers::scheduler::sleep_queue_>;
template struct Reach<Deadline, &boost::fibers::context::tp_>;
template struct Reach<Sleep2Ready, &boost::fibers::scheduler::sleep2ready_>;

}  // namespace

void vclock_linked() noexcept {}

void vclock_begin(const std::int64_t* now) noexcept {
  t_sched = boost::fibers::context::active()->get_scheduler();
  t_now = now;
}

void vclock_end() noexcept {
  t_now = nullptr;
  t_sched = nullptr;
}

std::int64_t boost_next_deadline() noexcept {
  if (t_sched == nullptr) return INT64_MAX;
  auto& queue = t_sched->*member(SleepQueue{});
  if (queue.empty()) return INT64_MAX;
  const std::int64_t tp = ((*queue.begin()).*member(Deadline{})).time_since_epoch().count();
  return tp - kVirtualEpoch;
}

void boost_wake_due() noexcept {
  if (t_sched != nullptr) (t_sched->*member(Sleep2Ready{}))();
}

}  // namespace fibercheck::detail

// libstdc++'s steady_clock::now() (std::chrono::_V2), which every caller reaches through
// the PLT: this definition replaces it in the whole process.
namespace std::chrono {
inline namespace _V2 {
steady_clock::time_point steady_clock::now() noexcept {
  if (const std::int64_t* v = fibercheck::detail::t_now)
    return time_point(duration(fibercheck::detail::kVirtualEpoch + *v));
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return time_point(duration(std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec));
}
}  // namespace _V2
}  // namespace std::chrono
