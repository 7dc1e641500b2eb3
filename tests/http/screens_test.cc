// What the screens of issue 19 show, checked on the real server: the dashboard's sales net of refunds
// and commissions net of claw-backs, where commissions stand (pending vs settled) and the to-do counts,
// to the fen; the ledger's business days as shop days, the same as the close-day reply's; my team's
// three counts, each equal to the length of the list it opens (worked example 2 of the spec); and the
// price each viewer is shown is the price its order is charged.
#include <set>

#include "http/api_fixture.h"
#include "service/clock.h"

namespace guanxi::test {
namespace {

int64_t Int(const json::value& v, std::string_view key) { return v.at(key).as_int64(); }

json::value Balances(HttpClient& client, const std::string& token) {
  return client.Get("/api/v1/me/wallet", token).Json().at("balances");
}

// A paid pkg699 under a member pays that member its direct reward (20000 fen at rank "member"); after
// settlement 20% of it is held by the assistance fund (frozen). Tea pays no one.
TEST_F(ApiTest, DashboardNetsRefundsAndClawBacksToTheFen) {
  const std::string& ops = staff_tokens_["operator"];
  const std::string& finance = staff_tokens_["finance"];
  Member a = Register("13800000001");
  Member b = Register("13800000002", &a);
  Member d = Register("13800000004", &a);
  Member e = Register("13800000005", &a);
  BuyAndPay(a, "pkg699");                 // a becomes a member; no referrer, so no reward
  const int64_t ob = BuyAndPay(b, "pkg699");  // a: direct 20000
  const int64_t od = BuyAndPay(d, "pkg699");  // a: direct 20000
  for (int64_t id : {ob, od}) {
    ASSERT_EQ(client_->Post("/api/v1/admin/orders/" + std::to_string(id) + "/ship", R"({"tracking":"SF1"})", ops).status,
              200u);
  }
  clock_.Advance(8 * kDayMs);
  ASSERT_TRUE(shop_->RunScheduler().ok());  // received
  clock_.Advance(8 * kDayMs);
  ASSERT_EQ(shop_->RunScheduler().value().at("settled"), 2);
  EXPECT_EQ(Balances(*client_, a.token),
            (json::value{{"pending", 0}, {"available", 32000}, {"frozen", 8000}, {"withdrawing", 0}}));

  // A settled order refunded: its reward is clawed back (16000 from available, 4000 from frozen).
  auto refund = client_->Post("/api/v1/admin/orders/" + std::to_string(ob) + "/refund", R"({"reason":"测试"})", finance);
  ASSERT_EQ(refund.status, 200u) << refund.body;
  // a is a partner now (two directs bought the package); c buys under b, a member: b's direct 20000,
  // pending (b's own order was refunded, but refunds never change ranks).
  Member c = Register("13800000003", &b);
  BuyAndPay(c, "pkg699");
  const int64_t tea = BuyAndPay(e, "tea");
  ASSERT_EQ(client_->Post("/api/v1/orders/" + std::to_string(tea) + "/refund", R"({"reason":"不想要了"})", e.token).status,
            200u);
  // A withdrawal paid (10000) and one requested (5000).
  auto w1 = client_->Post("/api/v1/me/withdrawals", R"({"amount":10000})", a.token);
  ASSERT_EQ(w1.status, 201u) << w1.body;
  ASSERT_EQ(client_->Post("/api/v1/admin/withdrawals/" + std::to_string(Int(w1.Json(), "id")) + "/pay",
                          R"({"reference":"BANK-1","reason":"测试"})", finance)
                .status,
            200u);
  ASSERT_EQ(client_->Post("/api/v1/me/withdrawals", R"({"amount":5000})", a.token).status, 201u);
  EXPECT_EQ(Balances(*client_, a.token),
            (json::value{{"pending", 0}, {"available", 1000}, {"frozen", 4000}, {"withdrawing", 5000}}));
  EXPECT_EQ(Balances(*client_, b.token),
            (json::value{{"pending", 20000}, {"available", 0}, {"frozen", 0}, {"withdrawing", 0}}));

  auto r = client_->Get("/api/v1/admin/reports/summary", staff_tokens_["sales"]);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value rep = r.Json();
  const json::value& totals = rep.at("totals");
  EXPECT_EQ(Int(totals, "sales"), 4 * 69900 + 9900);
  EXPECT_EQ(Int(totals, "refunded"), 69900);
  EXPECT_EQ(Int(totals, "net_sales"), 3 * 69900 + 9900);
  EXPECT_EQ(Int(totals, "payouts"), 60000);
  EXPECT_EQ(Int(totals, "clawed_back"), 20000);
  EXPECT_EQ(Int(totals, "net_payouts"), 40000);
  EXPECT_EQ(Int(rep.at("payouts_by_rule"), "direct"), 60000);
  EXPECT_EQ(Int(rep.at("clawed_back_by_rule"), "direct"), 20000);
  EXPECT_EQ(Int(rep.at("net_payouts_by_rule"), "direct"), 40000);
  EXPECT_EQ(Int(rep.at("net_payouts_by_rule"), "team_point"), 0);
  // The days add up to the totals.
  int64_t net_sales = 0, net_payouts = 0, refunded = 0;
  for (const json::value& day : rep.at("days").as_array()) {
    net_sales += Int(day, "net_sales");
    net_payouts += Int(day, "net_payouts");
    refunded += Int(day, "refunded");
  }
  EXPECT_EQ(net_sales, Int(totals, "net_sales"));
  EXPECT_EQ(net_payouts, Int(totals, "net_payouts"));
  EXPECT_EQ(refunded, 69900);
  // Where the commissions stand: b's 20000 from c's order pending; the rest settled, and where it went.
  EXPECT_EQ(rep.at("commissions"), (json::value{{"pending", 20000},
                                                {"available", 1000},
                                                {"frozen", 4000},
                                                {"withdrawing", 5000},
                                                {"withdrawn", 10000},
                                                {"settled", 20000}}));
  EXPECT_EQ(Int(rep.at("commissions"), "pending") + Int(rep.at("commissions"), "settled"), Int(totals, "net_payouts"));
  // To do: a's and c's orders to ship (the others shipped, refunded or asked back), e's refund
  // request, a's second withdrawal.
  EXPECT_EQ(rep.at("todo"), (json::value{{"to_ship", 2}, {"refund_requests", 1}, {"withdrawals_to_pay", 1}}));
  // Each count is its list's length, as the console opens it.
  EXPECT_EQ(client_->Get("/api/v1/admin/orders?status=paid", ops).Json().at("items").as_array().size(), 2u);
  EXPECT_EQ(client_->Get("/api/v1/admin/orders?status=refund_requested", ops).Json().at("items").as_array().size(), 1u);
  EXPECT_EQ(client_->Get("/api/v1/admin/withdrawals?status=requested", finance).Json().at("items").as_array().size(),
            1u);

  // A period after the sales but holding the refund: the refund lowers that period's net sales.
  const int64_t now = kStartMs + 16 * kDayMs;
  r = client_->Get("/api/v1/admin/reports/summary?from=" + std::to_string(now) + "&to=" + std::to_string(now),
                   staff_tokens_["sales"]);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value today = r.Json().at("totals");
  EXPECT_EQ(Int(today, "sales"), 69900 + 9900);  // c's and e's, paid today
  EXPECT_EQ(Int(today, "refunded"), 69900);      // b's, paid 16 days ago
  EXPECT_EQ(Int(today, "net_sales"), 9900);
  EXPECT_EQ(Int(today, "net_payouts"), 0);  // c's 20000 paid, b's 20000 taken back
}

TEST_F(ApiTest, TheLedgerShowsBusinessDaysAsTheCloseDayDoes) {
  const std::string& finance = staff_tokens_["finance"];
  const int64_t today = service::ShopDay(kStartMs, config_.utc_offset_minutes);
  ASSERT_GT(today, 20000);  // a date in this century, not day 0 or 1
  auto r = client_->Get("/api/v1/admin/ledger", finance);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(Int(r.Json(), "business_day"), today);
  EXPECT_TRUE(r.Json().at("last_closed").is_null());
  EXPECT_EQ(Int(r.Json(), "closed_days"), 0);

  auto closed = client_->Post("/api/v1/admin/close-day", "{}", finance);
  ASSERT_EQ(closed.status, 200u) << closed.body;
  EXPECT_EQ(Int(closed.Json(), "day"), today);
  r = client_->Get("/api/v1/admin/ledger", finance);
  EXPECT_EQ(r.Json().at("last_closed"), (json::value{{"day", today}, {"closed_at", kStartMs}}));
  EXPECT_EQ(Int(r.Json(), "business_day"), today);
  EXPECT_EQ(Int(r.Json(), "closed_days"), 1);

  // Two days later the scheduler closes the day in between; the current day moves on.
  clock_.Advance(2 * kDayMs);
  ASSERT_TRUE(shop_->RunScheduler().ok());
  r = client_->Get("/api/v1/admin/ledger", finance);
  EXPECT_EQ(Int(r.Json().at("last_closed"), "day"), today + 1);
  EXPECT_EQ(Int(r.Json(), "business_day"), today + 2);
  EXPECT_EQ(Int(r.Json(), "closed_days"), 2);
}

// Every member of a list, following `next` to its end.
std::vector<json::value> WholeList(HttpClient& client, const std::string& token, const std::string& scope) {
  std::vector<json::value> all;
  std::string after;
  for (int pages = 0; pages < 100; ++pages) {
    auto r = client.Get("/api/v1/me/team/members?limit=2&scope=" + scope + after, token);
    EXPECT_EQ(r.status, 200u) << r.body;
    if (r.status != 200) break;
    const json::value page = r.Json();
    for (const json::value& m : page.at("items").as_array()) all.push_back(m);
    if (!page.as_object().contains("next")) break;
    after = "&after=" + std::to_string(page.at("next").as_int64());
  }
  return all;
}

// Worked example 2 of the spec: L (partner) ← A ← B, C, D; B ← E. A becomes a partner after C's order
// and heads its own team (D); L's team keeps B, C and E.
TEST_F(ApiTest, EachTeamCountIsTheLengthOfItsList) {
  Member L = Register("13800000001");
  ASSERT_EQ(client_->Post("/api/v1/admin/members/" + std::to_string(L.id) + "/rank", R"({"rank":"partner","reason":"测试"})",
                          staff_tokens_["operator"])
                .status,
            200u);
  Member A = Register("13800000002", &L);
  BuyAndPay(A, "pkg699");
  Member B = Register("13800000003", &A);
  BuyAndPay(B, "pkg699");
  Member C = Register("13800000004", &A);
  BuyAndPay(C, "pkg699");
  Member D = Register("13800000005", &A);
  BuyAndPay(D, "pkg699");
  Member E = Register("13800000006", &B);
  BuyAndPay(E, "pkg699");

  struct Want {
    const Member* who;
    std::set<int64_t> directs, team, downline;
  };
  const Want wants[] = {
      {&L, {A.id}, {B.id, C.id, E.id}, {A.id, B.id, C.id, D.id, E.id}},
      {&A, {B.id, C.id, D.id}, {D.id}, {B.id, C.id, D.id, E.id}},
      {&B, {E.id}, {}, {E.id}},
  };
  for (const Want& w : wants) {
    SCOPED_TRACE("member " + std::to_string(w.who->id));
    auto r = client_->Get("/api/v1/me/team/counts", w.who->token);
    ASSERT_EQ(r.status, 200u) << r.body;
    const json::value counts = r.Json();
    const json::array& scopes = counts.at("scopes").as_array();
    ASSERT_EQ(scopes.size(), 3u);
    const std::map<std::string, const std::set<int64_t>*> expected{
        {"directs", &w.directs}, {"team", &w.team}, {"downline", &w.downline}};
    for (const json::value& s : scopes) {
      const std::string scope(s.at("scope").as_string());
      SCOPED_TRACE(scope);
      const std::vector<json::value> list = WholeList(*client_, w.who->token, scope);
      std::set<int64_t> ids;
      std::map<std::string, int64_t> by_rank;
      for (const json::value& m : list) {
        ids.insert(m.at("id").as_int64());
        ++by_rank[std::string(m.at("rank").as_string())];
      }
      EXPECT_EQ(ids, *expected.at(scope));
      EXPECT_EQ(Int(s, "count"), static_cast<int64_t>(list.size()));
      for (const auto& [rank, n] : s.at("by_rank").as_object()) {
        const std::string name(rank);
        EXPECT_EQ(n.as_int64(), by_rank.contains(name) ? by_rank[name] : 0) << name;
      }
    }
  }
  // The team count is the one the summary has always given (Shop::TeamByRank, the engine's team size).
  EXPECT_EQ(client_->Get("/api/v1/me/team", L.token).Json().at("team_size"), 3);
  auto l_counts = client_->Get("/api/v1/me/team/counts", L.token).Json();
  EXPECT_EQ(l_counts.at("scopes").at(2).at("by_rank"),
            (json::value{{"fan", 0}, {"member", 4}, {"partner", 1}, {"district", 0}, {"city", 0}, {"province", 0}}));
  // The old routes answer as before: no scope is the whole downline; directs has its own route.
  EXPECT_EQ(client_->Get("/api/v1/me/team/members", L.token).Json().at("items").as_array().size(), 5u);
  EXPECT_EQ(client_->Get("/api/v1/me/team/directs", A.token).Json().at("items").as_array().size(), 3u);
  // An unknown scope, or an `after` outside the list, is refused.
  auto bad = client_->Get("/api/v1/me/team/members?scope=everyone", L.token);
  EXPECT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.Json().at("error").at("field"), "scope");
  EXPECT_EQ(client_->Get("/api/v1/me/team/members?scope=team&after=" + std::to_string(A.id), L.token).status, 400u);
}

TEST_F(ApiTest, APlanWithoutTeamsHasNoTeamScope) {
  StopServer();
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  config_.db_path = FreshStore(dir_, "two-level");
  plan_ = ReadText(std::string(GUANXI_SOURCE_DIR) + "/plans/two-level.toml");
  StartServer();
  Member x = Register("13800000001");
  Member y = Register("13800000002", &x);
  Register("13800000003", &y);
  auto r = client_->Get("/api/v1/me/team/counts", x.token);
  ASSERT_EQ(r.status, 200u) << r.body;
  const json::value body = r.Json();
  const json::array& scopes = body.at("scopes").as_array();
  ASSERT_EQ(scopes.size(), 2u);
  EXPECT_EQ(scopes[0].at("scope"), "directs");
  EXPECT_EQ(Int(scopes[0], "count"), 1);
  EXPECT_EQ(scopes[1].at("scope"), "downline");
  EXPECT_EQ(Int(scopes[1], "count"), 2);
  EXPECT_EQ(client_->Get("/api/v1/me/team/members?scope=team", x.token).status, 400u);
  EXPECT_EQ(client_->Get("/api/v1/me/team/members?scope=downline", x.token).Json().at("items").as_array().size(), 2u);
}

// A product with member prices: what the shelf and the product page show each viewer is the unit price
// its order is charged.
TEST_F(ApiTest, EachViewerSeesThePriceItIsCharged) {
  auto created = client_->Post(
      "/api/v1/admin/products",
      json::serialize(json::value{{"sku", "longjing"},
                                  {"name", "龙井"},
                                  {"price", 9900},
                                  {"stock", 100},
                                  {"member_prices", {{"member", 8900}, {"partner", 7900}}}}),
      owner_token_);
  ASSERT_EQ(created.status, 201u) << created.body;
  Member fan = Register("13800000001");
  Member member = Register("13800000002");
  BuyAndPay(member, "pkg699");
  Member partner = Register("13800000003");
  ASSERT_EQ(client_->Post("/api/v1/admin/members/" + std::to_string(partner.id) + "/rank", R"({"rank":"partner","reason":"测试"})",
                          staff_tokens_["operator"])
                .status,
            200u);

  const auto shelf_price = [&](const std::string& token) -> int64_t {
    auto r = client_->Get("/api/v1/products?limit=100", token);
    EXPECT_EQ(r.status, 200u) << r.body;
    const json::value list = r.Json();
    for (const json::value& p : list.at("items").as_array()) {
      if (p.at("sku") == "longjing") return Int(p, "unit_price");
    }
    ADD_FAILURE() << "longjing is not on the shelf";
    return -1;
  };
  struct Case {
    const char* who;
    const Member* m;
    int64_t pays;
  };
  const Case cases[] = {{"fan", &fan, 9900}, {"member", &member, 8900}, {"partner", &partner, 7900}};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.who);
    auto page = client_->Get("/api/v1/products/longjing", c.m->token);
    ASSERT_EQ(page.status, 200u) << page.body;
    EXPECT_EQ(Int(page.Json(), "unit_price"), c.pays);
    EXPECT_EQ(Int(page.Json(), "member_price_from"), 7900);
    EXPECT_EQ(shelf_price(c.m->token), c.pays);
    auto order = client_->Post("/api/v1/orders", R"({"items":[{"sku":"longjing","qty":2}]})", c.m->token);
    ASSERT_EQ(order.status, 201u) << order.body;
    EXPECT_EQ(Int(order.Json().at("items").at(0), "unit_price"), c.pays);
    EXPECT_EQ(Int(order.Json(), "total"), 2 * c.pays);
  }
  // A visitor sees the list price, on the page and on the (cached) shelf, after members have looked.
  auto visitor = client_->Get("/api/v1/products/longjing");
  EXPECT_EQ(Int(visitor.Json(), "unit_price"), 9900);
  EXPECT_EQ(Int(visitor.Json(), "price"), 9900);
  EXPECT_EQ(shelf_price(""), 9900);
  EXPECT_EQ(shelf_price(""), 9900);  // the second from the catalogue cache
}

}  // namespace
}  // namespace guanxi::test
