// The web console's routes (src/http/console_api.cc) on the real server: the dashboard report counts
// what happened in its period to the fen, the staff list holds staff only, a member's earnings read by
// staff are the member's own, and the shop's settings are what it was started with.
#include "http/api_fixture.h"

namespace guanxi::test {
namespace {

int64_t Int(const json::value& v, std::string_view key) { return v.at(key).as_int64(); }

TEST_F(ApiTest, DashboardReportCountsThePeriod) {
  Member a = Register("13800000001");
  Member b = Register("13800000002", &a);
  Member c = Register("13800000003", &a);
  BuyAndPay(a, "pkg699");  // a member who has bought earns from its directs' orders
  BuyAndPay(b, "pkg699");
  BuyAndPay(c, "tea", 2);

  const std::string& sales = staff_tokens_["sales"];
  auto r = client_->Get("/api/v1/admin/reports/summary", sales);
  ASSERT_EQ(r.status, 200u) << r.body;
  json::value rep = r.Json();
  const json::value& totals = rep.at("totals");
  EXPECT_EQ(Int(totals, "sales"), 2 * 69900 + 2 * 9900);
  EXPECT_EQ(Int(totals, "orders"), 3);
  EXPECT_EQ(Int(totals, "new_members"), 3);
  EXPECT_EQ(Int(totals, "refunded"), 0);
  EXPECT_EQ(rep.at("days").as_array().size(), 30u);  // the last 30 shop days by default
  // Payouts by rule are what the members earned (the wallet's "earned" map), summed.
  json::value earned_a = client_->Get("/api/v1/me/wallet", a.token).Json().at("earned");
  int64_t paid_by_rule = 0;
  for (const auto& [name, fen] : rep.at("payouts_by_rule").as_object()) {
    paid_by_rule += fen.as_int64();
    if (earned_a.as_object().contains(name)) {
      EXPECT_GE(fen.as_int64(), earned_a.at(name).as_int64()) << name;
    }
  }
  EXPECT_EQ(paid_by_rule, Int(totals, "payouts"));
  EXPECT_GT(Int(earned_a, "direct"), 0);
  EXPECT_GE(Int(totals, "payouts"), Int(earned_a, "direct"));
  // The funnel counts every member once, by rank.
  int64_t in_funnel = 0;
  for (const json::value& step : rep.at("funnel").as_array()) in_funnel += Int(step, "members");
  EXPECT_EQ(in_funnel, Int(rep, "member_count"));
  EXPECT_EQ(Int(rep, "member_count"), 3);

  // A period before any of it is empty; a period that ends before it starts is refused.
  r = client_->Get("/api/v1/admin/reports/summary?from=" + std::to_string(kStartMs - 40 * kDayMs) +
                       "&to=" + std::to_string(kStartMs - 35 * kDayMs),
                   sales);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(Int(r.Json().at("totals"), "sales"), 0);
  EXPECT_EQ(r.Json().at("days").as_array().size(), 6u);
  r = client_->Get("/api/v1/admin/reports/summary?from=" + std::to_string(kStartMs) + "&to=" +
                       std::to_string(kStartMs - kDayMs),
                   sales);
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(r.Json().at("error").at("code"), "invalid_from");
  r = client_->Get("/api/v1/admin/reports/summary?from=1&to=" + std::to_string(400 * kDayMs), sales);
  EXPECT_EQ(r.status, 400u);
}

TEST_F(ApiTest, StaffListHoldsStaffOnly) {
  Register("13800000001");
  auto r = client_->Get("/api/v1/admin/staff", owner_token_);
  ASSERT_EQ(r.status, 200u) << r.body;
  std::map<std::string, std::string> roles;
  const json::value body = r.Json();
  for (const json::value& s : body.at("items").as_array()) {
    roles[std::string(s.at("phone").as_string())] = std::string(s.at("role").as_string());
  }
  const std::map<std::string, std::string> want{
      {"owner", "owner"}, {"finance", "finance"}, {"operator", "operator"}, {"sales", "sales"}};
  EXPECT_EQ(roles, want);
}

TEST_F(ApiTest, StaffReadAMembersEarningsWithTheirWhy) {
  Member a = Register("13800000001");
  Member b = Register("13800000002", &a);
  BuyAndPay(a, "pkg699");
  BuyAndPay(b, "pkg699");
  auto own = client_->Get("/api/v1/me/earnings", a.token);
  auto staff = client_->Get("/api/v1/admin/members/" + std::to_string(a.id) + "/earnings", staff_tokens_["finance"]);
  ASSERT_EQ(own.status, 200u) << own.body;
  ASSERT_EQ(staff.status, 200u) << staff.body;
  const json::value own_body = own.Json();
  const json::value staff_body = staff.Json();
  const json::array& mine = own_body.at("items").as_array();
  const json::array& seen = staff_body.at("items").as_array();
  ASSERT_EQ(mine.size(), seen.size());
  ASSERT_FALSE(seen.empty());
  for (size_t i = 0; i < mine.size(); ++i) {
    EXPECT_EQ(mine[i].at("id"), seen[i].at("id"));
    EXPECT_EQ(mine[i].at("amount"), seen[i].at("amount"));
    // Both read the buyer by its masked phone, in Chinese (no Accept-Language), never by number.
    const std::string why(seen[i].at("why").as_string());
    EXPECT_NE(why.find("138****0002购买 1 件"), std::string::npos) << why;
    EXPECT_EQ(why.find('#'), std::string::npos) << why;
    EXPECT_EQ(mine[i].at("why"), seen[i].at("why"));
  }
  EXPECT_EQ(client_->Get("/api/v1/admin/members/999/earnings", owner_token_).status, 404u);
  EXPECT_EQ(client_->Get("/api/v1/admin/members/x/earnings", owner_token_).status, 404u);
}

TEST_F(ApiTest, RankHistoryShowsEarnedAndSetRanks) {
  Member a = Register("13800000001");
  BuyAndPay(a, "pkg699");  // fan → member, earned
  auto set = client_->Post("/api/v1/admin/members/" + std::to_string(a.id) + "/rank", R"({"rank":"partner","reason":"测试"})",
                           staff_tokens_["operator"]);
  ASSERT_EQ(set.status, 200u) << set.body;
  auto r = client_->Get("/api/v1/admin/members/" + std::to_string(a.id) + "/ranks", staff_tokens_["sales"]);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value body = r.Json();
  const json::array& items = body.at("items").as_array();
  ASSERT_EQ(items.size(), 2u) << r.body;
  EXPECT_EQ(items[0].at("from"), "fan");
  EXPECT_EQ(items[0].at("to"), "member");
  EXPECT_EQ(items[0].at("by_admin"), false);
  EXPECT_EQ(items[1].at("from"), "member");
  EXPECT_EQ(items[1].at("to"), "partner");
  EXPECT_EQ(items[1].at("by_admin"), true);
  EXPECT_EQ(client_->Get("/api/v1/admin/members/999/ranks", owner_token_).status, 404u);
  EXPECT_EQ(client_->Get("/api/v1/admin/members/" + std::to_string(a.id) + "/ranks", a.token).status, 403u);
}

TEST_F(ApiTest, ShopSettingsAreTheConfiguredOnes) {
  auto r = client_->Get("/api/v1/shop");
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value v = r.Json();
  EXPECT_EQ(Int(v, "utc_offset_minutes"), config_.utc_offset_minutes);
  EXPECT_EQ(Int(v, "withdraw_min"), config_.withdraw_min);
  EXPECT_EQ(Int(v, "withdraw_fee_bps"), config_.withdraw_fee_bps);
  EXPECT_EQ(v.at("sandbox_payments").as_bool(), config_.sandbox_payments);
}

}  // namespace
}  // namespace guanxi::test
