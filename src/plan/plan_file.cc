// Reads the TOML plan format of docs/plans.md into core::Plan. The reader is strict on purpose: an
// unknown key, a float where fen are expected or a name that resolves to nothing is refused with
// its line, because a typo in a plan pays the wrong people without anyone noticing.
#include "plan/plan_file.h"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan/toml_reader.h"

namespace guanxi::plan {
namespace {

using core::RankId;

constexpr int64_t kMaxInt64 = std::numeric_limits<int64_t>::max();
// The ceiling core::Plan::Validate puts on prices and per-unit amounts (10^10 fen, 100 million
// yuan, so amount × quantity fits in int64); checked here too so the refusal names the line.
constexpr int64_t kMaxFen = core::kMaxPlanAmount;
constexpr int64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();
constexpr size_t kMaxPools = size_t{std::numeric_limits<core::PoolId>::max()} + 1;

using toml_reader::CheckKeys;
using toml_reader::Field;
using toml_reader::LineOf;
using toml_reader::NameAt;
using toml_reader::OptionalInt;
using toml_reader::OptionalString;
using toml_reader::Quoted;
using toml_reader::ReadInt;
using toml_reader::ReadNames;
using toml_reader::ReadString;
using toml_reader::Refusal;
using toml_reader::Refuse;
using toml_reader::Require;
using toml_reader::RequireString;
using toml_reader::TablesOf;
using toml_reader::Unit;

template <typename T, typename NameOf>
std::string NameList(const std::vector<T>& items, NameOf name_of) {
  std::string out;
  for (const T& item : items) {
    if (!out.empty()) out += ", ";
    out += name_of(item);
  }
  return out.empty() ? "none" : out;
}

bool IsRankName(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsCurrencyCode(std::string_view s) {
  return s.size() == 3 &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

class PlanReader {
 public:
  explicit PlanReader(const toml::table& root) : root_(root) {}

  // Throws Refusal. The order matters: each part only names things read before it.
  core::Plan Read() {
    CheckKeys(root_,
              {"name", "currency", "ranks", "placement", "fund", "pools", "products", "activities"},
              "the top level");
    plan_.name = RequireString(root_, "name", "the plan");
    if (std::optional<std::string> currency = OptionalString(root_, "currency", "the plan")) {
      if (!IsCurrencyCode(*currency)) {
        Refuse(*root_.get("currency"), "currency must be an ISO 4217 code such as \"CNY\"");
      }
      plan_.currency = std::move(*currency);
    }
    ReadRanks();
    ReadProducts();
    ReadRankConditions();
    ReadPools();
    ReadPlacement();
    ReadActivities();
    // close_day credits pool payouts under this category (core/plan.h).
    if (!plan_.pools.empty()) plan_.earned.push_back("pool");
    ReadFund();
    return std::move(plan_);
  }

 private:
  RankId RankNamed(const toml::node& n, const std::string& what) const {
    const std::string name = ReadString(n, what);
    const std::optional<RankId> rank = plan_.FindRank(name);
    if (!rank) {
      Refuse(n, what + " names no rank: " + Quoted(name) + " (ranks: " +
                    NameList(plan_.ranks, [](const core::RankDef& r) { return r.name; }) + ")");
    }
    return *rank;
  }

  RankId OptionalRank(const toml::table& t, std::string_view key, const std::string& where) const {
    const toml::node* n = t.get(key);
    return n == nullptr ? RankId{0} : RankNamed(*n, Field(where, key));
  }

  // Names of declared products; `what` is the key that lists them.
  std::vector<std::string> ReadSkus(const toml::node& n, const std::string& what) const {
    std::vector<std::string> skus;
    for (NameAt& sku : ReadNames(n, what)) {
      const bool declared = std::any_of(plan_.products.begin(), plan_.products.end(),
                                        [&](const core::Product& p) { return p.sku == sku.name; });
      if (!declared) {
        Refuse(*sku.node, what + " names " + Quoted(sku.name) + ", which no [[products]] declares");
      }
      skus.push_back(std::move(sku.name));
    }
    return skus;
  }

  // { member = 20000, partner = 30000 }: entries ascending by rank, as core::RankTable wants.
  core::RankTable ReadRankTable(const toml::node& n, const std::string& what, Unit unit,
                                int64_t max) const {
    const toml::table* t = n.as_table();
    if (t == nullptr) Refuse(n, what + " must be a table by rank, e.g. { member = 100 }");
    if (t->empty()) Refuse(n, what + " names no rank");
    core::RankTable table;
    for (auto&& [key, value] : *t) {
      const std::optional<RankId> rank = plan_.FindRank(key.str());
      if (!rank) {
        Refuse(value, what + " names no rank: " + Quoted(key.str()) + " (ranks: " +
                          NameList(plan_.ranks, [](const core::RankDef& r) { return r.name; }) +
                          ")");
      }
      table.entries.emplace_back(*rank,
                                 ReadInt(value, what + "." + std::string(key.str()), unit, 0, max));
    }
    std::sort(table.entries.begin(), table.entries.end());
    return table;
  }

  // Exactly one of `amount` (fen per unit) or `rate_bps` (of the line's paid amount), each one
  // number or a table by the recipient's rank.
  core::Amount ReadAmount(const toml::table& rule, const std::string& where,
                          bool by_rank_allowed) const {
    const toml::node* per_unit = rule.get("amount");
    const toml::node* rate = rule.get("rate_bps");
    if (per_unit != nullptr && rate != nullptr) {
      Refuse(LineOf(*rate) > LineOf(*per_unit) ? *rate : *per_unit,
             where + ": give amount (fen per unit) or rate_bps (of the paid amount), not both");
    }
    if (per_unit == nullptr && rate == nullptr) {
      Refuse(rule, where + ": amount (fen per unit) or rate_bps (of the paid amount) is required");
    }
    core::Amount amount;
    amount.kind =
        per_unit != nullptr ? core::Amount::Kind::kPerUnit : core::Amount::Kind::kRateOfPaid;
    const toml::node& n = per_unit != nullptr ? *per_unit : *rate;
    const std::string what = Field(where, per_unit != nullptr ? "amount" : "rate_bps");
    const Unit unit = per_unit != nullptr ? Unit::kFen : Unit::kBps;
    const int64_t max = per_unit != nullptr ? kMaxFen : core::kWholeBps;
    if (n.is_table()) {
      if (!by_rank_allowed) Refuse(n, what + " is one number here, not a table by rank");
      amount.by_rank = ReadRankTable(n, what, unit, max);
    } else {
      amount.by_rank = core::RankTable::Flat(ReadInt(n, what, unit, 0, max));
    }
    return amount;
  }

  void ReadRanks() {
    const std::vector<const toml::table*> tables = TablesOf(root_, "ranks", "ranks");
    if (tables.empty()) {
      const toml::node* n = root_.get("ranks");
      Refuse(n != nullptr ? *n : root_, "a plan needs at least one [[ranks]]");
    }
    for (size_t i = 0; i < tables.size(); ++i) {
      const toml::table& t = *tables[i];
      CheckKeys(t, {"name", "label", "buy_any", "directs", "legs"}, "[[ranks]]");
      if (i >= core::kMaxRanks) Refuse(t, "a plan has at most 16 ranks");
      core::RankDef rank;
      rank.name = RequireString(t, "name", "rank " + std::to_string(i + 1));
      if (!IsRankName(rank.name)) {
        Refuse(*t.get("name"),
               "rank name " + Quoted(rank.name) + " must be lower-case letters, digits and _");
      }
      if (plan_.FindRank(rank.name)) {
        Refuse(*t.get("name"), "rank " + Quoted(rank.name) + " is declared twice");
      }
      rank.label = OptionalString(t, "label", "rank " + Quoted(rank.name)).value_or("");
      plan_.ranks.push_back(std::move(rank));
    }
    rank_tables_ = tables;
  }

  // After ReadRanks and ReadProducts: conditions may name any rank and declared products.
  void ReadRankConditions() {
    for (size_t i = 0; i < rank_tables_.size(); ++i) {
      const toml::table& t = *rank_tables_[i];
      core::RankDef& rank = plan_.ranks[i];
      const std::string where = "rank " + Quoted(rank.name);
      if (i == 0) {
        for (std::string_view key : {"buy_any", "directs", "legs"}) {
          if (const toml::node* n = t.get(key)) {
            Refuse(*n, where + " is the first rank, where every member starts; it takes no " +
                           std::string(key) + " (move the condition to the rank it reaches)");
          }
        }
      }
      if (const toml::node* n = t.get("buy_any")) {
        rank.buy_any = ReadSkus(*n, Field(where, "buy_any"));
      }
      if (const toml::node* n = t.get("directs")) {
        rank.directs = ReadCount(*n, Field(where, "directs"));
      }
      if (const toml::node* n = t.get("legs")) rank.legs = ReadCount(*n, Field(where, "legs"));
    }
  }

  core::Count ReadCount(const toml::node& n, const std::string& what) const {
    const toml::table* t = n.as_table();
    if (t == nullptr) Refuse(n, what + " must be a table { rank = \"…\", count = N }");
    CheckKeys(*t, {"rank", "count"}, what);
    core::Count count;
    count.rank = RankNamed(Require(*t, "rank", what), what + ".rank");
    count.count = static_cast<uint32_t>(
        ReadInt(Require(*t, "count", what), what + ".count", Unit::kCount, 1, kMaxUint32));
    return count;
  }

  void ReadProducts() {
    const std::vector<const toml::table*> tables = TablesOf(root_, "products", "products");
    for (size_t i = 0; i < tables.size(); ++i) {
      const toml::table& t = *tables[i];
      CheckKeys(t, {"sku", "name", "price"}, "[[products]]");
      core::Product product;
      product.sku = RequireString(t, "sku", "product " + std::to_string(i + 1));
      for (const core::Product& p : plan_.products) {
        if (p.sku == product.sku) {
          Refuse(*t.get("sku"), "sku " + Quoted(p.sku) + " is declared twice");
        }
      }
      const std::string where = "product " + Quoted(product.sku);
      product.name = OptionalString(t, "name", where).value_or("");
      product.price =
          ReadInt(Require(t, "price", where), Field(where, "price"), Unit::kFen, 0, kMaxFen);
      plan_.products.push_back(std::move(product));
    }
  }

  void ReadPools() {
    const std::vector<const toml::table*> tables = TablesOf(root_, "pools", "pools");
    for (size_t i = 0; i < tables.size(); ++i) {
      const toml::table& t = *tables[i];
      CheckKeys(t, {"name", "min_rank"}, "[[pools]]");
      if (i >= kMaxPools) Refuse(t, "a plan has at most " + std::to_string(kMaxPools) + " pools");
      core::Pool pool;
      pool.name = RequireString(t, "name", "pool " + std::to_string(i + 1));
      for (const core::Pool& p : plan_.pools) {
        if (p.name == pool.name) {
          Refuse(*t.get("name"), "pool " + Quoted(p.name) + " is declared twice");
        }
      }
      const std::string where = "pool " + Quoted(pool.name);
      pool.min_rank = RankNamed(Require(t, "min_rank", where), Field(where, "min_rank"));
      plan_.pools.push_back(std::move(pool));
    }
  }

  void ReadPlacement() {
    const toml::node* n = root_.get("placement");
    if (n == nullptr) return;
    const toml::table* t = n->as_table();
    if (t == nullptr) Refuse(*n, "placement must be a table, written [placement]");
    const std::string where = "[placement]";
    CheckKeys(*t, {"kind", "member_rank", "partner_rank", "team_from_position"}, where);
    const std::string kind = RequireString(*t, "kind", where);
    if (kind == "none") {
      CheckKeys(*t, {"kind"}, "[placement] with kind = \"none\"");
      return;
    }
    if (kind != "chain-2plus1") {
      Refuse(*t->get("kind"),
             "[placement]: kind must be \"chain-2plus1\" or \"none\", not " + Quoted(kind));
    }
    core::Placement& placement = plan_.placement;
    const toml::node& member = Require(*t, "member_rank", where);
    placement.member_rank = RankNamed(member, Field(where, "member_rank"));
    if (placement.member_rank == 0) {
      Refuse(member, "[placement]: member_rank must be above the first rank, where members start");
    }
    const toml::node& partner = Require(*t, "partner_rank", where);
    placement.partner_rank = RankNamed(partner, Field(where, "partner_rank"));
    if (placement.partner_rank <= placement.member_rank) {
      Refuse(partner, "[placement]: partner_rank must be a rank above member_rank");
    }
    placement.team_from_position = static_cast<uint32_t>(
        OptionalInt(*t, "team_from_position", where, Unit::kCount, 1, kMaxUint32).value_or(3));
    placement.enabled = true;
  }

  void ReadActivities() {
    const std::vector<const toml::table*> tables = TablesOf(root_, "activities", "activities");
    std::optional<std::string> all_products;  // the activity that has all_products = true
    for (size_t i = 0; i < tables.size(); ++i) {
      const toml::table& t = *tables[i];
      CheckKeys(t, {"name", "skus", "all_products", "rules"}, "[[activities]]");
      if (i >= core::kNoActivity) Refuse(t, "a plan has too many activities");
      core::Activity activity;
      activity.name = RequireString(t, "name", "activity " + std::to_string(i + 1));
      for (const core::Activity& a : plan_.activities) {
        if (a.name == activity.name) {
          Refuse(*t.get("name"), "activity " + Quoted(a.name) + " is declared twice");
        }
      }
      const std::string where = "activity " + Quoted(activity.name);
      if (const toml::node* n = t.get("skus")) {
        activity.skus = ReadSkus(*n, Field(where, "skus"));
        // ActivityFor takes the first activity naming a SKU; a second one would never pay.
        for (const core::Activity& other : plan_.activities) {
          for (const std::string& sku : other.skus) {
            if (std::find(activity.skus.begin(), activity.skus.end(), sku) != activity.skus.end()) {
              Refuse(*n, where + ": sku " + Quoted(sku) + " already belongs to activity " +
                             Quoted(other.name));
            }
          }
        }
      }
      if (const toml::node* n = t.get("all_products")) {
        if (!n->is_boolean()) Refuse(*n, Field(where, "all_products") + " must be true or false");
        activity.all_products = n->as_boolean()->get();
        if (activity.all_products && all_products) {
          Refuse(*n, where + ": only one activity may have all_products = true (activity " +
                         Quoted(*all_products) + " has it)");
        }
        if (activity.all_products) all_products = activity.name;
      }
      if (activity.skus.empty() && !activity.all_products) {
        Refuse(t, where + " applies to no product: give skus or all_products = true");
      }
      std::vector<std::string> earned_here;  // by non-peer rules so far, for peer rules' `of`
      const std::vector<const toml::table*> rules = TablesOf(t, "rules", "activities.rules");
      for (size_t r = 0; r < rules.size(); ++r) {
        activity.rules.push_back(
            ReadRule(*rules[r], where + " rule " + std::to_string(r + 1), earned_here));
      }
      plan_.activities.push_back(std::move(activity));
    }
  }

  core::Rule ReadRule(const toml::table& t, const std::string& rule_where,
                      std::vector<std::string>& earned_here) {
    const std::string kind = RequireString(t, "kind", rule_where);
    const std::string where = rule_where + " (" + kind + ")";
    core::Rule rule;
    if (kind == "referral") {
      CheckKeys(t, {"kind", "earned", "generation", "amount", "rate_bps", "min_rank"}, where);
      rule.kind = core::RuleKind::kReferral;
      rule.earned = AddEarned(t, where);
      rule.generation = static_cast<uint32_t>(
          OptionalInt(t, "generation", where, Unit::kCount, 1, kMaxUint32).value_or(1));
      rule.amount = ReadAmount(t, where, /*by_rank_allowed=*/true);
      rule.min_rank = OptionalRank(t, "min_rank", where);
    } else if (kind == "leader") {
      CheckKeys(t, {"kind", "earned", "amount", "rate_bps", "min_rank"}, where);
      RequirePlacement(t, where + ": a leader rule pays the buyer's team leader (见点奖)");
      rule.kind = core::RuleKind::kLeader;
      rule.earned = AddEarned(t, where);
      rule.amount = ReadAmount(t, where, /*by_rank_allowed=*/true);
      rule.min_rank = OptionalRank(t, "min_rank", where);
    } else if (kind == "differential") {
      CheckKeys(t, {"kind", "earned", "targets"}, where);
      rule.kind = core::RuleKind::kDifferential;
      rule.earned = AddEarned(t, where);
      const toml::node& targets = Require(t, "targets", where);
      rule.targets = ReadRankTable(targets, Field(where, "targets"), Unit::kFen, kMaxFen);
      // Each ancestor is paid its target less what was paid below; a falling target would owe a
      // negative amount.
      for (size_t i = 1; i < rule.targets.entries.size(); ++i) {
        if (rule.targets.entries[i].second < rule.targets.entries[i - 1].second) {
          Refuse(targets, Field(where, "targets") + " must not fall as the rank rises");
        }
      }
    } else if (kind == "peer") {
      CheckKeys(t, {"kind", "earned", "of", "rate_bps", "source_min_rank", "min_rank"}, where);
      RequirePlacement(t, where + ": a peer rule pays mentors (平级奖)");
      rule.kind = core::RuleKind::kPeer;
      rule.earned = AddEarned(t, where);
      for (const NameAt& of : ReadNames(Require(t, "of", where), Field(where, "of"))) {
        if (std::find(earned_here.begin(), earned_here.end(), of.name) == earned_here.end()) {
          Refuse(*of.node, Field(where, "of") + " names " + Quoted(of.name) +
                               ", which no earlier non-peer rule of this activity earns");
        }
        rule.of_mask |= 1u << *plan_.FindEarned(of.name);
      }
      rule.rate_bps = static_cast<core::Bps>(ReadInt(
          Require(t, "rate_bps", where), Field(where, "rate_bps"), Unit::kBps, 0, core::kWholeBps));
      rule.source_min_rank = OptionalRank(t, "source_min_rank", where);
      rule.min_rank = OptionalRank(t, "min_rank", where);
    } else if (kind == "pool") {
      CheckKeys(t, {"kind", "pool", "amount", "rate_bps"}, where);
      rule.kind = core::RuleKind::kPool;
      const toml::node& pool = Require(t, "pool", where);
      const std::string name = ReadString(pool, Field(where, "pool"));
      const auto found = std::find_if(plan_.pools.begin(), plan_.pools.end(),
                                      [&](const core::Pool& p) { return p.name == name; });
      if (found == plan_.pools.end()) {
        Refuse(pool, Field(where, "pool") + " names " + Quoted(name) +
                         ", which no [[pools]] declares (pools: " +
                         NameList(plan_.pools, [](const core::Pool& p) { return p.name; }) + ")");
      }
      rule.pool = static_cast<core::PoolId>(found - plan_.pools.begin());
      rule.amount = ReadAmount(t, where, /*by_rank_allowed=*/false);
    } else {
      Refuse(*t.get("kind"), rule_where +
                                 ": kind must be one of referral, leader, differential, "
                                 "peer, pool, not " +
                                 Quoted(kind));
    }
    if (rule.kind != core::RuleKind::kPeer && rule.kind != core::RuleKind::kPool) {
      earned_here.push_back(plan_.earned[rule.earned]);
    }
    return rule;
  }

  void RequirePlacement(const toml::table& rule, const std::string& why) const {
    if (!plan_.placement.enabled) {
      Refuse(*rule.get("kind"), why + ", which needs [placement] kind = \"chain-2plus1\"");
    }
  }

  // The rule's `earned` category, added to Plan::earned on first use.
  core::EarnedId AddEarned(const toml::table& rule, const std::string& where) {
    const std::string name = RequireString(rule, "earned", where);
    const toml::node& n = *rule.get("earned");
    if (name == "pool") {
      Refuse(n, Field(where, "earned") +
                    " = \"pool\" is kept for pool payouts at close_day; choose another name");
    }
    if (std::optional<core::EarnedId> id = plan_.FindEarned(name)) return *id;
    const size_t limit = core::kMaxEarned - (plan_.pools.empty() ? 0 : 1);
    if (plan_.earned.size() >= limit) {
      Refuse(n, "a plan has at most 16 earned categories, pool payouts included");
    }
    plan_.earned.push_back(name);
    return static_cast<core::EarnedId>(plan_.earned.size() - 1);
  }

  void ReadFund() {
    const toml::node* n = root_.get("fund");
    if (n == nullptr) return;
    const toml::table* t = n->as_table();
    if (t == nullptr) Refuse(*n, "fund must be a table, written [fund]");
    const std::string where = "[fund]";
    CheckKeys(*t, {"hold_bps", "held", "positions", "position_min_rank", "units", "unit_skus"},
              where);
    if (!plan_.placement.enabled) {
      Refuse(*t,
             "[fund] unlocks by placement positions, so it needs [placement] kind = "
             "\"chain-2plus1\"");
    }
    core::Fund& fund = plan_.fund;
    fund.hold_bps = static_cast<core::Bps>(ReadInt(
        Require(*t, "hold_bps", where), Field(where, "hold_bps"), Unit::kBps, 0, core::kWholeBps));
    for (const NameAt& held : ReadNames(Require(*t, "held", where), Field(where, "held"))) {
      const std::optional<core::EarnedId> id = plan_.FindEarned(held.name);
      // "pool" is in Plan::earned but pool payouts are credited at once, never held.
      if (!id || held.name == "pool") {
        Refuse(*held.node, "[fund]: held names " + Quoted(held.name) + ", which no rule earns");
      }
      fund.held_mask |= 1u << *id;
    }
    fund.positions = static_cast<uint32_t>(
        OptionalInt(*t, "positions", where, Unit::kCount, 1, kMaxUint32).value_or(2));
    fund.position_min_rank = OptionalRank(*t, "position_min_rank", where);
    fund.units = OptionalInt(*t, "units", where, Unit::kCount, 0, kMaxInt64).value_or(0);
    if (const toml::node* skus = t->get("unit_skus")) {
      fund.unit_skus = ReadSkus(*skus, Field(where, "unit_skus"));
    }
    if (fund.units > 0 && fund.unit_skus.empty()) {
      Refuse(*t->get("units"), "[fund]: units counts units of unit_skus, which is missing");
    }
    fund.enabled = true;
  }

  const toml::table& root_;
  std::vector<const toml::table*> rank_tables_;  // [[ranks]] in order, for the second pass
  core::Plan plan_;
};

core::Error InvalidPlan(std::string_view source_name, uint32_t line, std::string_view reason) {
  return toml_reader::RefusalError("invalid_plan", source_name, line, reason);
}

}  // namespace

core::Result<core::Plan> ParsePlan(std::string_view toml_text, std::string_view source_name) {
  core::Result<toml::table> parsed = toml_reader::ParseText(toml_text, source_name, "invalid_plan");
  if (!parsed) return parsed.error();
  const toml::table& root = *parsed;
  core::Plan plan;
  try {
    plan = PlanReader(root).Read();
  } catch (const Refusal& refusal) {
    return InvalidPlan(source_name, refusal.line, refusal.reason);
  }
  // The reader checks everything it can with a line; Validate is the model's own last word.
  if (const core::Status valid = plan.Validate(); !valid.ok()) {
    return InvalidPlan(source_name, 1, valid.error().message);
  }
  return plan;
}

core::Result<core::Plan> LoadPlanFile(const std::string& path) {
  core::Result<std::string> text = toml_reader::ReadTextFile(path, "plan_unreadable", "plan file");
  if (!text) return text.error();
  return ParsePlan(*text, path);
}

}  // namespace guanxi::plan
