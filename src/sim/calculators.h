// The merchant's back-of-envelope formulas (商业模式设计, docs/designer.md), in integers: people
// are whole, money is fen, rates are bps and decimal inputs (a frequency of 2.5) are hundredths.
// Each stage truncates, as a head count does. Thread-safe: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/result.h"

namespace guanxi::sim {

// 会员人数 = 触达人数 × 粉丝转化率 × 成交转化率 × 会员转化率.
struct MembersInput {
  int64_t reach = 0;         // people reached
  core::Bps fan_bps = 0;     // of them, who follow the shop
  core::Bps deal_bps = 0;    // of the fans, who buy
  core::Bps member_bps = 0;  // of the buyers, who become members
};
struct MembersResult {
  int64_t reach = 0, fans = 0, buyers = 0, members = 0;
};
core::Result<MembersResult> CalcMembers(const MembersInput& in);

// 终身消费 = 购买频次 × 平均生命周期 × 平均客单价. Frequency and lifetime in the same period
// (months or years), both in hundredths.
struct LifetimeInput {
  int64_t frequency_centi = 0;  // purchases per period × 100
  int64_t lifetime_centi = 0;   // periods × 100
  core::Fen ticket = 0;         // average ticket (客单价)
};
struct LifetimeResult {
  int64_t purchases_centi = 0;  // purchases over the lifetime × 100, truncated
  core::Fen spend = 0;          // truncated to the fen
};
core::Result<LifetimeResult> CalcLifetime(const LifetimeInput& in);

// 裂变人数 = (会员推荐 × 裂变级数)^N, the merchants' formula, beside a projection of referral
// generations in which only a share of the invited join, and (given a market size) fewer join as
// the market fills.
struct FissionInput {
  int64_t referrals_centi = 0;   // 会员推荐: people each member invites × 100
  int64_t levels = 1;            // 裂变级数
  uint32_t generations = 1;      // N
  int64_t seeds = 1;             // members at generation 0
  core::Bps conversion_bps = 0;  // of the invited, who join
  int64_t market = 0;            // people who could ever join; 0: no limit
};
struct FissionRow {
  uint32_t generation = 0;
  double naive = 0;     // (referrals × levels)^generation
  int64_t invited = 0;  // previous generation's joiners × referrals
  int64_t joined = 0;   // invited × conversion (× the share of the market still free)
  int64_t total = 0;    // seeds and every generation's joiners so far
};
struct FissionResult {
  double naive = 0;          // the formula's value at N
  double growth_factor = 0;  // referrals × conversion: each generation over the one before
  std::vector<FissionRow> rows;
};
core::Result<FissionResult> CalcFission(const FissionInput& in);

boost::json::value MembersJson(const MembersResult& r);
boost::json::value LifetimeJson(const LifetimeResult& r);
boost::json::value FissionJson(const FissionInput& in, const FissionResult& r);

// Decimal text with at most two places ("2.5", "30") as hundredths; "30%" as bps when percent.
core::Result<int64_t> ParseCenti(std::string_view text, std::string_view field);
core::Result<core::Bps> ParsePercent(std::string_view text, std::string_view field);

}  // namespace guanxi::sim
