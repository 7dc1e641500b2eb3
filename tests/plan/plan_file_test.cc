// Plan files: the shipped plans read into the model a merchant expects, and broken plans refused
// with the line and reason an engineer needs to fix them.
#include "plan/plan_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace guanxi::plan {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

using Entries = std::vector<std::pair<core::RankId, int64_t>>;

std::string PlanPath(const std::string& file) {
  return std::string(GUANXI_SOURCE_DIR) + "/plans/" + file;
}

core::Plan MustLoad(const std::string& file) {
  const core::Result<core::Plan> plan = LoadPlanFile(PlanPath(file));
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  return plan.ok() ? *plan : core::Plan{};
}

core::Plan MustParse(const char* text) {
  const core::Result<core::Plan> plan = ParsePlan(text, "test.toml");
  EXPECT_TRUE(plan.ok()) << plan.error().message;
  return plan.ok() ? *plan : core::Plan{};
}

core::EarnedId Earned(const core::Plan& plan, std::string_view name) {
  const std::optional<core::EarnedId> id = plan.FindEarned(name);
  EXPECT_TRUE(id.has_value()) << name;
  return id.value_or(0);
}

TEST(PlanFileTest, ChainPlanHasItsRanksAndConditions) {
  const core::Plan plan = MustLoad("chain-2plus1-699.toml");
  EXPECT_EQ(plan.name, "chain-2plus1-699");
  EXPECT_EQ(plan.currency, "CNY");
  ASSERT_EQ(plan.ranks.size(), 6u);
  const std::vector<std::string> names = {"fan",      "member", "partner",
                                          "district", "city",   "province"};
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(plan.ranks[i].name, names[i]);
  EXPECT_EQ(plan.ranks[2].label, "合伙人");
  EXPECT_FALSE(plan.ranks[0].automatic());
  EXPECT_EQ(plan.ranks[1].buy_any, std::vector<std::string>{"pkg699"});
  ASSERT_TRUE(plan.ranks[2].directs.has_value());
  EXPECT_EQ(plan.ranks[2].directs->rank, 1);  // member
  EXPECT_EQ(plan.ranks[2].directs->count, 2u);
  EXPECT_FALSE(plan.ranks[2].legs.has_value());
  EXPECT_EQ(plan.ranks[3].buy_any, std::vector<std::string>{"id999"});
  ASSERT_TRUE(plan.ranks[5].legs.has_value());
  EXPECT_EQ(plan.ranks[5].legs->rank, 4);  // city
  EXPECT_EQ(plan.ranks[5].legs->count, 3u);
}

TEST(PlanFileTest, ChainPlanHasItsProductsPlacementFundAndPools) {
  const core::Plan plan = MustLoad("chain-2plus1-699.toml");
  ASSERT_EQ(plan.products.size(), 5u);
  EXPECT_EQ(plan.products[0].sku, "pkg699");
  EXPECT_EQ(plan.products[0].price, 69900);
  EXPECT_EQ(plan.products[4].sku, "id5000");
  EXPECT_EQ(plan.products[4].price, 500000);

  EXPECT_TRUE(plan.placement.enabled);
  EXPECT_EQ(plan.placement.member_rank, 1);
  EXPECT_EQ(plan.placement.partner_rank, 2);
  EXPECT_EQ(plan.placement.team_from_position, 3u);

  ASSERT_EQ(plan.pools.size(), 3u);
  EXPECT_EQ(plan.pools[0].name, "district");
  EXPECT_EQ(plan.pools[0].min_rank, 3);
  EXPECT_EQ(plan.pools[2].name, "province");
  EXPECT_EQ(plan.pools[2].min_rank, 5);

  // Pool payouts are earned as "pool", after every rule's category.
  EXPECT_EQ(plan.earned,
            (std::vector<std::string>{"direct", "team_point", "differential", "peer", "pool"}));

  EXPECT_TRUE(plan.fund.enabled);
  EXPECT_EQ(plan.fund.hold_bps, 2000);
  EXPECT_EQ(plan.fund.held_mask, (1u << Earned(plan, "direct")) | (1u << Earned(plan, "peer")));
  EXPECT_EQ(plan.fund.positions, 2u);
  EXPECT_EQ(plan.fund.position_min_rank, 2);  // partner
  EXPECT_EQ(plan.fund.units, 10);
  EXPECT_EQ(plan.fund.unit_skus, std::vector<std::string>{"pkg699"});
}

