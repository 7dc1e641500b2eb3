// The merchant's back-of-envelope formulas (商业模式设计, docs/designer.md), in integers: people
// are whole, money is fen, rates are bps and decimal inputs (a frequency of 2.5) are hundredths.
// Each stage truncates, as a head count does. Every product is checked: a result that does not fit
// an int64 is refused, naming the input to lower, never wrapped. Thread-safe: pure functions.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/plan.h"
#include "core/result.h"

namespace guanxi::sim {

// How an input is written, so that its message speaks the caller's unit.
enum class Unit : uint8_t {
  kWhole,  // a whole number: people, levels, generations
  kCenti,  // a number with at most two decimals, held in hundredths (2.5 is 250)
  kBps,    // a rate: whole bps in JSON (2000), a percentage with two decimals on the command line
  kFen,    // money: whole fen
};

// Who reads the message: the HTTP API names JSON fields ("conversion_bps"), `guanxi calc` its
// options ("--conversion"). The error's `field` is the JSON field either way.
enum class Naming : uint8_t { kJson, kCli };

// One input's bounds. Its check and its message are both made from it, so a message states the
// limit that is enforced: "referrals must be between 0 and 100000" was the bound in hundredths
// (issue #18).
struct Limit {
  std::string_view field;   // the JSON field
  std::string_view option;  // the command-line option
  int64_t min = 0;          // in the held unit: hundredths for kCenti, bps, fen
  int64_t max = 0;
  Unit unit = Unit::kWhole;
};

// The bounds come from limits.json (guanxi/limits.h), which the console's calculators read too.
inline constexpr int64_t kMaxPeople = limits::kCalcPeopleMax;             // 10^11: more than the world
inline constexpr int64_t kMaxCentiPeriods = limits::kCalcCentiPeriodsMax;  // 10^6 purchases a period, 10^6 periods

inline constexpr Limit kReach{"reach", "--reach", 0, kMaxPeople, Unit::kWhole};
inline constexpr Limit kFanBps{"fan_bps", "--fan", 0, core::kWholeBps, Unit::kBps};
inline constexpr Limit kDealBps{"deal_bps", "--deal", 0, core::kWholeBps, Unit::kBps};
inline constexpr Limit kMemberBps{"member_bps", "--member", 0, core::kWholeBps, Unit::kBps};
inline constexpr Limit kFrequency{"frequency", "--frequency", 0, kMaxCentiPeriods, Unit::kCenti};
inline constexpr Limit kLifetime{"lifetime", "--lifetime", 0, kMaxCentiPeriods, Unit::kCenti};
inline constexpr Limit kTicket{"ticket", "--ticket-fen", 0, core::kMaxPlanAmount, Unit::kFen};
inline constexpr Limit kReferrals{"referrals", "--referrals", 0, limits::kCalcReferralsMaxCenti, Unit::kCenti};
inline constexpr Limit kLevels{"levels", "--levels", 1, limits::kCalcLevelsMax, Unit::kWhole};
inline constexpr Limit kGenerations{"generations", "--generations", 1, limits::kCalcGenerationsMax, Unit::kWhole};
inline constexpr Limit kSeeds{"seeds", "--seeds", 1, kMaxPeople, Unit::kWhole};
inline constexpr Limit kConversionBps{"conversion_bps", "--conversion", 0, core::kWholeBps,
                                      Unit::kBps};
inline constexpr Limit kMarket{"market", "--market", 0, kMaxPeople, Unit::kWhole};

// Every calculator input, for tests and documentation.
inline constexpr Limit kCalculatorLimits[] = {
    kReach,     kFanBps, kDealBps,     kMemberBps, kFrequency,     kLifetime, kTicket,
    kReferrals, kLevels, kGenerations, kSeeds,     kConversionBps, kMarket,
};

// "referrals must be a number between 0 and 1000 with at most two decimals", in the unit the
// caller writes (percent on the command line, bps in JSON).
std::string LimitMessage(const Limit& limit, Naming naming = Naming::kJson);
// The refusal of a value outside `limit` or not of its kind: code "invalid_<field>", the field,
// LimitMessage (with `got` quoted after it when given).
core::Error LimitError(const Limit& limit, Naming naming = Naming::kJson,
                       std::string_view got = {});
core::Status CheckLimit(const Limit& limit, int64_t value, Naming naming = Naming::kJson);
// Command-line text in the limit's unit ("2.5", "20%", "100000") to the held unit, checked.
core::Result<int64_t> ParseOption(std::string_view text, const Limit& limit);

// 会员人数 = 触达人数 × 粉丝转化率 × 成交转化率 × 会员转化率.
struct MembersInput {
  int64_t reach = 0;       // people reached
  int64_t fan_bps = 0;     // of them, who follow the shop
  int64_t deal_bps = 0;    // of the fans, who buy
  int64_t member_bps = 0;  // of the buyers, who become members
};
struct MembersResult {
  int64_t reach = 0, fans = 0, buyers = 0, members = 0;
};
core::Result<MembersResult> CalcMembers(const MembersInput& in, Naming naming = Naming::kJson);

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
// A spend past int64 fen is refused naming the ticket, with the largest ticket that fits.
core::Result<LifetimeResult> CalcLifetime(const LifetimeInput& in, Naming naming = Naming::kJson);

// 裂变人数 = (会员推荐 × 裂变级数)^N, the merchants' formula, beside a projection of referral
// generations in which only a share of the invited join, and (given a market size) fewer join as
// the market fills.
struct FissionInput {
  int64_t referrals_centi = 0;  // 会员推荐: people each member invites × 100
  int64_t levels = 1;           // 裂变级数
  int64_t generations = 1;      // N
  int64_t seeds = 1;            // members at generation 0
  int64_t conversion_bps = 0;   // of the invited, who join
  int64_t market = 0;           // people who could ever join; 0: no limit
};
// The formula's value is only there to be compared with the projection, and it explodes (1,000
// referrals × 1,000 levels over 100 generations is 10^600): above 10^kMaxNaiveExponent it is
// reported as "more than 10^18" rather than refused, so the projection beside it still shows.
inline constexpr int kMaxNaiveExponent = 18;
constexpr double PowerOfTen(int exponent) {
  return exponent <= 0 ? 1.0 : 10.0 * PowerOfTen(exponent - 1);
}
inline constexpr double kMaxNaive = PowerOfTen(kMaxNaiveExponent);
struct FissionRow {
  int64_t generation = 0;
  std::optional<double> naive;  // (referrals × levels)^generation; nullopt: more than kMaxNaive
  int64_t invited = 0;          // previous generation's joiners × referrals
  int64_t joined = 0;  // invited × conversion (× the share of the market still free, at most it)
  int64_t total = 0;   // seeds and every generation's joiners so far
};
struct FissionResult {
  std::optional<double> naive;  // the formula's value at N; nullopt: more than kMaxNaive
  double growth_factor = 0;     // referrals × conversion: each generation over the one before
  std::vector<FissionRow> rows;
};
// A projection past int64 people is refused naming generations, with how many fit: lowering it
// always helps (one seed inviting 1,000 passes int64 by generation 7, whatever the seeds).
core::Result<FissionResult> CalcFission(const FissionInput& in, Naming naming = Naming::kJson);

boost::json::value MembersJson(const MembersResult& r);
boost::json::value LifetimeJson(const LifetimeResult& r);
boost::json::value FissionJson(const FissionInput& in, const FissionResult& r);
// "243", "15.625", or "more than 10^18": the formula's value as the command line prints it.
std::string NaiveText(const std::optional<double>& naive);

// Decimal text with at most two places ("2.5", "30") as hundredths; "30%" as bps when percent.
core::Result<int64_t> ParseCenti(std::string_view text, std::string_view field);
core::Result<core::Bps> ParsePercent(std::string_view text, std::string_view field);

}  // namespace guanxi::sim
