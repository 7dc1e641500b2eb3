#include "core/plan.h"

#include <algorithm>

namespace guanxi::core {

int64_t RankTable::Max() const {
  int64_t best = 0;
  for (const auto& entry : entries) best = std::max(best, entry.second);
  return best;
}

std::optional<RankId> Plan::FindRank(std::string_view rank_name) const {
  for (size_t i = 0; i < ranks.size(); ++i) {
    if (ranks[i].name == rank_name) return static_cast<RankId>(i);
  }
  return std::nullopt;
}

std::optional<EarnedId> Plan::FindEarned(std::string_view earned_name) const {
  for (size_t i = 0; i < earned.size(); ++i) {
    if (earned[i] == earned_name) return static_cast<EarnedId>(i);
  }
  return std::nullopt;
}

ActivityId Plan::ActivityFor(std::string_view sku) const {
  ActivityId fallback = kNoActivity;
  for (size_t i = 0; i < activities.size(); ++i) {
    const Activity& a = activities[i];
    if (std::find(a.skus.begin(), a.skus.end(), sku) != a.skus.end()) return static_cast<ActivityId>(i);
    if (a.all_products && fallback == kNoActivity) fallback = static_cast<ActivityId>(i);
  }
  return fallback;
}

namespace {

bool TableOk(const RankTable& t, size_t rank_count) {
  for (size_t i = 0; i < t.entries.size(); ++i) {
    if (t.entries[i].first >= rank_count || t.entries[i].second < 0 || t.entries[i].second > kMaxPlanAmount) return false;
    if (i > 0 && t.entries[i - 1].first >= t.entries[i].first) return false;
  }
  return true;
}

}  // namespace

Status Plan::Validate() const {
  const auto bad = [](std::string msg) { return MakeError("invalid_plan", std::move(msg)); };
  if (ranks.empty()) return bad("a plan needs at least one rank");
  if (ranks.size() > kMaxRanks) return bad("a plan has at most 16 ranks");
  if (ranks[0].automatic()) return bad("the first rank is where members start; it takes no condition");
  if (earned.size() > kMaxEarned) return bad("a plan has at most 16 earned categories");
  const size_t nr = ranks.size();
  for (const RankDef& r : ranks) {
    if (r.directs && r.directs->rank >= nr) return bad("rank " + r.name + ": directs names no rank");
    if (r.legs && r.legs->rank >= nr) return bad("rank " + r.name + ": legs names no rank");
  }
  if (placement.enabled &&
      (placement.member_rank >= nr || placement.partner_rank >= nr ||
       placement.member_rank == 0 || placement.partner_rank <= placement.member_rank ||
       placement.team_from_position < 1)) {
    return bad("placement: member_rank must be above the first rank and below partner_rank");
  }
  if (fund.enabled && (fund.hold_bps < 0 || fund.hold_bps > kWholeBps || fund.position_min_rank >= nr ||
                       fund.positions < 1 || fund.units < 0)) {
    return bad("fund: hold_bps must be 0..10000, positions ≥ 1 and units ≥ 0");
  }
  if (fund.enabled && !placement.enabled) return bad("fund: positions need a placement");
  if (!pools.empty() && !FindEarned("pool")) return bad("a plan with pools needs the earned category pool");
  for (const Pool& p : pools) {
    if (p.min_rank >= nr) return bad("pool " + p.name + ": min_rank names no rank");
  }
  const auto declared = [this](const std::string& sku) {
    return std::any_of(products.begin(), products.end(), [&](const Product& p) { return p.sku == sku; });
  };
  for (const Product& p : products) {
    if (p.sku.empty() || p.price < 0 || p.price > kMaxPlanAmount) return bad("product " + p.sku + ": price must be 0..10^10 fen");
  }
  for (const RankDef& r : ranks) {
    for (const std::string& sku : r.buy_any) {
      if (!declared(sku)) return bad("rank " + r.name + ": buy_any names an undeclared product " + sku);
    }
  }
  for (const std::string& sku : fund.unit_skus) {
    if (!declared(sku)) return bad("fund: unit_skus names an undeclared product " + sku);
  }
  for (const Activity& a : activities) {
    for (const Rule& rule : a.rules) {
      const std::string where = "activity " + a.name + ": ";
      if (rule.kind != RuleKind::kPool && rule.earned >= earned.size()) return bad(where + "earned out of range");
      if (rule.min_rank >= nr || rule.source_min_rank >= nr) return bad(where + "rank out of range");
      if (!TableOk(rule.amount.by_rank, nr) || !TableOk(rule.targets, nr)) {
        return bad(where + "amount tables need ascending ranks and non-negative values");
      }
      switch (rule.kind) {
        case RuleKind::kReferral:
          if (rule.generation < 1) return bad(where + "generation starts at 1");
          break;
        case RuleKind::kLeader:
          if (!placement.enabled) return bad(where + "a leader rule needs a placement");
          break;
        case RuleKind::kDifferential:
          if (rule.targets.entries.empty()) return bad(where + "differential needs targets");
          break;
        case RuleKind::kPeer:
          if (!placement.enabled) return bad(where + "a peer rule pays mentors, which need a placement");
          if (rule.rate_bps < 0 || rule.rate_bps > kWholeBps) return bad(where + "rate_bps must be 0..10000");
          break;
        case RuleKind::kPool:
          if (rule.pool >= pools.size()) return bad(where + "pool out of range");
          if (rule.amount.by_rank.entries.size() != 1) return bad(where + "a pool contribution is one amount");
          break;
      }
    }
  }
  return Ok{};
}

}  // namespace guanxi::core