TEST(PlanFileTest, ChainPlanVip699RulesPayTheSpecAmounts) {
  const core::Plan plan = MustLoad("chain-2plus1-699.toml");
  ASSERT_EQ(plan.activities.size(), 2u);
  const core::Activity& vip = plan.activities[0];
  EXPECT_EQ(vip.name, "vip699");
  EXPECT_EQ(vip.skus, std::vector<std::string>{"pkg699"});
  EXPECT_FALSE(vip.all_products);
  ASSERT_EQ(vip.rules.size(), 7u);

  const core::Rule& direct = vip.rules[0];
  EXPECT_EQ(direct.kind, core::RuleKind::kReferral);
  EXPECT_EQ(direct.earned, Earned(plan, "direct"));
  EXPECT_EQ(direct.generation, 1u);
  EXPECT_EQ(direct.amount.kind, core::Amount::Kind::kPerUnit);
  EXPECT_EQ(direct.amount.by_rank.entries, (Entries{{1, 20000}, {2, 30000}}));
  EXPECT_EQ(direct.amount.For(/*partner*/ 2, 1, 69900), 30000);
  EXPECT_EQ(direct.amount.For(/*province*/ 5, 2, 139800), 60000);
  EXPECT_EQ(direct.amount.For(/*fan*/ 0, 1, 69900), std::nullopt);

  const core::Rule& team_point = vip.rules[1];
  EXPECT_EQ(team_point.kind, core::RuleKind::kLeader);
  EXPECT_EQ(team_point.amount.by_rank.entries, (Entries{{0, 10000}}));

  const core::Rule& differential = vip.rules[2];
  EXPECT_EQ(differential.kind, core::RuleKind::kDifferential);
  EXPECT_EQ(differential.targets.entries, (Entries{{3, 2000}, {4, 3000}, {5, 5000}}));

  const core::Rule& peer = vip.rules[3];
  EXPECT_EQ(peer.kind, core::RuleKind::kPeer);
  EXPECT_EQ(peer.earned, Earned(plan, "peer"));
  EXPECT_EQ(peer.of_mask, (1u << Earned(plan, "direct")) | (1u << Earned(plan, "team_point")));
  EXPECT_EQ(peer.rate_bps, 1000);
  EXPECT_EQ(peer.source_min_rank, 2);
  EXPECT_EQ(peer.min_rank, 2);

  for (uint8_t p = 0; p < 3; ++p) {
    const core::Rule& pool = vip.rules[4u + p];
    EXPECT_EQ(pool.kind, core::RuleKind::kPool);
    EXPECT_EQ(pool.pool, p);
    EXPECT_EQ(pool.amount.by_rank.entries, (Entries{{0, 1000}}));
  }

  const core::Activity& trial = plan.activities[1];
  EXPECT_EQ(trial.name, "trial499");
  ASSERT_EQ(trial.rules.size(), 4u);
  EXPECT_EQ(trial.rules[0].amount.by_rank.entries, (Entries{{1, 10000}, {2, 15000}}));
  EXPECT_EQ(trial.rules[3].amount.by_rank.entries, (Entries{{0, 500}}));

  EXPECT_EQ(plan.ActivityFor("pkg699"), 0);
  EXPECT_EQ(plan.ActivityFor("pkg499"), 1);
  EXPECT_EQ(plan.ActivityFor("id999"), core::kNoActivity);  // identity packages pay nothing
}

TEST(PlanFileTest, TwoLevelPaysTenAndFivePercentToEveryone) {
  const core::Plan plan = MustLoad("two-level.toml");
  EXPECT_EQ(plan.name, "two-level");
  ASSERT_EQ(plan.ranks.size(), 2u);
  EXPECT_FALSE(plan.ranks[1].automatic());  // promoters are made by set_rank
  EXPECT_FALSE(plan.placement.enabled);
  EXPECT_FALSE(plan.fund.enabled);
  EXPECT_TRUE(plan.pools.empty());
  EXPECT_EQ(plan.earned, (std::vector<std::string>{"level1", "level2"}));
  ASSERT_EQ(plan.activities.size(), 1u);
  EXPECT_TRUE(plan.activities[0].all_products);
  EXPECT_EQ(plan.ActivityFor("tea"), 0);

  const std::vector<core::Rule>& rules = plan.activities[0].rules;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].generation, 1u);
  EXPECT_EQ(rules[0].amount.kind, core::Amount::Kind::kRateOfPaid);
  EXPECT_EQ(rules[0].amount.by_rank.entries, (Entries{{0, 1000}}));
  EXPECT_EQ(rules[0].min_rank, 0);
  EXPECT_EQ(rules[1].earned, Earned(plan, "level2"));
  EXPECT_EQ(rules[1].generation, 2u);
  EXPECT_EQ(rules[1].amount.by_rank.entries, (Entries{{0, 500}}));
  // One tea at 99.00 yuan: 9.90 and 4.95.
  EXPECT_EQ(rules[0].amount.For(0, 1, 9900), 990);
  EXPECT_EQ(rules[1].amount.For(0, 1, 9900), 495);
}

