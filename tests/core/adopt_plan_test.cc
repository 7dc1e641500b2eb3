// Plan versions (Engine::AdoptPlan): a new version pays the orders paid after it, orders paid before
// settle and refund exactly what they were paid, and a version that would change what members already
// hold (ranks, earned categories, pools, placement, fund, where differentials start) is refused and
// changes nothing.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "core/engine.h"
#include "plan/plan_file.h"

namespace guanxi::core {
namespace {

std::string ReadPlanText(const std::string& name) {
  std::ifstream in(std::string(GUANXI_SOURCE_DIR) + "/plans/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The text with its first `from` replaced by `to` (the test fails if `from` is absent).
std::string Edited(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

Plan Parse(const std::string& text) {
  auto plan = plan::ParsePlan(text, "test.toml");
  EXPECT_TRUE(plan.ok()) << (plan ? "" : plan.error().message);
  return plan ? *plan : Plan{};
}

TEST(AdoptPlanTest, NewRatesPayLaterOrdersAndRefundsUndoWhatWasPaid) {
  const std::string v1 = ReadPlanText("two-level.toml");
  Engine e(Parse(v1));
  const MemberId a = e.Join(kNone, nullptr).value();
  const MemberId b = e.Join(a, nullptr).value();
  const ProductId tea = e.FindProduct("tea").value();
  const OrderId first = e.PayOrder(b, tea, 1, std::nullopt, nullptr).value();
  EXPECT_EQ(e.balances(a).pending, 990);  // 10% of 99.00

  // Version 2: 20% and 10%, and a new product with an activity of its own (5% to the referrer).
  std::string v2 = Edited(v1, "rate_bps = 1000", "rate_bps = 2000");
  v2 = Edited(v2, "rate_bps = 500", "rate_bps = 1000");
  v2 += R"(
[[products]]
sku = "cup"
name = "茶杯"
price = 5000

[[activities]]
name = "cups"
skus = ["cup"]

  [[activities.rules]]
  kind = "referral"
  earned = "level1"
  generation = 1
  rate_bps = 500
)";
  Effects out;
  ASSERT_TRUE(e.AdoptPlan(Parse(v2), &out).ok());
  ASSERT_EQ(out.size(), 1u);  // the new product
  EXPECT_EQ(out[0].kind, EffectKind::kProduct);
  const ProductId cup = e.FindProduct("cup").value();
  EXPECT_EQ(e.product(cup).price, 5000);
  EXPECT_EQ(e.plan().activities[e.product_activity(cup)].name, "cups");
  EXPECT_EQ(e.plan().activities[e.product_activity(tea)].name, "distribution");

  const OrderId second = e.PayOrder(b, tea, 1, std::nullopt, nullptr).value();
  EXPECT_EQ(e.balances(a).pending, 990 + 1980);
  const OrderId third = e.PayOrder(b, cup, 2, std::nullopt, nullptr).value();
  EXPECT_EQ(e.balances(a).pending, 990 + 1980 + 500);  // 5% of 100.00

  ASSERT_TRUE(e.Refund(first, nullptr).ok());
  EXPECT_EQ(e.balances(a).pending, 1980 + 500);  // the first order's 9.90 back, not 19.80
  ASSERT_TRUE(e.Settle(second, nullptr).ok());
  EXPECT_EQ(e.balances(a).available, 1980);
  ASSERT_TRUE(e.Refund(third, nullptr).ok());
  EXPECT_EQ(e.balances(a).pending, 0);
  EXPECT_EQ(e.earned(a, e.plan().FindEarned("level1").value()), 1980);
  EXPECT_EQ(e.ledger().Sum(), 0);
}

TEST(AdoptPlanTest, ChainPlanVersionMayChangeAmountsAndLabels) {
  const std::string v1 = ReadPlanText("chain-2plus1-699.toml");
  Engine e(Parse(v1));
  ASSERT_TRUE(e.SetRank(e.Join(kNone, nullptr).value(), 2, nullptr).ok());  // L, a partner
  const MemberId a = e.Join(0, nullptr).value();
  e.PayOrder(a, e.FindProduct("pkg699").value(), 1, std::nullopt, nullptr).value();
  EXPECT_EQ(e.earned(0, e.plan().FindEarned("direct").value()), 30000);

  std::string v2 = Edited(v1, "amount = { member = 20000, partner = 30000 }", "amount = { member = 20000, partner = 35000 }");
  v2 = Edited(v2, R"(label = "合伙人")", R"(label = "联合创始人")");
  ASSERT_TRUE(e.AdoptPlan(Parse(v2), nullptr).ok());
  EXPECT_EQ(e.plan().ranks[2].label, "联合创始人");
  const MemberId b = e.Join(0, nullptr).value();
  e.PayOrder(b, e.FindProduct("pkg699").value(), 1, std::nullopt, nullptr).value();
  EXPECT_EQ(e.earned(0, e.plan().FindEarned("direct").value()), 30000 + 35000);
  EXPECT_EQ(e.ledger().Sum(), 0);
}

TEST(AdoptPlanTest, VersionsThatChangeWhatMembersHoldAreRefusedAndChangeNothing) {
  const std::string v1 = ReadPlanText("chain-2plus1-699.toml");
  struct Case {
    const char* from;
    const char* to;
    const char* field;
  };
  const Case cases[] = {
      {"directs = { rank = \"member\", count = 2 }", "directs = { rank = \"member\", count = 3 }", "ranks"},
      {"buy_any = [\"pkg699\"]", "buy_any = [\"pkg699\", \"pkg499\"]", "ranks"},
      {"hold_bps = 2000", "hold_bps = 1000", "fund"},
      {"team_from_position = 3", "team_from_position = 4", "placement"},
      {"name = \"city\"\nmin_rank = \"city\"", "name = \"city\"\nmin_rank = \"province\"", "pools"},
      {"targets = { district = 2000, city = 3000, province = 5000 }", "targets = { city = 3000, province = 5000 }",
       "activities"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.to);
    Engine e(Parse(v1));
    ASSERT_TRUE(e.SetRank(e.Join(kNone, nullptr).value(), 2, nullptr).ok());
    const MemberId a = e.Join(0, nullptr).value();
    const auto r = e.AdoptPlan(Parse(Edited(v1, c.from, c.to)), nullptr);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().code, "plan_incompatible");
    EXPECT_EQ(r.error().field, c.field);
    // Still the first version: the direct reward is the old one.
    e.PayOrder(a, e.FindProduct("pkg699").value(), 1, std::nullopt, nullptr).value();
    EXPECT_EQ(e.earned(0, e.plan().FindEarned("direct").value()), 30000);
  }
  // Another plan altogether: its ranks differ.
  Engine e(Parse(v1));
  const auto other = e.AdoptPlan(Parse(ReadPlanText("two-level.toml")), nullptr);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.error().field, "ranks");
}

}  // namespace
}  // namespace guanxi::core
