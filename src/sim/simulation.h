// The growth simulation (`guanxi simulate`, docs/designer.md): a synthetic population described by
// a Scenario joins and buys through the real core::Engine under the real plan, one command at a
// time, and the report is built from the engine's own effects and ledger — no rule is evaluated
// here. Deterministic: the same plan, scenario and seed give a byte-identical report (splitmix64,
// integer draws only, events in a fixed order). Not thread-safe: one thread runs a Simulation.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/engine.h"
#include "core/plan.h"
#include "sim/scenario.h"
#include "sim/splitmix.h"

namespace guanxi::sim {

struct Progress {
  uint32_t day = 0;  // days simulated so far
  uint32_t days = 0;
  uint32_t members = 0;
  uint32_t orders = 0;
};
// Called after every simulated day; returning false stops the run (a cancelled job).
using ProgressFn = std::function<bool(const Progress&)>;

// Days until an event that happens each day with chance bps, drawn in one step (a geometric
// variable, by inversion of a table of 64-bit survival probabilities) instead of one draw per day.
class DaysUntil {
 public:
  static constexpr uint32_t kNever = UINT32_MAX;
  DaysUntil(core::Bps bps, uint32_t horizon);
  // ≥ 1, or kNever when the event does not happen within the horizon.
  uint32_t Draw(SplitMix& rng) const;

 private:
  std::vector<uint64_t> survive_;  // [k - 1]: chance (× 2^64) that k days pass without the event
  bool never_ = false;
};

class Simulation {
 public:
  // REQUIRES: `scenario` was read for `plan` (ParseScenario), so its SKUs and ranks exist.
  Simulation(core::Plan plan, Scenario scenario);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs every day of the scenario. False when `progress` stopped it; the report is then partial.
  bool Run(const ProgressFn& progress = {});

  const core::Engine& engine() const;
  // The report (docs/designer.md, "Report"): money in fen, ratios as numbers.
  boost::json::value Report() const;

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// The report as a self-contained HTML page: inline SVG charts, no script, no external URL.
std::string ReportHtml(const boost::json::value& report);

}  // namespace guanxi::sim
