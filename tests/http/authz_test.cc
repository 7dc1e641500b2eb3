// The authorization matrix: every route AddShopRoutes registers × every kind of caller (anonymous, the
// member a request is about, another member, owner, finance, operator, sales), over HTTP against the
// real server, with the exact status each caller gets.
//
// Each cell prepares its own target (a fresh unpaid/paid/shipped order of the subject member, a fresh
// withdrawal …) so that an allowed call acts on something in the right state and gets its success
// status, and a refused call is shown to change nothing: for refused writes the whole database and the
// ledger report are compared before and after. Refusals are 401 for anonymous callers and 403 for a
// role that may not; a member asking about another member's order gets 404 (the order's existence is
// not revealed) and staff asking for a member's own data (/me/wallet, /me/team …) get 404 (staff have
// no member) — both count as refusals here. The test fails when a route has no row, and when a row's
// callers differ from the route's `x-callers` in docs/openapi.yaml.
#include <algorithm>

#include <array>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "http/api_fixture.h"
#include "store/db.h"

namespace guanxi::test {
namespace {

enum Who : size_t { kAnon, kMember, kOther, kOwner, kFinance, kOperator, kSales, kWhoCount };
constexpr std::array<const char*, kWhoCount> kWhoNames = {"anonymous", "member", "other member", "owner",
                                                          "finance",   "operator", "sales"};

// What a caller gets: the exact status, and whether that status is a refusal.
struct Expect {
  unsigned status;
  bool deny;
};
constexpr Expect Ok{200, false};
constexpr Expect Created{201, false};
constexpr Expect Accepted{202, false};
constexpr Expect Conflict{409, false};  // past the authorization check, refused by the business rules
constexpr Expect U{401, true};          // unauthorized: no caller
constexpr Expect F{403, true};          // forbidden: the role may not
constexpr Expect H{404, true};          // hidden: not the caller's (another's order; staff on /me data)

struct Call {
  std::string target;  // path and query
  std::string body;
  Headers headers;
};

class AuthzTest;
using Prepare = std::function<Call(AuthzTest&, Who)>;

struct Row {
  verb method;
  std::string pattern;
  Prepare prepare;
  std::array<Expect, kWhoCount> expect;  // anonymous, member, other, owner, finance, operator, sales
  bool fresh_token = false;              // the call consumes the caller's token (logout): log in anew
};

std::string VerbName(verb v) { return std::string(boost::beast::http::to_string(v)); }

// Every row of every table in the database, as text (rows sorted): a refused write must leave it as
// it was.
std::string DumpDatabase(store::Db& db) {
  std::vector<std::string> tables;
  {
    store::Stmt s = db.Prepare(db.backend() == store::Backend::kSqlite
                                   ? "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                                   : "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1");
    while (s.Step()) tables.push_back(s.Text(0));
  }
  std::string out;
  for (const std::string& t : tables) {
    out += "## " + t + "\n";
    store::Stmt s = db.Prepare("SELECT * FROM \"" + t + "\"");
    std::vector<std::string> rows;
    while (s.Step()) {
      std::string row;
      for (int i = 0; i < s.Columns(); ++i) row += (s.IsNull(i) ? "NULL" : s.Text(i)) + "|";
      rows.push_back(std::move(row));
    }
    std::sort(rows.begin(), rows.end());
    for (const std::string& r : rows) out += r + "\n";
  }
  return out;
}

// The lines only one of two dumps has (at most a few of each), to say what a refused call changed.
std::string LineDiff(const std::string& before, const std::string& after) {
  auto lines = [](const std::string& text) {
    std::multiset<std::string> out;
    std::istringstream in(text);
    std::string line, section;
    while (std::getline(in, line)) {
      if (line.rfind("## ", 0) == 0) section = line.substr(3);
      out.insert(section + ": " + line);
    }
    return out;
  };
  const std::multiset<std::string> b = lines(before), a = lines(after);
  std::string out;
  int shown = 0;
  for (const auto& [set, other, sign] : {std::tuple{&b, &a, "- "}, std::tuple{&a, &b, "+ "}}) {
    for (const std::string& l : *set) {
      if (other->count(l) == 0 && ++shown <= 12) out += sign + l.substr(0, 300) + "\n";
    }
  }
  return out;
}

class AuthzTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    // L, a partner, is the subject; A buys pkg699 under L, and once that settles L has money to
    // withdraw. O is another member with an order of its own.
    L_ = Register("13900000001");
    auto rank = client_->Post("/api/v1/admin/members/" + std::to_string(L_.id) + "/rank", R"({"rank":"partner","reason":"测试"})",
                              staff_tokens_["operator"]);
    ASSERT_EQ(rank.status, 200u) << rank.body;
    A_ = Register("13900000002", &L_);
    const int64_t a_order = BuyAndPay(A_, "pkg699");
    Ship(a_order);
    clock_.Advance(8 * kDayMs);
    ASSERT_TRUE(shop_->RunScheduler().ok());  // auto-confirm
    clock_.Advance(8 * kDayMs);
    auto pass = shop_->RunScheduler();  // settle
    ASSERT_TRUE(pass.ok());
    ASSERT_EQ(pass.value().at("settled"), 1);
    auto wallet = client_->Get("/api/v1/me/wallet", L_.token);
    ASSERT_EQ(wallet.status, 200u) << wallet.body;
    ASSERT_GE(wallet.Json().at("balances").at("available").as_int64(), 20 * kWithdrawal) << wallet.body;
    O_ = Register("13900000003");
    BuyAndPay(O_, "tea");

    passwords_ = {{kMember, {"13900000001", "password-13900000001"}},
                  {kOther, {"13900000003", "password-13900000003"}},
                  {kOwner, {"owner", "owner-password"}},
                  {kFinance, {"finance", "finance-password"}},
                  {kOperator, {"operator", "operator-password"}},
                  {kSales, {"sales", "sales-password"}}};
  }

