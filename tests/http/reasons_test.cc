// Sensitive actions ask for a reason (issue 19): a rank change, a rebind, approving or rejecting a
// refund, paying or rejecting a withdrawal and a plan upload are refused without one (400 naming
// "reason") and change nothing; with one they are done and the audit entry keeps it. A rejected
// refund's note reaches the member's order. The audit log reads in the reader's language: action,
// operator, target and before → after in yuan, never "#id" or "day:…".
#include <regex>

#include "http/api_fixture.h"

namespace guanxi::test {
namespace {

using verb = boost::beast::http::verb;

int64_t Int(const json::value& v, std::string_view key) { return v.at(key).as_int64(); }

class ReasonsTest : public ApiTest {
 protected:
  // a with two directs who bought the package (a: 2 × 20000 direct), settled: 32000 available.
  void SetUpMoney() {
    a_ = Register("13800000001");
    b_ = Register("13800000002", &a_);
    d_ = Register("13800000004", &a_);
    fan_ = Register("13800000009", &a_);  // registered, never buys: may be rebound
    BuyAndPay(a_, "pkg699");
    const int64_t ob = BuyAndPay(b_, "pkg699");
    const int64_t od = BuyAndPay(d_, "pkg699");
    for (int64_t id : {ob, od}) {
      ASSERT_EQ(Post("/api/v1/admin/orders/" + std::to_string(id) + "/ship", R"({"tracking":"SF1"})", "operator").status,
                200u);
    }
    clock_.Advance(8 * kDayMs);
    ASSERT_TRUE(shop_->RunScheduler().ok());
    clock_.Advance(8 * kDayMs);
    ASSERT_TRUE(shop_->RunScheduler().ok());
  }

  HttpResponse Post(const std::string& path, const std::string& body, const std::string& role) {
    return client_->Post(path, body, role == "owner" ? owner_token_ : staff_tokens_[role]);
  }

  json::value Audit(const std::string& lang = "zh-CN,zh;q=0.9", int limit = 50) {
    auto r = client_->Request(verb::get, "/api/v1/admin/audit?limit=" + std::to_string(limit), {}, owner_token_,
                              {{"Accept-Language", lang}});
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.Json();
  }
  // The newest audit entry of `action`, or null.
  json::value Latest(const std::string& action) {
    const json::value log = Audit();
    for (const json::value& e : log.at("items").as_array()) {
      if (e.at("action") == action.c_str()) return e;
    }
    return nullptr;
  }

  std::string RankOf(int64_t member) {
    return std::string(client_->Get("/api/v1/admin/members/" + std::to_string(member), owner_token_).Json().at("rank").as_string());
  }
  json::value ReferrerOf(int64_t member) {
    return client_->Get("/api/v1/admin/members/" + std::to_string(member), owner_token_).Json().at("referrer");
  }
  std::string OrderStatus(const Member& m, int64_t order) {
    return std::string(client_->Get("/api/v1/orders/" + std::to_string(order), m.token).Json().at("status").as_string());
  }
  std::string WithdrawalStatus(int64_t id) {
    const json::value list = client_->Get("/api/v1/admin/withdrawals?status=", owner_token_).Json();
    for (const json::value& w : list.at("items").as_array()) {
      if (Int(w, "id") == id) return std::string(w.at("status").as_string());
    }
    return "";
  }
  int64_t PlanVersion() { return Int(client_->Get("/api/v1/admin/plan", owner_token_).Json(), "version"); }

