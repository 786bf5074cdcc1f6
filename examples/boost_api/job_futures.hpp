// job_futures.hpp: results handed back through boost::fibers::promise and future. A
// worker fiber runs every job and sets each job's promise; a collector fiber waits on
// each job's future in turn.
//
// Leaky: the worker skips a job it cannot run (a negative input) without touching its
// promise. The promise is not destroyed (the job record that holds it outlives the
// worker: the collector holds it too), so it is never broken either, and the collector
// blocks in future::get() for good. (Destroying a promise that was never set is not
// this bug: it stores broken_promise, which wakes the waiter with an exception.)
// Fixed: the worker sets every promise: a value, or for a job it cannot run an
// exception, which get() rethrows and the collector turns into -1.
#pragma once

#include <boost/fiber/fiber.hpp>
#include <boost/fiber/future.hpp>
#include <exception>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "boost_api/form.hpp"

namespace examples::boost_api {

struct Job {
  explicit Job(int in) : input(in) {}
  int input;
  boost::fibers::promise<int> result;
};

using Jobs = std::vector<std::shared_ptr<Job>>;

inline void run_jobs(Jobs jobs, Form form) {
  for (const std::shared_ptr<Job>& job : jobs) {
    if (job->input < 0) {
      if (form == Form::fixed)
        job->result.set_exception(std::make_exception_ptr(std::invalid_argument("negative input")));
      continue;
    }
    job->result.set_value(job->input * 2);
  }
}

inline void collect_results(Jobs jobs, std::vector<int>& out) {
  for (const std::shared_ptr<Job>& job : jobs) {
    boost::fibers::future<int> result = job->result.get_future();
    try {
      out.push_back(result.get());
    } catch (const std::invalid_argument&) {
      out.push_back(-1);
    }
  }
}

// Doubles every input on a worker fiber; -1 for a negative input.
inline std::vector<int> double_all(const std::vector<int>& inputs, Form form) {
  Jobs jobs;
  for (int in : inputs) jobs.push_back(std::make_shared<Job>(in));
  std::vector<int> out;
  boost::fibers::fiber worker(run_jobs, jobs, form);
  boost::fibers::fiber collector(collect_results, jobs, std::ref(out));
  // The worker first: it always ends, so a caller blocked waiting for the collector
  // holds no other joinable fiber (destroying a joinable boost::fibers::fiber calls
  // std::terminate, and unwinding the caller would destroy it).
  worker.join();
  collector.join();
  return out;
}

}  // namespace examples::boost_api
