#include "sim/jobs.h"

#include <boost/json.hpp>
#include <exception>
#include <optional>
#include <string>
#include <utility>

#include "sim/json_check.h"

namespace guanxi::sim {

const char* JobStateName(JobState s) {
  switch (s) {
    case JobState::kRunning:
      return "running";
    case JobState::kDone:
      return "done";
    case JobState::kFailed:
      return "failed";
    case JobState::kCancelled:
      return "cancelled";
  }
  return "?";
}

SimulationJobs::SimulationJobs(JobLimits limits) : limits_(limits) {}

SimulationJobs::~SimulationJobs() {
  std::map<uint64_t, std::shared_ptr<Job>> jobs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs = jobs_;
  }
  for (auto& [id, job] : jobs) job->cancel = true;
  for (auto& [id, job] : jobs) {
    if (job->thread.joinable()) job->thread.join();
  }
}

core::Result<JobStatus> SimulationJobs::Start(core::Plan plan, Scenario scenario) {
  if (scenario.days > limits_.max_days || scenario.max_members > limits_.max_members) {
    return core::MakeError("scenario_too_large",
                           "a simulation here runs at most " + std::to_string(limits_.max_days) +
                               " days and " + std::to_string(limits_.max_members) +
                               " members (the command line has no such limit)",
                           "scenario");
  }
  std::lock_guard<std::mutex> lock(mu_);
  int running = 0;
  for (const auto& [id, job] : jobs_) running += job->state == JobState::kRunning ? 1 : 0;
  if (running >= limits_.max_running) {
    return core::MakeError(
        "too_many_simulations",
        std::to_string(running) +
            " simulation(s) running, the most at once; try again when one is done");
  }
  Evict();
  auto job = std::make_shared<Job>();
  job->id = next_id_++;
  job->plan = plan.name;
  job->scenario = scenario.name;
  job->days = scenario.days;
  jobs_[job->id] = job;
  job->thread = std::thread(&SimulationJobs::Run, this, job, std::move(plan), std::move(scenario));
  return StatusOf(*job);
}

void SimulationJobs::Run(SimulationJobs* self, std::shared_ptr<Job> job, core::Plan plan,
                         Scenario scenario) {
  JobState state = JobState::kFailed;
  std::string error;
  std::shared_ptr<const Output> output;
  try {
    Simulation sim(std::move(plan), std::move(scenario));
    const bool finished = sim.Run([&job](const Progress& p) {
      job->day = p.day;
      job->members = p.members;
      job->orders = p.orders;
      return !job->cancel.load();
    });
    if (!finished) {
      state = JobState::kCancelled;
    } else if (const boost::json::value report = sim.Report();
               const std::optional<std::string> at = FindNonFinite(report)) {
      error = "the report has a number that is not finite at " + *at + " (a bug)";
    } else {
      auto out = std::make_shared<Output>();
      out->json = boost::json::serialize(report);
      out->html = ReportHtml(report);
      output = std::move(out);
      state = JobState::kDone;
    }
  } catch (const std::exception& e) {
    error = e.what();  // e.g. std::bad_alloc: the machine ran out of memory
  }
  std::lock_guard<std::mutex> lock(self->mu_);
  job->state = state;
  job->error = std::move(error);
  job->output = std::move(output);
}

JobStatus SimulationJobs::StatusOf(const Job& job) const {
  JobStatus s;
  s.id = job.id;
  s.state = job.state;
  s.plan = job.plan;
  s.scenario = job.scenario;
  s.progress = Progress{job.day.load(), job.days, job.members.load(), job.orders.load()};
  s.error = job.error;
  return s;
}

void SimulationJobs::Evict() {
  size_t finished = 0;
  for (const auto& [id, job] : jobs_) finished += job->state != JobState::kRunning ? 1u : 0u;
  for (auto it = jobs_.begin(); it != jobs_.end() && finished >= limits_.max_kept;) {
    if (it->second->state == JobState::kRunning) {
      ++it;
      continue;
    }
    // Finished: its thread has set the state and only returns now.
    if (it->second->thread.joinable()) it->second->thread.join();
    it = jobs_.erase(it);
    --finished;
  }
}

std::optional<JobStatus> SimulationJobs::Status(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  return StatusOf(*it->second);
}

std::vector<JobStatus> SimulationJobs::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<JobStatus> out;
  for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) out.push_back(StatusOf(*it->second));
  return out;
}

std::shared_ptr<const SimulationJobs::Output> SimulationJobs::Report(uint64_t id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return nullptr;
  return it->second->output;
}

}  // namespace guanxi::sim