 public:
  static constexpr int64_t kWithdrawal = 1000;  // the smallest withdrawal (10.00 yuan)

  std::string Token(Who w) {
    switch (w) {
      case kAnon: return {};
      case kMember: return L_.token;
      case kOther: return O_.token;
      case kOwner: return owner_token_;
      case kFinance: return staff_tokens_["finance"];
      case kOperator: return staff_tokens_["operator"];
      case kSales: return staff_tokens_["sales"];
      case kWhoCount: break;
    }
    return {};
  }
  std::string FreshToken(Who w) {
    if (w == kAnon) return {};
    return Login(passwords_[w].first, passwords_[w].second);
  }

  // ---- targets, each made fresh for the cell that uses it ----
  int64_t UnpaidOrder() {
    auto r = client_->Post("/api/v1/orders", R"({"items":[{"sku":"tea","qty":1}]})", L_.token);
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.status == 201 ? r.Json().at("id").as_int64() : -1;
  }
  int64_t PaidOrder() { return BuyAndPay(L_, "tea"); }
  void Ship(int64_t order) {
    auto r = client_->Post("/api/v1/admin/orders/" + std::to_string(order) + "/ship", R"({"tracking":"SF1"})",
                           staff_tokens_["operator"]);
    EXPECT_EQ(r.status, 200u) << r.body;
  }
  int64_t ShippedOrder() {
    const int64_t id = PaidOrder();
    Ship(id);
    return id;
  }
  int64_t RefundRequestedOrder() {
    const int64_t id = PaidOrder();
    auto r = client_->Post("/api/v1/orders/" + std::to_string(id) + "/refund", R"({"reason":"changed my mind"})",
                           L_.token);
    EXPECT_EQ(r.status, 200u) << r.body;
    return id;
  }
  std::string Intent(int64_t order) {
    auto r = client_->Post("/api/v1/orders/" + std::to_string(order) + "/pay", "{}", L_.token);
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? std::string(r.Json().at("intent").as_string()) : std::string();
  }
  int64_t Withdrawal() {
    auto r = client_->Post("/api/v1/me/withdrawals", json::serialize(json::value{{"amount", kWithdrawal}}), L_.token);
    EXPECT_EQ(r.status, 201u) << r.body;
    return r.status == 201 ? r.Json().at("id").as_int64() : -1;
  }
  std::string Unique(const char* prefix) { return prefix + std::to_string(++counter_); }
  const std::string& plan_source() const { return plan_; }
  std::string UniquePhone() { return std::to_string(13700000000 + ++counter_); }
  int64_t member_id() const { return L_.id; }
  const std::string& invite_code() const { return L_.invite_code; }
  int64_t Fan() { return Register(UniquePhone()).id; }
  void AdvanceDay() { clock_.Advance(kDayMs); }
  void ExpectPaidSoon(int64_t order) { last_sandbox_order_ = order; }

