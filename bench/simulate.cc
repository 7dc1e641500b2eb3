// Designer benchmark: `guanxi simulate` of 1,000,000 members over 365 days under the chain 2+1 plan
// (scenarios/chain-2plus1-1m-year.toml), timed end to end: the run through the engine, then the
// report. Goal: ≤ 10 s (docs/benchmarks.md). A plain binary, not a timed test:
//   bench/simulate [PLAN SCENARIO]
// It exits 1 when the report's totals differ from the engine's ledger.
#include <sys/resource.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>

#include "plan/plan_file.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace {

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

long PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string root = GUANXI_SOURCE_DIR;
  const std::string plan_path = argc > 2 ? argv[1] : root + "/plans/chain-2plus1-699.toml";
  const std::string scenario_path =
      argc > 2 ? argv[2] : root + "/scenarios/chain-2plus1-1m-year.toml";
  auto plan = guanxi::plan::LoadPlanFile(plan_path);
  if (!plan) {
    std::fprintf(stderr, "%s\n", plan.error().message.c_str());
    return 2;
  }
  auto scenario = guanxi::sim::LoadScenarioFile(scenario_path, *plan);
  if (!scenario) {
    std::fprintf(stderr, "%s\n", scenario.error().message.c_str());
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  const double c0 = CpuSeconds();
  guanxi::sim::Simulation sim(std::move(*plan), std::move(*scenario));
  sim.Run();
  const auto t1 = std::chrono::steady_clock::now();
  const double c1 = CpuSeconds();
  const boost::json::value report = sim.Report();
  const std::string json = boost::json::serialize(report);
  const auto t2 = std::chrono::steady_clock::now();
  const double c2 = CpuSeconds();
  const std::string html = guanxi::sim::ReportHtml(report);
  const auto t3 = std::chrono::steady_clock::now();
  const auto secs = [](auto a, auto b) { return std::chrono::duration<double>(b - a).count(); };
  const auto& eng = sim.engine();
  std::printf("members %u, orders %u, days %u\n", eng.member_count(), eng.order_count(), eng.day());
  std::printf("run     %.2f s wall, %.2f s CPU\n", secs(t0, t1), c1 - c0);
  std::printf("report  %.2f s wall, %.2f s CPU (%zu bytes of JSON)\n", secs(t1, t2), c2 - c1,
              json.size());
  std::printf("html    %.2f s wall (%zu bytes)\n", secs(t2, t3), html.size());
  std::printf("total   %.2f s wall (goal ≤ 10 s), %.2f s CPU; peak RSS %ld MB\n", secs(t0, t3),
              CpuSeconds() - c0, PeakRssMb());
  const bool ok = report.at("conservation").at("ok").as_bool() && eng.ledger().Sum() == 0;
  std::printf("conservation %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
