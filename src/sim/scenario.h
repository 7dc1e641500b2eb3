// A simulation scenario (docs/designer.md): a synthetic population for `guanxi simulate` — how many
// days, who starts, how often members bring in new people and how many, how many of those buy the
// package, repurchases, identity packages, refunds, churn and the random seed. Read from TOML with
// the same strictness as plan files: every refusal names the line. SKUs and ranks are checked
// against the plan the scenario will run under. Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/ids.h"
#include "core/money.h"
#include "core/plan.h"
#include "core/result.h"

namespace guanxi::sim {

// Hard ceilings of the format; callers (the HTTP API) may set lower ones.
inline constexpr uint32_t kMaxScenarioDays = static_cast<uint32_t>(limits::kScenarioDaysMax);
inline constexpr uint32_t kMaxScenarioMembers = static_cast<uint32_t>(limits::kScenarioMembersMax);
inline constexpr int64_t kMaxInvitees = limits::kScenarioInviteesMax;
// A scenario's name: letters and digits of any script (春节裂变), '.', '-', '_' and spaces, at most
// limits::kScenarioNameMaxChars characters; never control characters, slashes or quotes, so that it
// can stand in a report, a file name or a job list as it is.
core::Status CheckScenarioName(std::string_view name);

struct IdentityOffer {
  std::string sku;           // a product the plan declares
  core::RankId rank = 0;     // offered when a member reaches this rank
  core::Bps uptake_bps = 0;  // share of those members who buy it
  uint32_t within_days = 0;  // they buy 0..within_days days after reaching the rank
};

struct Scenario {
  std::string name;
  uint32_t days = 0;
  uint64_t seed = 1;
  uint32_t max_members = 0;  // nobody joins once the population reaches this (the market's size)

  // [start]: founders join on day 1 with no referrer; start_buy_bps of them buy the package that
  // day.
  uint32_t start_members = 1;
  core::Bps start_buy_bps = core::kWholeBps;

  // [invite]: each day an active sharer brings people in with chance daily_bps; each time
  // invitees_min..invitees_max people register under it (uniform).
  bool everyone_shares = false;  // who = "everyone"; default "buyers": only package buyers share
  core::Bps invite_daily_bps = 0;
  uint32_t invitees_min = 1;
  uint32_t invitees_max = 1;

  // [package]: buy_bps of the people who register buy it, 0..within_days days after registering.
  std::string package_sku;  // a product the plan declares
  core::Bps package_buy_bps = 0;
  uint32_t package_within_days = 0;

  // [repurchase] (optional): each day an active buyer buys `sku` again with chance daily_bps.
  std::string repurchase_sku;  // empty: nobody repurchases
  core::Bps repurchase_daily_bps = 0;

  std::vector<IdentityOffer> identity;  // [[identity]]

  // [orders]: refund_bps of paid orders are refunded inside the return window; the others settle
  // settle_after_days days after payment.
  core::Bps refund_bps = 0;
  uint32_t settle_after_days = 15;

  // [churn]: each day an active member stops sharing and buying for good with chance daily_bps.
  core::Bps churn_daily_bps = 0;
};

// Reads a scenario from TOML text for `plan`. Errors: code "invalid_scenario", message
// "<source_name>:<line>: <reason>".
core::Result<Scenario> ParseScenario(std::string_view toml_text, std::string_view source_name,
                                     const core::Plan& plan);
// ParseScenario on the contents of `path`; an unreadable file gives code "scenario_unreadable".
core::Result<Scenario> LoadScenarioFile(const std::string& path, const core::Plan& plan);

}  // namespace guanxi::sim
