// worker_queues.hpp: Kubernetes #58107 (GoKer kubernetes58107): a read lock held across
// a condition-variable wait. The resource-quota controller's workers take
// rq.workerLock.RLock() before pulling from their queue; a worker on an empty queue
// blocks in cond.Wait() still holding the read lock. The periodic Sync takes
// workerLock.Lock() and waits for that reader; a worker for the other queue asks for
// RLock and waits behind the writer, because RWMutex prefers writers. Here the resync
// is also what refills the empty queue, so nothing moves again.
//
//   func (rq *ResourceQuotaController) worker(queue workqueue.RateLimitingInterface) {
//       rq.workerLock.RLock(); defer rq.workerLock.RUnlock()
//       item, _ := queue.Get()                  // cond.Wait() while empty
//       ...
//   }
//   func (rq *ResourceQuotaController) Sync() { rq.workerLock.Lock(); ...; rq.workerLock.Unlock() }
//
// The upstream fix takes the read lock only after the item has been pulled.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "fibercheck/fibercheck.hpp"

namespace examples::real_world {

namespace worker_queues_detail {

using namespace std::chrono_literals;

// A work queue: Get blocks until an item arrives (no done, as in client-go).
struct Queue {
  explicit Queue(const std::string& name) : mu(name), cond(name) {}
  fibercheck::Mutex mu;
  fibercheck::CondVar cond;
  std::deque<int> items;

  void add(int item) {
    {
      std::lock_guard lk(mu);
      items.push_back(item);
    }
    cond.notify_one();
  }
  int get() {
    std::unique_lock lk(mu);
    (void)cond.wait(lk, fibercheck::Done(), [this] { return !items.empty(); });
    int item = items.front();
    items.pop_front();
    return item;
  }
};

inline void controller(bool fixed) {
  using namespace fibercheck;
  SharedMutex worker_lock("workerLock");
  auto missing_usage = std::make_shared<Queue>("missingUsageQueue");
  auto primary = std::make_shared<Queue>("queue");
  primary->add(1);
  auto worker = [worker_lock, fixed](std::shared_ptr<Queue> q) {
    if (fixed) {
      (void)q->get();
      std::shared_lock lk(worker_lock);  // sync the quota
    } else {
      std::shared_lock lk(worker_lock);
      (void)q->get();
    }
  };
  go("worker-missing-usage", [worker, missing_usage] { worker(missing_usage); });
  go("sync", [worker_lock, missing_usage] {
    (void)sleep_for(Done(), 1ms);
    std::lock_guard lk(worker_lock);
    missing_usage->add(2);  // the resync enqueues every quota
  });
  go("worker-primary", [worker, primary] {
    (void)sleep_for(Done(), 2ms);
    worker(primary);
  });
}

}  // namespace worker_queues_detail

inline void worker_queues_buggy(fibercheck::Done) { worker_queues_detail::controller(false); }
inline void worker_queues_fixed(fibercheck::Done) { worker_queues_detail::controller(true); }

}  // namespace examples::real_world
