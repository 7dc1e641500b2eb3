// A commission plan as data: ranks and how they are reached, products and the activities they belong
// to, reward rules of a few kinds with parameters, pools, the network placement and the assistance-fund
// hold. A Plan is immutable once the engine holds it; src/plan/ reads it from TOML and validates it.
// There is no scripting: every rule kind below is evaluated by the engine (engine.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/money.h"
#include "core/result.h"
#include "guanxi/limits.h"

namespace guanxi::core {

using RankId = uint8_t;         // index into Plan::ranks; 0 is the rank every member joins with
using EarnedId = uint8_t;       // index into Plan::earned, the categories of "earned" (direct, peer …)
using PoolId = uint8_t;         // index into Plan::pools
using ActivityId = uint16_t;    // index into Plan::activities
inline constexpr ActivityId kNoActivity = 0xFFFF;
inline constexpr uint32_t kMaxRanks = 16;
inline constexpr uint32_t kMaxEarned = 16;
// Prices and per-unit amounts in a plan stay at or below 10^10 fen (100 million yuan), so that
// amount × quantity (≤ 10^6) and paid × rate (≤ 10^4 bps) fit in int64.
// (limits.json: amount_max_fen, the most a price or member price may be in a form too.)
inline constexpr int64_t kMaxPlanAmount = limits::kAmountMaxFen;
static_assert(kMaxPlanAmount <= 10'000'000'000, "amount × quantity and paid × rate must fit in int64");

// A value that depends on a member's rank: the entry of the highest listed rank at or below it.
// A member below every listed rank gets nothing (e.g. a fan earns no direct reward).
struct RankTable {
  std::vector<std::pair<RankId, int64_t>> entries;  // ascending by rank, ranks distinct

  static RankTable Flat(int64_t value) { return RankTable{{{RankId{0}, value}}}; }
  std::optional<int64_t> For(RankId rank) const {  // inline: evaluated for every rule of every order
    std::optional<int64_t> found;
    for (const auto& [r, value] : entries) {
      if (r > rank) break;
      found = value;
    }
    return found;
  }
  int64_t Max() const;
};

// What a rule pays per order line: a fixed number of fen per unit, or a rate (bps) of the line's
// paid amount (unit price paid × quantity), truncated to the fen.
struct Amount {
  enum class Kind : uint8_t { kPerUnit, kRateOfPaid };
  Kind kind = Kind::kPerUnit;
  RankTable by_rank;  // keyed by the recipient's rank before the order

  // nullopt: the recipient's rank earns nothing from this rule.
  std::optional<Fen> For(RankId rank, uint32_t qty, Fen paid) const {
    const std::optional<int64_t> v = by_rank.For(rank);
    if (!v) return std::nullopt;
    if (kind == Kind::kPerUnit) return *v * static_cast<Fen>(qty);
    return ApplyBps(paid, static_cast<Bps>(*v));
  }
};

enum class RuleKind : uint8_t {
  kReferral,      // the buyer's referral ancestor of generation N (1 = referrer): 直推 / 一级 / 二级 / N代
  kLeader,        // the buyer's leader, unless that is the buyer: 见点奖
  kDifferential,  // referral ancestors paid up to a target by rank, less what was paid below: 极差
  kPeer,          // the mentor of a recipient of other rules: a rate of that reward: 平级奖
  kPool,          // a contribution to a pool shared at close_day: 分红池
};

struct Rule {
  RuleKind kind = RuleKind::kReferral;
  EarnedId earned = 0;       // category in "earned" (not used by kPool)
  uint32_t generation = 1;   // kReferral
  Amount amount;             // kReferral, kLeader, kPool (kPool: flat)
  RankId min_rank = 0;       // recipient's minimum rank; below it the recipient is skipped, not replaced
  RankTable targets;         // kDifferential: per-unit target by rank; walk ends after the top rank
  Bps rate_bps = 0;          // kPeer
  uint32_t of_mask = 0;      // kPeer: bit e set when rewards of earned category e are matched
  RankId source_min_rank = 0;  // kPeer: the matched recipient's minimum rank
  PoolId pool = 0;           // kPool
};

struct Activity {
  std::string name;
  std::vector<std::string> skus;  // the products this activity applies to
  bool all_products = false;      // applies to every product no other activity names (two-level shops)
  std::vector<Rule> rules;        // evaluated in this order; kPeer sees rewards of rules before it
};

struct Product {
  std::string sku;
  std::string name;
  Fen price = 0;
};

struct Count {
  RankId rank = 0;
  uint32_t count = 0;
  bool operator==(const Count&) const = default;
};

// How a rank is reached automatically. A member upgrades to rank r+1 when it holds rank r and every
// condition listed for r+1 holds; upgrades cascade rank by rank and up the tree. A rank with no
// condition at all is only reached by an admin's set_rank (e.g. 指定分销's promoters).
struct RankDef {
  std::string name;
  std::string label;                   // the merchant's word for it ("合伙人")
  std::vector<std::string> buy_any;    // has paid, unrefunded units of one of these SKUs
  std::optional<Count> directs;        // at least `count` direct referrals of rank ≥ `rank`
  std::optional<Count> legs;           // at least `count` legs each holding a member of rank ≥ `rank`
  bool automatic() const { return !buy_any.empty() || directs || legs; }
  // The same rank for the engine: name and conditions (the label is only a word for people).
  bool SameRule(const RankDef& o) const {
    return name == o.name && buy_any == o.buy_any && directs == o.directs && legs == o.legs;
  }
};

struct Pool {
  std::string name;
  RankId min_rank = 0;  // shared at close_day equally among members of at least this rank
  bool operator==(const Pool&) const = default;
};

// 链动2+1 placement: when a member first reaches member_rank it takes the next position among its
// referrer's directs; positions ≥ team_from_position join the referrer's team if the referrer is a
// partner, the others are contributed to the referrer's leader. Reaching partner_rank detaches.
struct Placement {
  bool enabled = false;
  RankId member_rank = 0;
  RankId partner_rank = 0;
  uint32_t team_from_position = 3;
  bool operator==(const Placement&) const = default;
};

// 团队帮扶基金: until X's fund unlocks, `hold_bps` of X's settled rewards in `held_mask` categories
// goes to frozen. It unlocks once X's positions 1..positions are of rank ≥ position_min_rank and the
// members below them (themselves excluded) hold ≥ units paid, unrefunded units of `unit_skus`.
struct Fund {
  bool enabled = false;
  Bps hold_bps = 0;
  uint32_t held_mask = 0;
  uint32_t positions = 2;
  RankId position_min_rank = 0;
  int64_t units = 0;
  std::vector<std::string> unit_skus;
  bool operator==(const Fund&) const = default;
};

struct Plan {
  std::string name;
  std::string currency = "CNY";
  std::vector<RankDef> ranks;
  std::vector<std::string> earned;  // categories; "pool" is added when the plan has pools
  std::vector<Product> products;
  std::vector<Activity> activities;
  std::vector<Pool> pools;
  Placement placement;
  Fund fund;

  std::optional<RankId> FindRank(std::string_view name) const;
  std::optional<EarnedId> FindEarned(std::string_view name) const;
  // The activity a SKU's orders are paid by: the one naming it, else an all_products one.
  ActivityId ActivityFor(std::string_view sku) const;
  // Checks what the engine relies on (ranks exist, indices in range, a pool earned category …).
  // src/plan/ reports errors with file lines; this is the last line of defence for any producer.
  Status Validate() const;
};

}  // namespace guanxi::core