TEST(PlanFileTest, UnilevelPaysThreeGenerationsOfMembers) {
  const core::Plan plan = MustLoad("unilevel-3.toml");
  EXPECT_EQ(plan.ranks[1].buy_any, std::vector<std::string>{"kit"});
  EXPECT_EQ(plan.ActivityFor("refill"), 0);
  const std::vector<core::Rule>& rules = plan.activities[0].rules;
  ASSERT_EQ(rules.size(), 3u);
  const int64_t rates[] = {1000, 500, 300};
  for (size_t i = 0; i < rules.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(rules[i].generation, i + 1);
    EXPECT_EQ(rules[i].min_rank, 1);  // member
    EXPECT_EQ(rules[i].amount.by_rank.entries, (Entries{{0, rates[i]}}));
  }
}

TEST(PlanFileTest, DefaultsAndRankTablesInRankOrder) {
  // Keys of a TOML table come back sorted by name; the table must follow rank order instead.
  const core::Plan plan = MustParse(R"(name = "small"
[[ranks]]
name = "zero"
[[ranks]]
name = "b_second"
[[ranks]]
name = "a_third"
[[products]]
sku = "x"
price = 100
[[activities]]
name = "all"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = { a_third = 30, b_second = 20 }
)");
  EXPECT_EQ(plan.currency, "CNY");
  EXPECT_FALSE(plan.placement.enabled);
  EXPECT_FALSE(plan.fund.enabled);
  EXPECT_EQ(plan.products[0].name, "");
  ASSERT_EQ(plan.activities.size(), 1u);
  const core::Rule& rule = plan.activities[0].rules[0];
  EXPECT_EQ(rule.generation, 1u);
  EXPECT_EQ(rule.min_rank, 0);
  EXPECT_EQ(rule.amount.by_rank.entries, (Entries{{1, 20}, {2, 30}}));
}

TEST(PlanFileTest, PlacementNoneIsDisabled) {
  const core::Plan plan = MustParse(R"(name = "p"
currency = "USD"
[[ranks]]
name = "guest"
[placement]
kind = "none"
)");
  EXPECT_EQ(plan.currency, "USD");
  EXPECT_FALSE(plan.placement.enabled);
}

TEST(PlanFileTest, UnreadableFileIsNotAnInvalidPlan) {
  const core::Result<core::Plan> plan = LoadPlanFile(PlanPath("no-such-plan.toml"));
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().code, "plan_unreadable");
  EXPECT_THAT(plan.error().message, HasSubstr("no-such-plan.toml"));

  const core::Result<core::Plan> dir = LoadPlanFile(std::string(GUANXI_SOURCE_DIR) + "/plans");
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.error().code, "plan_unreadable");
}

struct BadPlan {
  const char* name;
  const char* toml;
  uint32_t line;
  const char* reason;
};