  Member a_, b_, d_, fan_;
};

void ExpectReasonRefused(const HttpResponse& r, const char* code) {
  EXPECT_EQ(r.status, 400u) << r.body;
  const json::value body = r.Json();
  EXPECT_EQ(body.at("error").at("code"), code) << r.body;
  EXPECT_EQ(body.at("error").at("field"), "reason") << r.body;
}

TEST_F(ReasonsTest, EverySensitiveActionRefusesAMissingReasonAndChangesNothing) {
  SetUpMoney();
  const int64_t tea = BuyAndPay(b_, "tea");
  ASSERT_EQ(client_->Post("/api/v1/orders/" + std::to_string(tea) + "/refund", R"({"reason":"不想要了"})", b_.token).status,
            200u);
  auto w1 = client_->Post("/api/v1/me/withdrawals", R"({"amount":10000})", a_.token);
  ASSERT_EQ(w1.status, 201u) << w1.body;
  auto w2 = client_->Post("/api/v1/me/withdrawals", R"({"amount":5000})", a_.token);
  ASSERT_EQ(w2.status, 201u) << w2.body;
  const int64_t wid1 = Int(w1.Json(), "id"), wid2 = Int(w2.Json(), "id");
  const std::string rank = RankOf(b_.id);
  ASSERT_NE(rank, "partner");
  const int64_t version = PlanVersion();
  const std::string toml = json::serialize(json::value(plan_));
  const std::string id = std::to_string(b_.id), fan = std::to_string(fan_.id), order = std::to_string(tea);

  struct Case {
    std::string path, body, role;
  };
  const Case cases[] = {
      {"/api/v1/admin/members/" + id + "/rank", R"({"rank":"partner")", "operator"},
      {"/api/v1/admin/members/" + fan + "/rebind", R"({"referrer":)" + std::to_string(d_.id), "operator"},
      {"/api/v1/admin/orders/" + order + "/refund", "{", "finance"},
      {"/api/v1/admin/orders/" + order + "/refund/reject", R"({"note":"已拆封")", "finance"},
      {"/api/v1/admin/withdrawals/" + std::to_string(wid1) + "/pay", R"({"reference":"BANK-1")", "finance"},
      {"/api/v1/admin/withdrawals/" + std::to_string(wid2) + "/reject", R"({"note":"户名不符")", "finance"},
      {"/api/v1/admin/plan", R"({"toml":)" + toml + R"(,"lint_shown":["entry_fee"])", "operator"},
  };
  const auto with = [](const std::string& open, const std::string& more) {
    return open + (open.size() > 1 && !more.empty() ? "," : "") + more + "}";
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    ExpectReasonRefused(Post(c.path, with(c.body, ""), c.role), "missing_field");
    ExpectReasonRefused(Post(c.path, with(c.body, R"("reason":null)"), c.role), "missing_field");
    ExpectReasonRefused(Post(c.path, with(c.body, R"("reason":" 　 ")"), c.role), "missing_field");
    ExpectReasonRefused(Post(c.path, with(c.body, R"("reason":42)"), c.role), "invalid_reason");
    std::string long_reason;
    for (int i = 0; i < 201; ++i) long_reason += "字";
    ExpectReasonRefused(Post(c.path, with(c.body, R"("reason":")" + long_reason + "\""), c.role), "invalid_reason");
  }
  // Nothing changed.
  EXPECT_EQ(RankOf(b_.id), rank);
  EXPECT_EQ(Int(ReferrerOf(fan_.id), "id"), a_.id);
  EXPECT_EQ(OrderStatus(b_, tea), "refund_requested");
  EXPECT_EQ(WithdrawalStatus(wid1), "requested");
  EXPECT_EQ(WithdrawalStatus(wid2), "requested");
  EXPECT_EQ(PlanVersion(), version);
  for (const char* action : {"set_rank", "rebind", "refund_order", "reject_refund", "withdrawal_paid",
                             "withdrawal_rejected", "plan_uploaded"}) {
    EXPECT_TRUE(Latest(action).is_null()) << action;
  }