  // A scenario that runs in milliseconds, for the designer's simulation routes.
  static std::string TinySimulation() {
    return json::serialize(json::value{
        {"scenario",
         "name = \"authz\"\ndays = 3\nmax_members = 20\n[invite]\ndaily_bps = 5000\n"
         "[package]\nsku = \"pkg699\"\nbuy_bps = 5000\n"}});
  }
  // Waits (bounded) until no simulation runs, so that the next start is not refused as too many.
  void WaitForSimulations() {
    for (int i = 0; i < 1000; ++i) {
      auto r = client_->Get("/api/v1/admin/designer/simulations", owner_token_);
      const json::value list = r.Json();
      bool running = false;
      for (const json::value& job : list.at("items").as_array()) running = running || job.at("state") == "running";
      if (!running) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "a simulation is still running";
  }
  // A finished simulation, started by the owner once.
  int64_t FinishedSimulation() {
    if (simulation_ < 0) {
      WaitForSimulations();
      auto r = client_->Post("/api/v1/admin/designer/simulations", TinySimulation(), owner_token_);
      EXPECT_EQ(r.status, 202u) << r.body;
      simulation_ = r.status == 202 ? r.Json().at("id").as_int64() : 0;
      WaitForSimulations();
    }
    return simulation_;
  }

  // The state a refused write must not change: the database, every table, and the engine's books.
  std::string Snapshot() {
    std::string db;
    (void)shop_->ReadSync([&](service::ReadCtx& c) {
      db = DumpDatabase(c.db);
      return service::Reply(json::value(nullptr));
    });
    auto ledger = client_->Get("/api/v1/admin/ledger", staff_tokens_["finance"]);
    EXPECT_EQ(ledger.status, 200u) << ledger.body;
    return ledger.body + "\n" + db;
  }

  // The sandbox delivers its notification asynchronously: wait (bounded) until it has landed, so that
  // it cannot change the state under a later cell's before/after comparison.
  void WaitForSandbox() {
    if (last_sandbox_order_ < 0) return;
    const std::string target = "/api/v1/orders/" + std::to_string(last_sandbox_order_);
    bool paid = false;
    for (int i = 0; i < 300 && !paid; ++i) {
      auto r = client_->Get(target, owner_token_);
      paid = r.status == 200 && r.Json().at("status") == "paid";
      if (!paid) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_TRUE(paid) << "the sandbox notification for order " << last_sandbox_order_ << " never landed";
    last_sandbox_order_ = -1;
  }

  void RunRow(const Row& row);

 protected:
  Member L_, A_, O_;
  std::map<Who, std::pair<std::string, std::string>> passwords_;
  int64_t counter_ = 0;
  int64_t last_sandbox_order_ = -1;
  int64_t simulation_ = -1;
};

Call Get(std::string target) { return Call{std::move(target), {}, {}}; }
Call Post(std::string target, std::string body = {}) { return Call{std::move(target), std::move(body), {}}; }
std::string Id(int64_t id) { return std::to_string(id); }

// One row per route. Columns: anonymous, member (the subject), another member, owner, finance,
// operator, sales.
std::vector<Row> Table() {
  using T = AuthzTest;
  const std::string v1 = "/api/v1";
  return {
      // ---- system ----
      {verb::get, "/healthz", [](T&, Who) { return Get("/healthz"); }, {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::get, "/metrics", [](T&, Who) { return Get("/metrics"); }, {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},

      // ---- auth ----
      {verb::post, v1 + "/auth/register",
       [](T& t, Who) {
         return Post("/api/v1/auth/register",
                     json::serialize(json::value{{"phone", t.UniquePhone()}, {"password", "a-good-password"}}));
       },
       {Created, Created, Created, Created, Created, Created, Created}},
      {verb::post, v1 + "/auth/login",
       [](T&, Who) { return Post("/api/v1/auth/login", R"({"phone":"13900000003","password":"password-13900000003"})"); },
       {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/auth/logout", [](T&, Who) { return Post("/api/v1/auth/logout"); },
       {U, Ok, Ok, Ok, Ok, Ok, Ok}, /*fresh_token=*/true},
      {verb::get, v1 + "/me", [](T&, Who) { return Get("/api/v1/me"); }, {U, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/plan", [](T&, Who) { return Get("/api/v1/plan"); }, {U, Ok, Ok, Ok, Ok, Ok, Ok}},

      // ---- catalogue ----
      {verb::get, v1 + "/products", [](T&, Who) { return Get("/api/v1/products"); }, {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/products/{sku}", [](T&, Who) { return Get("/api/v1/products/tea"); },
       {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/admin/products", [](T&, Who) { return Get("/api/v1/admin/products"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/products",
       [](T&, Who w) {
         return Post("/api/v1/admin/products",
                     R"({"sku":"authz-)" + std::to_string(w) + R"(","name":"authz","price":1200,"stock":5})");
       },
       {U, F, F, Created, F, Created, F}},
      {verb::put, v1 + "/admin/products/{sku}",
       [](T&, Who) { return Post("/api/v1/admin/products/tea", R"({"description":"authz"})"); }, {U, F, F, Ok, F, Ok, F}},

      // ---- orders ----
      {verb::post, v1 + "/orders", [](T&, Who) { return Post("/api/v1/orders", R"({"items":[{"sku":"tea"}]})"); },
       {U, Created, Created, F, F, F, F}},
      {verb::get, v1 + "/orders", [](T&, Who) { return Get("/api/v1/orders"); }, {U, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/orders/{id}", [](T& t, Who) { return Get("/api/v1/orders/" + Id(t.PaidOrder())); },
       {U, Ok, H, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/orders/{id}/cancel",
       [](T& t, Who) { return Post("/api/v1/orders/" + Id(t.UnpaidOrder()) + "/cancel"); },
       {U, Ok, H, F, F, F, F}},
      {verb::post, v1 + "/orders/{id}/pay",
       [](T& t, Who) { return Post("/api/v1/orders/" + Id(t.UnpaidOrder()) + "/pay", R"({"provider":"sandbox"})"); },
       {U, Ok, H, F, F, F, F}},
      {verb::post, v1 + "/orders/{id}/confirm",
       [](T& t, Who) { return Post("/api/v1/orders/" + Id(t.ShippedOrder()) + "/confirm"); },
       {U, Ok, H, F, F, F, F}},
      {verb::post, v1 + "/orders/{id}/refund",
       [](T& t, Who) { return Post("/api/v1/orders/" + Id(t.PaidOrder()) + "/refund", R"({"reason":"broken"})"); },
       {U, Ok, H, F, F, F, F}},
      {verb::get, v1 + "/admin/orders", [](T&, Who) { return Get("/api/v1/admin/orders?status=paid"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/orders/{id}/ship",
       [](T& t, Who) { return Post("/api/v1/admin/orders/" + Id(t.PaidOrder()) + "/ship", R"({"tracking":"SF9"})"); },
       {U, F, F, Ok, F, Ok, F}},
      {verb::post, v1 + "/admin/orders/{id}/refund",
       [](T& t, Who) { return Post("/api/v1/admin/orders/" + Id(t.RefundRequestedOrder()) + "/refund", R"({"reason":"测试"})"); },
       {U, F, F, Ok, Ok, Ok, F}},
      {verb::post, v1 + "/admin/orders/{id}/refund/reject",
       [](T& t, Who) {
         return Post("/api/v1/admin/orders/" + Id(t.RefundRequestedOrder()) + "/refund/reject", R"({"note":"used","reason":"测试"})");
       },
       {U, F, F, Ok, Ok, Ok, F}},

      // ---- payments ----
      {verb::post, v1 + "/payments/sandbox/{intent}/complete",
       [](T& t, Who) {
         const int64_t order = t.UnpaidOrder();
         const std::string intent = t.Intent(order);
         t.ExpectPaidSoon(order);
         return Post("/api/v1/payments/sandbox/" + intent + "/complete");
       },
       {Accepted, Accepted, Accepted, Accepted, Accepted, Accepted, Accepted}},
      {verb::post, v1 + "/payments/notify/sandbox",
       [](T& t, Who) {
         const int64_t order = t.UnpaidOrder();
         const std::string intent = t.Intent(order);
         const std::string body = json::serialize(
             json::value{{"intent", intent}, {"txn", t.Unique("authz-txn-")}, {"amount", 9900}, {"status", "succeeded"}});
         return Call{"/api/v1/payments/notify/sandbox", body,
                     {{"X-Sandbox-Signature", service::HmacSha256Hex("integration-test-secret", body)}}};
       },
       {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},

      // ---- wallet ----
      {verb::get, v1 + "/me/wallet", [](T&, Who) { return Get("/api/v1/me/wallet"); }, {U, Ok, Ok, H, H, H, H}},
      {verb::get, v1 + "/me/earnings", [](T&, Who) { return Get("/api/v1/me/earnings"); }, {U, Ok, Ok, H, H, H, H}},
      {verb::post, v1 + "/me/withdrawals",
       [](T&, Who) { return Post("/api/v1/me/withdrawals", json::serialize(json::value{{"amount", T::kWithdrawal}})); },
       {U, Created, Conflict, F, F, F, F}},  // the other member has no money: insufficient_balance
      {verb::get, v1 + "/me/withdrawals", [](T&, Who) { return Get("/api/v1/me/withdrawals"); },
       {U, Ok, Ok, F, F, F, F}},
      {verb::get, v1 + "/admin/withdrawals", [](T&, Who) { return Get("/api/v1/admin/withdrawals?status=requested"); },
       {U, F, F, Ok, Ok, F, F}},
      {verb::post, v1 + "/admin/withdrawals/{id}/pay",
       [](T& t, Who) {
         return Post("/api/v1/admin/withdrawals/" + Id(t.Withdrawal()) + "/pay", R"({"reference":"BANK-1","reason":"测试"})");
       },
       {U, F, F, Ok, Ok, F, F}},
      {verb::post, v1 + "/admin/withdrawals/{id}/reject",
       [](T& t, Who) {
         return Post("/api/v1/admin/withdrawals/" + Id(t.Withdrawal()) + "/reject", R"({"note":"wrong account","reason":"测试"})");
       },
       {U, F, F, Ok, Ok, F, F}},

      // ---- team ----
      {verb::get, v1 + "/me/team", [](T&, Who) { return Get("/api/v1/me/team"); }, {U, Ok, Ok, H, H, H, H}},
      {verb::get, v1 + "/me/team/directs", [](T&, Who) { return Get("/api/v1/me/team/directs"); },
       {U, Ok, Ok, H, H, H, H}},
      {verb::get, v1 + "/me/team/members", [](T&, Who) { return Get("/api/v1/me/team/members"); },
       {U, Ok, Ok, H, H, H, H}},
      {verb::get, v1 + "/me/team/counts", [](T&, Who) { return Get("/api/v1/me/team/counts"); },
       {U, Ok, Ok, H, H, H, H}},
      {verb::get, v1 + "/me/invite", [](T&, Who) { return Get("/api/v1/me/invite"); }, {U, Ok, Ok, F, F, F, F}},
      {verb::get, v1 + "/invites/{code}", [](T& t, Who) { return Get("/api/v1/invites/" + t.invite_code()); },
       {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/me/invite/qr.png", [](T&, Who) { return Get("/api/v1/me/invite/qr.png"); },
       {U, Ok, Ok, F, F, F, F}},

      // ---- admin ----
      {verb::get, v1 + "/admin/members", [](T&, Who) { return Get("/api/v1/admin/members?q=139"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/admin/members/{id}", [](T& t, Who) { return Get("/api/v1/admin/members/" + Id(t.member_id())); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/admin/members/{id}/children",
       [](T& t, Who) { return Get("/api/v1/admin/members/" + Id(t.member_id()) + "/children"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/members/{id}/rank",
       [](T& t, Who) { return Post("/api/v1/admin/members/" + Id(t.member_id()) + "/rank", R"({"rank":"partner","reason":"测试"})"); },
       {U, F, F, Ok, F, Ok, F}},
      {verb::post, v1 + "/admin/members/{id}/rebind",
       [](T& t, Who) {
         return Post("/api/v1/admin/members/" + Id(t.Fan()) + "/rebind",
                     json::serialize(json::value{{"referrer", t.member_id()}, {"reason", "测试"}}));
       },
       {U, F, F, Ok, F, Ok, F}},
      {verb::post, v1 + "/admin/staff",
       [](T& t, Who) {
         return Post("/api/v1/admin/staff", json::serialize(json::value{{"phone", t.Unique("staff-")},
                                                                        {"password", "staff-password"},
                                                                        {"role", "sales"}}));
       },
       {U, F, F, Created, F, F, F}},
      {verb::get, v1 + "/admin/plan", [](T&, Who) { return Get("/api/v1/admin/plan"); }, {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/plan",
       [](T& t, Who) {  // the running plan again: a valid new version
         return Post("/api/v1/admin/plan",
                     json::serialize(json::value{{"toml", t.plan_source()}, {"note", "same rules"}, {"reason", "测试"}}));
       },
       {U, F, F, Created, F, Created, F}},
      {verb::get, v1 + "/admin/plan/versions", [](T&, Who) { return Get("/api/v1/admin/plan/versions"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/admin/plan/versions/{version}", [](T&, Who) { return Get("/api/v1/admin/plan/versions/1"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/close-day",
       [](T& t, Who) {
         t.AdvanceDay();  // a new day each time, so every allowed caller has a day to close
         return Post("/api/v1/admin/close-day");
       },
       {U, F, F, Ok, Ok, F, F}},
      {verb::get, v1 + "/admin/ledger", [](T&, Who) { return Get("/api/v1/admin/ledger"); },
       {U, F, F, Ok, Ok, F, F}},
      {verb::get, v1 + "/admin/audit", [](T&, Who) { return Get("/api/v1/admin/audit"); }, {U, F, F, Ok, F, F, F}},

      // ---- designer: lint and calculators for every staff role, simulations for owner and operator ----
      {verb::post, v1 + "/admin/designer/lint", [](T&, Who) { return Post("/api/v1/admin/designer/lint"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/designer/calc/members",
       [](T&, Who) {
         return Post("/api/v1/admin/designer/calc/members",
                     R"({"reach":1000,"fan_bps":5000,"deal_bps":5000,"member_bps":5000})");
       },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/designer/calc/lifetime",
       [](T&, Who) {
         return Post("/api/v1/admin/designer/calc/lifetime", R"({"frequency":4,"lifetime":2.5,"ticket":19900})");
       },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/designer/calc/fission",
       [](T&, Who) { return Post("/api/v1/admin/designer/calc/fission", R"({"referrals":3,"generations":3})"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::post, v1 + "/admin/designer/simulations",
       [](T& t, Who) {
         t.WaitForSimulations();
         return Post("/api/v1/admin/designer/simulations", T::TinySimulation());
       },
       {U, F, F, Accepted, F, Accepted, F}},
      {verb::get, v1 + "/admin/designer/simulations", [](T&, Who) { return Get("/api/v1/admin/designer/simulations"); },
       {U, F, F, Ok, F, Ok, F}},
      {verb::get, v1 + "/admin/designer/simulations/{id}",
       [](T& t, Who) { return Get("/api/v1/admin/designer/simulations/" + Id(t.FinishedSimulation())); },
       {U, F, F, Ok, F, Ok, F}},
      {verb::get, v1 + "/admin/designer/simulations/{id}/report",
       [](T& t, Who) { return Get("/api/v1/admin/designer/simulations/" + Id(t.FinishedSimulation()) + "/report"); },
       {U, F, F, Ok, F, Ok, F}},
      {verb::get, v1 + "/admin/designer/simulations/{id}/report.html",
       [](T& t, Who) {
         return Get("/api/v1/admin/designer/simulations/" + Id(t.FinishedSimulation()) + "/report.html");
       },
       {U, F, F, Ok, F, Ok, F}},
      // ---- web console (console_api.cc) ----
      {verb::get, v1 + "/shop", [](T&, Who) { return Get("/api/v1/shop"); }, {Ok, Ok, Ok, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/admin/reports/summary", [](T&, Who) { return Get("/api/v1/admin/reports/summary"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/admin/staff", [](T&, Who) { return Get("/api/v1/admin/staff"); }, {U, F, F, Ok, F, F, F}},
      {verb::get, v1 + "/admin/members/{id}/ranks",
       [](T& t, Who) { return Get("/api/v1/admin/members/" + Id(t.member_id()) + "/ranks"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
      {verb::get, v1 + "/admin/members/{id}/earnings",
       [](T& t, Who) { return Get("/api/v1/admin/members/" + Id(t.member_id()) + "/earnings"); },
       {U, F, F, Ok, Ok, Ok, Ok}},
  };
}

void AuthzTest::RunRow(const Row& row) {
  for (size_t w = 0; w < kWhoCount; ++w) {
    const Who who = static_cast<Who>(w);
    const Expect want = row.expect[w];
    SCOPED_TRACE(VerbName(row.method) + " " + row.pattern + " as " + kWhoNames[w]);
    const std::string token = row.fresh_token ? FreshToken(who) : Token(who);
    const int parts = ::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count();
    const Call call = row.prepare(*this, who);
    if (::testing::UnitTest::GetInstance()->current_test_info()->result()->total_part_count() != parts) {
      ADD_FAILURE() << "preparing the call failed; the cell is skipped";
      continue;
    }
    const bool check_unchanged = want.deny && row.method != verb::get;
    const std::string before = check_unchanged ? Snapshot() : std::string();
    const HttpResponse r = client_->Request(row.method, call.target, call.body, token, call.headers);
    EXPECT_EQ(r.status, want.status) << r.body;
    if (want.deny && r.status == want.status) {
      const char* code = want.status == 401 ? "unauthorized" : want.status == 403 ? "forbidden" : "not_found";
      EXPECT_EQ(r.Json().at("error").at("code"), code) << r.body;
    }
    if (check_unchanged) {
      const std::string after = Snapshot();
      EXPECT_TRUE(after == before) << "a refused call changed the shop's state:\n" << LineDiff(before, after);
    }
    if (row.fresh_token && !want.deny) {
      // Logged out: the token no longer works.
      EXPECT_EQ(client_->Get("/api/v1/me", token).status, 401u);
    }
    WaitForSandbox();
  }
}

TEST_F(AuthzTest, EveryRouteRefusesEveryCallerItShould) {
  const std::vector<Row> table = Table();
  for (const Row& row : table) {
    RunRow(row);
    if (HasFatalFailure()) return;
  }
}

// A member's lists and views hold its own data only, however it asks (filters in the query included).
TEST_F(AuthzTest, MembersSeeOnlyTheirOwnData) {
  const int64_t l_order = PaidOrder();
  const int64_t l_withdrawal = Withdrawal();
  ASSERT_GE(l_withdrawal, 0);
  const std::string l_id = std::to_string(L_.id);
  for (const std::string& target :
       {std::string("/api/v1/orders"), "/api/v1/orders?member=" + l_id, "/api/v1/orders?status=paid&member=" + l_id}) {
    SCOPED_TRACE(target);
    auto r = client_->Get(target, O_.token);
    ASSERT_EQ(r.status, 200u) << r.body;
    const json::value page = r.Json();
    const json::array& items = page.at("items").as_array();
    EXPECT_FALSE(items.empty());
    for (const json::value& o : items) EXPECT_EQ(o.at("member"), O_.id) << r.body;
  }
  auto w = client_->Get("/api/v1/me/withdrawals?member=" + l_id, O_.token);
  ASSERT_EQ(w.status, 200u) << w.body;
  EXPECT_TRUE(w.Json().at("items").as_array().empty()) << w.body;
  for (const char* target : {"/api/v1/me/wallet?member=", "/api/v1/me/team?member="}) {
    auto r = client_->Get(target + l_id, O_.token);
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_EQ(r.Json().at("member"), O_.id) << target;
  }
  auto e = client_->Get("/api/v1/me/earnings?member=" + l_id, O_.token);
  ASSERT_EQ(e.status, 200u) << e.body;
  EXPECT_TRUE(e.Json().at("items").as_array().empty()) << "O has earned nothing: " << e.body;
  // The subject's own order and withdrawal are there for the subject.
  auto mine = client_->Get("/api/v1/orders/" + std::to_string(l_order), L_.token);
  EXPECT_EQ(mine.status, 200u);
  auto theirs = client_->Get("/api/v1/me/withdrawals", L_.token);
  ASSERT_EQ(theirs.status, 200u);
  EXPECT_EQ(theirs.Json().at("items").at(0).at("id"), l_withdrawal);
  // Another member's team listing shows masked phones only.
  auto directs = client_->Get("/api/v1/me/team/directs", L_.token);
  ASSERT_EQ(directs.status, 200u);
  EXPECT_EQ(directs.Json().at("items").at(0).at("phone"), "139****0002") << directs.body;
}

// Data by role: the sales role (销售) reads members' phones masked wherever the API shows them, so it
// holds nothing to export; owner, operator and finance keep the full numbers.
TEST_F(AuthzTest, SalesSeesMaskedPhonesOthersFull) {
  const std::string l = std::to_string(L_.id), a = std::to_string(A_.id);
  const std::vector<std::string> targets = {
      "/api/v1/admin/members?q=139",  "/api/v1/admin/members?q=13900000001", "/api/v1/admin/members/" + l,
      "/api/v1/admin/members/" + a,   "/api/v1/admin/members/" + l + "/children",
      "/api/v1/admin/orders",         "/api/v1/orders?member=" + l,
      "/api/v1/admin/members/" + l + "/earnings",
      "/api/v1/admin/members/" + l + "/ranks"};
  const std::regex full_phone("(^|[^0-9])1[3-9][0-9]{9}([^0-9]|$)");  // not inside a 13-digit time
  for (const std::string& target : targets) {
    SCOPED_TRACE(target);
    auto r = client_->Get(target, Token(kSales));
    ASSERT_EQ(r.status, 200u) << r.body;
    EXPECT_FALSE(std::regex_search(r.body, full_phone)) << r.body;
  }
  // What the sales role reads, and what the others read, of L (13900000001) and its referrer link.
  auto sales = client_->Get("/api/v1/admin/members/" + a, Token(kSales));
  EXPECT_EQ(sales.Json().at("phone"), "139****0002") << sales.body;
  EXPECT_EQ(sales.Json().at("referrer").at("phone"), "139****0001") << sales.body;
  auto found = client_->Get("/api/v1/admin/members?q=13900000001", Token(kSales));
  ASSERT_EQ(found.Json().at("items").as_array().size(), 1u) << found.body;
  EXPECT_EQ(found.Json().at("items").at(0).at("phone"), "139****0001");
  for (Who w : {kOwner, kOperator, kFinance}) {
    SCOPED_TRACE(kWhoNames[w]);
    auto detail = client_->Get("/api/v1/admin/members/" + a, Token(w));
    ASSERT_EQ(detail.status, 200u) << detail.body;
    EXPECT_EQ(detail.Json().at("phone"), "13900000002");
    EXPECT_EQ(detail.Json().at("referrer").at("phone"), "13900000001");
    auto search = client_->Get("/api/v1/admin/members?q=13900000001", Token(w));
    EXPECT_EQ(search.Json().at("items").at(0).at("phone"), "13900000001") << search.body;
  }
}

TEST_F(AuthzTest, TheTableCoversEveryRoute) {
  const std::vector<Row> table = Table();
  std::set<std::pair<std::string, std::string>> rows, routes;
  for (const Row& row : table) {
    EXPECT_TRUE(rows.emplace(VerbName(row.method), row.pattern).second)
        << VerbName(row.method) << " " << row.pattern << " has two rows";
  }
  for (const http::Router::Route& r : router_->routes()) routes.emplace(VerbName(r.method), r.pattern);
  for (const auto& r : routes) {
    EXPECT_TRUE(rows.count(r) != 0) << r.first << " " << r.second << " is a route with no row in the matrix";
  }
  for (const auto& r : rows) {
    EXPECT_TRUE(routes.count(r) != 0) << r.first << " " << r.second << " has a row but is no route";
  }
}

// The callers docs/openapi.yaml names for each operation ("x-callers") are those the matrix lets
// through (the member column stands for "member").
std::map<std::pair<std::string, std::string>, std::set<std::string>> DocumentedCallers(const std::string& text) {
  std::map<std::pair<std::string, std::string>, std::set<std::string>> out;
  std::istringstream in(text);
  std::string line, path, method;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] != ' ') {
      in_paths = line == "paths:";
      continue;
    }
    if (!in_paths) continue;
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
    } else if (line.size() > 5 && line.rfind("    ", 0) == 0 && line[4] != ' ' && line.back() == ':') {
      method = line.substr(4, line.size() - 5);
      for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    } else if (const size_t at = line.find("      x-callers: ["); at == 0) {
      std::string list = line.substr(18, line.find(']') - 18);
      std::set<std::string>& callers = out[{method, path}];
      std::istringstream items(list);
      std::string item;
      while (std::getline(items, item, ',')) {
        const size_t b = item.find_first_not_of(' '), e = item.find_last_not_of(' ');
        if (b != std::string::npos) callers.insert(item.substr(b, e - b + 1));
      }
    }
  }
  return out;
}

TEST_F(AuthzTest, OpenApiCallersMatchTheMatrix) {
  const auto documented = DocumentedCallers(ReadText(std::string(GUANXI_SOURCE_DIR) + "/docs/openapi.yaml"));
  ASSERT_FALSE(documented.empty());
  for (const Row& row : Table()) {
    std::set<std::string> allowed;
    for (size_t w = 0; w < kWhoCount; ++w) {
      if (w == kOther || row.expect[w].deny) continue;
      allowed.insert(w == kAnon ? "anonymous" : kWhoNames[w]);
    }
    auto it = documented.find({VerbName(row.method), row.pattern});
    if (it == documented.end()) {
      ADD_FAILURE() << VerbName(row.method) << " " << row.pattern << " has no x-callers in docs/openapi.yaml";
      continue;
    }
    auto join = [](const std::set<std::string>& s) {
      std::string out;
      for (const std::string& x : s) out += (out.empty() ? "" : ", ") + x;
      return out;
    };
    EXPECT_EQ(join(it->second), join(allowed)) << VerbName(row.method) << " " << row.pattern
                                               << ": docs/openapi.yaml x-callers differ from the matrix";
  }
}

}  // namespace
}  // namespace guanxi::test