// Each plan is wrong in one place; the error must name that line and say what is wrong.
constexpr BadPlan kBadPlans[] = {
    {"syntax error", R"(name = "x"
[[ranks]]
name = "fan
)",
     3, "string"},
    {"duplicate key is a syntax error", R"(name = "x"
[[ranks]]
name = "fan"
name = "member"
)",
     4, "redefine"},
    {"missing plan name", R"(currency = "CNY"
[[ranks]]
name = "fan"
)",
     1, "name is required"},
    {"unknown top-level key", R"(name = "x"
comission = 3
[[ranks]]
name = "fan"
)",
     2, "unknown key 'comission' in the top level"},
    {"unknown key in a rank", R"(name = "x"
[[ranks]]
name = "fan"
lable = "粉丝"
)",
     4, "unknown key 'lable' in [[ranks]]"},
    {"no ranks", R"(name = "x"
)",
     1, "at least one [[ranks]]"},
    {"ranks as a single table", R"(name = "x"
[ranks]
name = "fan"
)",
     2, "written [[ranks]]"},
    {"rank without a name", R"(name = "x"
[[ranks]]
name = "fan"

[[ranks]]
label = "会员"
)",
     5, "rank 2: name is required"},
    {"rank name with capitals", R"(name = "x"
[[ranks]]
name = "Fan"
)",
     3, "lower-case letters"},
    {"rank declared twice", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "fan"
)",
     5, "declared twice"},
    {"first rank with a condition", R"(name = "x"
[[products]]
sku = "kit"
price = 100
[[ranks]]
name = "fan"
buy_any = ["kit"]
)",
     7, "first rank"},
    {"undeclared sku in buy_any", R"(name = "x"
[[products]]
sku = "kit"
price = 100
[[ranks]]
name = "fan"
[[ranks]]
name = "member"
buy_any = [
  "kit",
  "kti",
]
)",
     11, "\"kti\", which no [[products]] declares"},
    {"unknown rank in directs", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "partner"
directs = { rank = "memebr", count = 2 }
)",
     6, "names no rank: \"memebr\""},
    {"directs count of zero", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "partner"
directs = { rank = "fan", count = 0 }
)",
     6, "directs.count must be ≥ 1, not 0"},
    {"unknown key in directs", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "partner"
directs = { rank = "fan", cnt = 2 }
)",
     6, "unknown key 'cnt'"},
    {"float price", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 99.00
)",
     6, "amounts are integers in fen"},
    {"negative price", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = -1
)",
     6, "price must be ≥ 0"},
    {"price beyond 10^10 fen", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 10_000_000_001
)",
     6, "price must be at most 10000000000"},
    {"missing price", R"(name = "x"
[[ranks]]
name = "fan"

[[products]]
sku = "tea"
)",
     5, "price is required"},
    {"duplicate sku", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[products]]