  // With a reason (200 characters is the most), each is done and its audit entry keeps the reason.
  std::string longest;
  for (int i = 0; i < 200; ++i) longest += "理";
  const std::string reasons[] = {longest, "推荐人填错了", "商品破损", "已拆封不退", "已核对", "户名不符", "春季活动"};
  const char* actions[] = {"set_rank", "rebind", "refund_order", "reject_refund", "withdrawal_paid",
                           "withdrawal_rejected", "plan_uploaded"};
  // Approving and rejecting the same request: the rejection first (an approved refund is closed).
  const size_t order_of[] = {0, 1, 3, 2, 4, 5, 6};
  for (size_t k : order_of) {
    const Case& c = cases[k];
    SCOPED_TRACE(c.path);
    const std::string reason = reasons[k];
    auto r = Post(c.path, with(c.body, R"("reason":)" + json::serialize(json::value(reason))), c.role);
    EXPECT_LT(r.status, 300u) << r.body;
    const json::value entry = Latest(actions[k]);
    ASSERT_FALSE(entry.is_null()) << actions[k];
    EXPECT_EQ(entry.at("detail").at("reason"), reason.c_str());
    EXPECT_EQ(entry.at("reason"), reason.c_str());
    if (k == 3 && r.status == 200) {  // the rejection put the order back; ask again for the approval
      ASSERT_EQ(client_->Post("/api/v1/orders/" + order + "/refund", R"({"reason":"还是想退"})", b_.token).status, 200u);
    }
  }
  EXPECT_EQ(RankOf(b_.id), "partner");
  EXPECT_EQ(Int(ReferrerOf(fan_.id), "id"), d_.id);
  EXPECT_EQ(OrderStatus(b_, tea), "refunded");
  EXPECT_EQ(WithdrawalStatus(wid1), "paid");
  EXPECT_EQ(WithdrawalStatus(wid2), "rejected");
  EXPECT_EQ(PlanVersion(), version + 1);
  // The plan upload's entry records which lint findings the console showed.
  EXPECT_EQ(Latest("plan_uploaded").at("detail").at("lint_shown"), json::parse(R"(["entry_fee"])"));
  // The rejected withdrawal's note is what the member reads; the reason stayed in the audit entry.
  const json::value mine = client_->Get("/api/v1/me/withdrawals", a_.token).Json();
  bool seen = false;
  for (const json::value& w : mine.at("items").as_array()) {
    if (Int(w, "id") == wid2) {
      EXPECT_EQ(w.at("note"), "户名不符");
      seen = true;
    }
  }
  EXPECT_TRUE(seen);
}

TEST_F(ReasonsTest, ARejectedRefundTellsTheMemberWhy) {
  Member m = Register("13800000011");
  const int64_t tea = BuyAndPay(m, "tea");
  const std::string path = "/api/v1/orders/" + std::to_string(tea);
  ASSERT_EQ(client_->Post(path + "/refund", R"({"reason":"不想要了"})", m.token).status, 200u);
  // Only the reason: the member reads it.
  auto r = Post("/api/v1/admin/orders/" + std::to_string(tea) + "/refund/reject", R"({"reason":"已超过退货期限"})", "finance");
  ASSERT_EQ(r.status, 200u) << r.body;
  json::value order = client_->Get(path, m.token).Json();
  EXPECT_EQ(order.at("status"), "paid");
  EXPECT_EQ(order.at("refund_note"), "已超过退货期限");
  // Asked again, the old answer is gone until the new one comes.
  ASSERT_EQ(client_->Post(path + "/refund", R"({"reason":"包装破损"})", m.token).status, 200u);
  order = client_->Get(path, m.token).Json();
  EXPECT_EQ(order.at("status"), "refund_requested");
  EXPECT_EQ(order.as_object().if_contains("refund_note"), nullptr) << order;
  // A note for the member and a reason for the log.
  r = Post("/api/v1/admin/orders/" + std::to_string(tea) + "/refund/reject",
           R"({"note":"请联系客服换货","reason":"照片显示包装完好"})", "operator");
  ASSERT_EQ(r.status, 200u) << r.body;
  order = client_->Get(path, m.token).Json();
  EXPECT_EQ(order.at("refund_note"), "请联系客服换货");
  const json::value entry = Latest("reject_refund");
  EXPECT_EQ(entry.at("detail").at("reason"), "照片显示包装完好");
  EXPECT_EQ(entry.at("detail").at("note"), "请联系客服换货");
}

// Every string a person reads in an entry (not the raw fields kept beside them).
std::string Readable(const json::value& e) {
  std::string out = std::string(e.at("action_label").as_string()) + " | " + std::string(e.at("actor_name").as_string()) +
                    " | " + std::string(e.at("target_label").as_string());
  for (const json::value& c : e.at("changes").as_array()) {
    out += " | " + std::string(c.at("field_label").as_string()) + ": " + std::string(c.at("before").as_string()) + " → " +
           std::string(c.at("after").as_string());
  }
  return out;
}

TEST_F(ReasonsTest, TheAuditLogReadsInTheReadersLanguage) {
  SetUpMoney();
  // A product created at ¥168.00 and edited to ¥158.00, with a partner's price.
  ASSERT_EQ(Post("/api/v1/admin/products",
                 R"({"sku":"honey","name":"枣花蜂蜜","price":16800,"stock":10,"member_prices":{"partner":12800}})",
                 "operator")
                .status,
            201u);
  ASSERT_EQ(client_->Request(verb::put, "/api/v1/admin/products/honey", R"({"price":15800,"member_prices":{"partner":11800}})",
                             staff_tokens_["operator"])
                .status,
            200u);
  ASSERT_EQ(Post("/api/v1/admin/members/" + std::to_string(b_.id) + "/rank", R"({"rank":"partner","reason":"线下签约"})",
                 "operator")
                .status,
            200u);
  ASSERT_EQ(Post("/api/v1/admin/members/" + std::to_string(fan_.id) + "/rebind",
                 R"({"referrer":)" + std::to_string(b_.id) + R"(,"reason":"推荐人填错了"})", "operator")
                .status,
            200u);
  const int64_t tea = BuyAndPay(d_, "tea");
  ASSERT_EQ(Post("/api/v1/admin/orders/" + std::to_string(tea) + "/refund", R"({"reason":"缺货"})", "finance").status, 200u);
  auto w = client_->Post("/api/v1/me/withdrawals", R"({"amount":10000})", a_.token);
  ASSERT_EQ(w.status, 201u) << w.body;
  ASSERT_EQ(Post("/api/v1/admin/withdrawals/" + std::to_string(Int(w.Json(), "id")) + "/pay",
                 R"({"reference":"BANK-9","reason":"已核对户名"})", "finance")
                .status,
            200u);
  auto closed = Post("/api/v1/admin/close-day", "", "finance");
  ASSERT_EQ(closed.status, 200u) << closed.body;

  const json::value log = Audit();
  std::map<std::string, json::value> by_action;
  for (const json::value& e : log.at("items").as_array()) {
    const std::string readable = Readable(e);
    SCOPED_TRACE(readable);
    EXPECT_EQ(readable.find('#'), std::string::npos);
    EXPECT_EQ(readable.find("day:"), std::string::npos);
    EXPECT_EQ(readable.find("order:"), std::string::npos);
    EXPECT_EQ(readable.find("member:"), std::string::npos);
    EXPECT_NE(e.at("action_label"), e.at("action"));  // every action has its words
    by_action.emplace(std::string(e.at("action").as_string()), e);  // the newest of each
  }
  const auto change = [](const json::value& e, size_t i) {
    const json::value& c = e.at("changes").at(i);
    return std::string(c.at("field_label").as_string()) + ": " + std::string(c.at("before").as_string()) + " → " +
           std::string(c.at("after").as_string());
  };
  const json::value& edit = by_action.at("edit_product");
  EXPECT_EQ(edit.at("action_label"), "编辑商品");
  EXPECT_EQ(edit.at("actor_name"), "operator");  // the staff's name
  EXPECT_EQ(edit.at("target_label"), "枣花蜂蜜");
  ASSERT_EQ(edit.at("changes").as_array().size(), 2u) << edit;
  EXPECT_EQ(change(edit, 0), "价格: ¥168.00 → ¥158.00");
  EXPECT_EQ(change(edit, 1), "会员价·合伙人: ¥128.00 → ¥118.00");
  const json::value& created = by_action.at("create_product");
  EXPECT_EQ(created.at("action_label"), "新建商品");
  EXPECT_EQ(change(created, 1), "价格:  → ¥168.00");

  const json::value& rank = by_action.at("set_rank");
  EXPECT_EQ(rank.at("action_label"), "调整等级");
  EXPECT_EQ(rank.at("target_label"), "138****0002");
  EXPECT_EQ(rank.at("reason"), "线下签约");
  EXPECT_EQ(change(rank, 0), "等级: 会员体验官 → 合伙人") << rank;

  const json::value& rebind = by_action.at("rebind");
  EXPECT_EQ(rebind.at("action_label"), "改绑推荐人");
  EXPECT_EQ(rebind.at("target_label"), "138****0009");
  EXPECT_EQ(change(rebind, 0), "推荐人: 138****0001 → 138****0002");

  const json::value& refund = by_action.at("refund_order");
  EXPECT_EQ(refund.at("action_label"), "同意退款");
  EXPECT_EQ(refund.at("actor_name"), "finance");
  EXPECT_TRUE(std::regex_match(std::string(refund.at("target_label").as_string()), std::regex("订单 \\d{14}")))
      << refund.at("target_label");
  EXPECT_EQ(change(refund, 0), "状态: 待发货 → 已退款");

  const json::value& paid = by_action.at("withdrawal_paid");
  EXPECT_EQ(paid.at("action_label"), "确认打款");
  EXPECT_TRUE(std::regex_match(std::string(paid.at("target_label").as_string()),
                               std::regex("138\\*\\*\\*\\*0001 的提现 ¥100\\.00（\\d{4}-\\d{2}-\\d{2}）")))
      << paid.at("target_label");
  EXPECT_EQ(change(paid, 0), "状态: 待审核 → 已打款");

  const json::value& day = by_action.at("close_day");
  EXPECT_EQ(day.at("action_label"), "日结");
  EXPECT_TRUE(std::regex_match(std::string(day.at("target_label").as_string()), std::regex("营业日 \\d{4}-\\d{2}-\\d{2}")))
      << day.at("target_label");

  const json::value& staff = by_action.at("create_staff");
  EXPECT_EQ(staff.at("action_label"), "新建员工");
  EXPECT_EQ(staff.at("actor_name"), "owner");  // the owner has no name: its login

  // In English on request.
  const json::value en = Audit("en-US,en;q=0.9");
  for (const json::value& e : en.at("items").as_array()) {
    if (e.at("action") == "edit_product") {
      EXPECT_EQ(e.at("action_label"), "Product edited");
      EXPECT_EQ(change(e, 0), "price: ¥168.00 → ¥158.00");
      break;
    }
  }
}

}  // namespace
}  // namespace guanxi::test
