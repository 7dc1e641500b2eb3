// Simulations as background jobs, for the staff HTTP API: each runs on a thread of its own (never
// on the shop's writer or I/O threads), at most `max_running` at once, inside limits on days and
// members so that one request cannot exhaust the machine. Jobs and their reports are kept in memory
// only (the newest `max_kept` finished ones): a restart forgets them. Thread-safe: every method may
// be called from any thread; the destructor cancels running jobs and waits for their threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/plan.h"
#include "core/result.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace guanxi::sim {

struct JobLimits {
  int max_running = 1;      // simulations running at once (a 2-core machine serves the shop too)
  size_t max_kept = 16;     // finished jobs kept with their reports
  uint32_t max_days = 730;  // per scenario
  uint32_t max_members = 200'000;
};

enum class JobState { kRunning, kDone, kFailed, kCancelled };
const char* JobStateName(JobState s);

struct JobStatus {
  uint64_t id = 0;
  JobState state = JobState::kRunning;
  std::string plan;
  std::string scenario;
  Progress progress;
  std::string error;  // kFailed: why
};

class SimulationJobs {
 public:
  struct Output {
    std::string json;  // the report, serialized
    std::string html;  // ReportHtml of it
  };

  explicit SimulationJobs(JobLimits limits);
  ~SimulationJobs();
  SimulationJobs(const SimulationJobs&) = delete;
  SimulationJobs& operator=(const SimulationJobs&) = delete;

  // Starts the job. Errors: "scenario_too_large" (days or max_members above the limits, field
  // "scenario"), "too_many_simulations" (max_running are running; try again later).
  core::Result<JobStatus> Start(core::Plan plan, Scenario scenario);
  std::optional<JobStatus> Status(uint64_t id) const;
  std::vector<JobStatus> List() const;  // newest first
  // The report of a finished job; nullptr while it runs, when it failed, or for an unknown id.
  std::shared_ptr<const Output> Report(uint64_t id) const;
  const JobLimits& limits() const { return limits_; }

 private:
  struct Job {
    uint64_t id = 0;
    std::string plan, scenario;
    uint32_t days = 0;
    std::atomic<bool> cancel{false};
    std::atomic<uint32_t> day{0}, members{0}, orders{0};
    JobState state = JobState::kRunning;   // guarded by mu_
    std::string error;                     // guarded by mu_
    std::shared_ptr<const Output> output;  // guarded by mu_
    std::thread thread;
  };
  static void Run(SimulationJobs* self, std::shared_ptr<Job> job, core::Plan plan,
                  Scenario scenario);
  JobStatus StatusOf(const Job& job) const;  // REQUIRES: mu_ held
  void Evict();                              // REQUIRES: mu_ held

  const JobLimits limits_;
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<uint64_t, std::shared_ptr<Job>> jobs_;
};

}  // namespace guanxi::sim