sku = "tea"
price = 200
)",
     8, "sku \"tea\" is declared twice"},
    {"typo in a rule key", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  ammount = 100
)",
     13, "unknown key 'ammount'"},
    {"key of another rule kind", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = 100
  targets = { fan = 1 }
)",
     14, "unknown key 'targets'"},
    {"unknown rule kind", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "bonus"
)",
     11, "kind must be one of"},
    {"unknown rank in an amount table", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "member"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = { member = 100, vip = 200 }
)",
     15, "names no rank: \"vip\""},
    {"float in an amount table", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = { fan = 2.5 }
)",
     13, "amounts are integers in fen"},
    {"rate_bps above 100%", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  rate_bps = 10001
)",
     13, "rate_bps must be between 0 and 10000, not 10001"},
    {"float rate_bps", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  rate_bps = 10.5
)",
     13, "rates are integers in bps"},
    {"amount and rate_bps together", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = 100
  rate_bps = 1000
)",
     14, "not both"},
    {"referral without an amount", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true

  [[activities.rules]]
  kind = "referral"
  earned = "direct"
)",
     11, "amount (fen per unit) or rate_bps (of the paid amount) is required"},
    {"generation zero", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  generation = 0
  amount = 100
)",
     13, "generation must be ≥ 1, not 0"},
    {"earned named pool", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "pool"
  amount = 100
)",
     12, "kept for pool payouts"},
    {"activity naming no product", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100

[[activities]]
name = "a"
)",
     8, "applies to no product"},
    {"sku in two activities", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
skus = ["tea"]
[[activities]]
name = "b"
skus = ["tea"]
)",
     12, "already belongs to activity \"a\""},
    {"two all_products activities", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
[[activities]]
name = "b"
all_products = true
)",
     12, "only one activity may have all_products"},
    {"undeclared sku in an activity", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
skus = ["coffee"]
)",
     9, "\"coffee\", which no [[products]] declares"},
    {"leader rule without placement", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "leader"
  earned = "team_point"
  amount = 100
)",
     11, "needs [placement]"},
    {"peer of an unknown earned", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "member"
[[ranks]]
name = "partner"
[placement]
kind = "chain-2plus1"
member_rank = "member"
partner_rank = "partner"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = 100
  [[activities.rules]]
  kind = "peer"
  earned = "peer"
  of = ["direct",
        "drect"]
  rate_bps = 1000
)",
     26, "of names \"drect\", which no earlier non-peer rule"},
    {"peer of a later rule", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "member"
[[ranks]]
name = "partner"
[placement]
kind = "chain-2plus1"
member_rank = "member"
partner_rank = "partner"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "peer"
  earned = "peer"
  of = ["direct"]
  rate_bps = 1000
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = 100
)",
     21, "no earlier non-peer rule"},
    {"differential without targets", R"(name = "x"
[[ranks]]
name = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true

  [[activities.rules]]
  kind = "differential"
  earned = "differential"
)",
     11, "targets is required"},
    {"differential target falling", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "vip1"
[[ranks]]
name = "vip2"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "differential"
  earned = "differential"
  targets = { vip1 = 3000, vip2 = 2000 }
)",
     17, "must not fall"},
    {"undeclared pool", R"(name = "x"
[[ranks]]
name = "fan"
[[pools]]
name = "city"
min_rank = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "pool"
  pool = "cty"
  amount = 100
)",
     15, "\"cty\", which no [[pools]] declares"},
    {"pool amount by rank", R"(name = "x"
[[ranks]]
name = "fan"
[[pools]]
name = "city"
min_rank = "fan"
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "pool"
  pool = "city"
  amount = { fan = 100 }
)",
     16, "one number here"},
    {"pool without min_rank", R"(name = "x"
[[ranks]]
name = "fan"

[[pools]]
name = "city"
)",
     5, "min_rank is required"},
    {"placement kind typo", R"(name = "x"
[[ranks]]
name = "fan"
[placement]
kind = "chain-2+1"
)",
     5, "kind must be \"chain-2plus1\" or \"none\""},
    {"placement member_rank is the first rank", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "partner"
[placement]
kind = "chain-2plus1"
member_rank = "fan"
partner_rank = "partner"
)",
     8, "above the first rank"},
    {"placement none with ranks", R"(name = "x"
[[ranks]]
name = "fan"
[placement]
kind = "none"
member_rank = "fan"
)",
     6, "unknown key 'member_rank'"},
    {"fund without placement", R"(name = "x"
[[ranks]]
name = "fan"

[fund]
hold_bps = 2000
held = ["direct"]
)",
     5, "needs [placement]"},
    {"fund held names no earned", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "member"
[[ranks]]
name = "partner"
[placement]
kind = "chain-2plus1"
member_rank = "member"
partner_rank = "partner"
[fund]
hold_bps = 2000
held = ["direct", "peer"]
[[products]]
sku = "tea"
price = 100
[[activities]]
name = "a"
all_products = true
  [[activities.rules]]
  kind = "referral"
  earned = "direct"
  amount = 100
)",
     14, "held names \"peer\", which no rule earns"},
    {"fund hold as a float percentage", R"(name = "x"
[[ranks]]
name = "fan"
[[ranks]]
name = "member"
[[ranks]]
name = "partner"
[placement]
kind = "chain-2plus1"
member_rank = "member"
partner_rank = "partner"
[fund]
hold_bps = 0.2
held = ["direct"]
)",
     13, "rates are integers in bps"},
    {"currency not a code", R"(name = "x"
currency = "rmb"
[[ranks]]
name = "fan"
)",
     2, "ISO 4217"},
};

TEST(PlanFileTest, BadPlansAreRefusedWithTheirLine) {
  for (const BadPlan& bad : kBadPlans) {
    SCOPED_TRACE(bad.name);
    const core::Result<core::Plan> plan = ParsePlan(bad.toml, "bad.toml");
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().code, "invalid_plan");
    EXPECT_THAT(plan.error().message, StartsWith("bad.toml:" + std::to_string(bad.line) + ": "));
    EXPECT_THAT(plan.error().message, HasSubstr(bad.reason));
  }
}

// A one-letter typo in the real chain plan is refused at its own line, not the table's.
TEST(PlanFileTest, TypoInTheShippedChainPlanNamesItsLine) {
  std::ifstream in(PlanPath("chain-2plus1-699.toml"));
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  const std::string leader_amount = "  amount = 10000\n";
  const size_t at = text.find(leader_amount);
  ASSERT_NE(at, std::string::npos);
  const auto line =
      1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  text.replace(at, leader_amount.size(), "  ammount = 10000\n");

  const core::Result<core::Plan> plan = ParsePlan(text, "chain.toml");
  ASSERT_FALSE(plan.ok());
  EXPECT_THAT(plan.error().message, StartsWith("chain.toml:" + std::to_string(line) + ": "));
  EXPECT_THAT(plan.error().message, HasSubstr("unknown key 'ammount'"));
}

}  // namespace
}  // namespace guanxi::plan
