// The shop service without HTTP: worked example 2 of the spec through registration, catalogue, orders,
// sandbox payments and the scheduler; restart rebuilds the same state; refusals change nothing;
// concurrent buyers never oversell and concurrent withdrawals never spend a fen twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "http/handlers.h"
#include "service/api.h"
#include "service/crypto.h"
#include "service/journal.h"
#include "service/shop.h"
#include "store/schema.h"
#include "store/sqlite.h"
#include "support/counting_resource.h"
#include "support/shop_driver.h"
#include "support/test_store.h"

namespace guanxi::service {
namespace {

namespace json = boost::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr int64_t kStart = 1'790'000'000'000;  // 2026-09-21, a fixed moment
constexpr int64_t kDay = 86'400'000;

class ShopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("guanxi-shop-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.db_path = test::FreshStore(dir_);
    config_.payment_secret = "test-secret";
    plan_ = ReadFile(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
    Open();
    bool created = false;
    auto owner = shop_->WriteSync([&](Tx& tx) {
      return EnsureOwner(tx, "owner", HashPassword("owner-password", PasswordCost::Fast()), &created);
    });
    ASSERT_TRUE(owner.ok());
    owner_ = Caller{1, "owner", -1};
    for (const char* sku : {"pkg699", "id999", "id1980", "id5000"}) {
      ProductReq p;
      p.sku = sku;
      p.name = sku;
      p.price = std::string(sku) == "pkg699" ? 69900 : std::string(sku) == "id999" ? 99900
                : std::string(sku) == "id1980" ? 198000 : 500000;
      p.stock = 1000;
      ASSERT_TRUE(Write([&](Tx& tx) { return CreateProduct(tx, owner_, p); }).ok());
    }
  }
  void TearDown() override {
    shop_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    shop_ = std::make_unique<Shop>(config_, clock_, plan_, "chain-2plus1-699.toml");
    shop_->Start();
  }
  Reply Write(std::function<Reply(Tx&)> f) { return shop_->WriteSync(std::move(f)); }
  Reply Read(const std::function<Reply(ReadCtx&)>& f) { return shop_->ReadSync(f); }

  Caller Join(const std::string& phone, const Caller* inviter) { return test::Join(*shop_, phone, inviter); }
  int64_t Buy(const Caller& buyer, const std::string& sku, int64_t qty = 1) {
    return test::BuyAndPay(*shop_, buyer, sku, qty);
  }
  void Pay(const Caller& buyer, int64_t id) { test::PayOrder(*shop_, buyer, id); }
  // L, a partner, whose direct A bought pkg699: shipped, auto-confirmed after 7 days, settled after the
  // return window, so L has the rewards available.
  Caller PartnerWithSettledRewards() {
    Caller L = Join("13800000001", nullptr);
    EXPECT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
    Caller A = Join("13800000002", &L);
    const int64_t o = Buy(A, "pkg699");
    EXPECT_TRUE(Write([&](Tx& tx) { return ShipOrder(tx, owner_, o, "SF"); }).ok());
    clock_.Advance(8 * kDay);
    EXPECT_EQ(shop_->RunScheduler().value().at("confirmed"), 1);
    clock_.Advance(8 * kDay);
    EXPECT_EQ(shop_->RunScheduler().value().at("settled"), 1);
    return L;
  }
  json::value WalletOf(const Caller& m) { return test::WalletOf(*shop_, m); }
  // After the store was lost: waits (at most `seconds`) for the shop to serve again, then checks that it
  // holds what it held before (the partner L's wallet, the ledger) and takes a new paid order under L.
  // The job refused while the store was out was not applied: nothing else changed.
  void ExpectBackAsBefore(const Caller& L, const json::value& wallet, const json::value& ledger, int seconds) {
    for (int i = 0; i < seconds * 20 && !shop_->available(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(shop_->available()) << "the shop did not come back within " << seconds << " s";
    EXPECT_EQ(WalletOf(L), wallet);
    EXPECT_EQ(LedgerOf(), ledger);
    Caller B = Join("13800000003", &L);
    Buy(B, "pkg699");
    EXPECT_EQ(WalletOf(L).at("earned").at("direct"), 60000);
    EXPECT_EQ(LedgerOf().at("ledger_sum"), 0);
  }
  json::value LedgerOf() {
    auto l = Read([&](ReadCtx& c) { return LedgerReport(c, owner_, 480); });
    EXPECT_TRUE(l.ok());
    return l.value();
  }

  std::filesystem::path dir_;
  ShopConfig config_;
  ManualClock clock_{kStart};
  std::string plan_;
  std::unique_ptr<Shop> shop_;
  Caller owner_;
};

// Worked example 2 (spec/chain-2plus1.md), driven as a shop would: L is made a partner by the
// operator, members register with invite codes, pay through the sandbox, orders settle by the scheduler.
TEST_F(ShopTest, WorkedExampleTwoThroughTheService) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller A = Join("13800000002", &L);
  std::vector<int64_t> orders{Buy(A, "pkg699")};
  Caller B = Join("13800000003", &A);
  orders.push_back(Buy(B, "pkg699"));
  Caller C = Join("13800000004", &A);
  orders.push_back(Buy(C, "pkg699"));
  Caller D = Join("13800000005", &A);
  orders.push_back(Buy(D, "pkg699"));
  Caller E = Join("13800000006", &B);
  orders.push_back(Buy(E, "pkg699"));

  // Before settlement everything is pending.
  EXPECT_EQ(WalletOf(L).at("balances").at("pending"), 74000);
  for (int64_t o : orders) {
    ASSERT_TRUE(Write([&](Tx& tx) { return ShipOrder(tx, owner_, o, "SF" + std::to_string(o)); }).ok());
  }
  // The buyers confirm A's order; the others are confirmed by the scheduler after 7 days.
  ASSERT_TRUE(Write([&](Tx& tx) { return ConfirmReceipt(tx, A, orders[0]); }).ok());
  clock_.Advance(7 * kDay);
  auto pass = shop_->RunScheduler();
  ASSERT_TRUE(pass.ok());
  EXPECT_EQ(pass.value().at("confirmed"), 4);
  EXPECT_EQ(pass.value().at("settled"), 1);  // A's order: its return window has passed
  clock_.Advance(7 * kDay);
  pass = shop_->RunScheduler();
  EXPECT_EQ(pass.value().at("settled"), 4);

  const json::value wl = WalletOf(L);
  EXPECT_EQ(wl.at("rank"), "partner");
  EXPECT_EQ(wl.at("balances"), (json::value{{"pending", 0}, {"available", 67200}, {"frozen", 6800}, {"withdrawing", 0}}));
  EXPECT_EQ(wl.at("earned").at("direct"), 30000);
  EXPECT_EQ(wl.at("earned").at("team_point"), 40000);
  EXPECT_EQ(wl.at("earned").at("peer"), 4000);
  const json::value wa = WalletOf(A);
  EXPECT_EQ(wa.at("rank"), "partner");
  EXPECT_EQ(wa.at("balances"), (json::value{{"pending", 0}, {"available", 66000}, {"frozen", 14000}, {"withdrawing", 0}}));
  const json::value wb = WalletOf(B);
  EXPECT_EQ(wb.at("balances"), (json::value{{"pending", 0}, {"available", 16000}, {"frozen", 4000}, {"withdrawing", 0}}));
  EXPECT_EQ(WalletOf(C).at("earned_total"), 0);

  const json::value ledger = LedgerOf();
  EXPECT_EQ(ledger.at("ledger_sum"), 0);
  EXPECT_EQ(ledger.at("platform"), (json::value{{"buyers", -349500}, {"revenue", 160500}, {"payouts", 0}}));
  // Days went by: the scheduler closed them and shared the pools (nobody qualifies: they carry over).
  EXPECT_EQ(ledger.at("pools"), (json::value{{"district", 5000}, {"city", 5000}, {"province", 5000}}));

  // Team: L leads B, C and E (positions 1 and 2 of A went up to L; E is B's 1st); A leads D.
  auto team = Read([&](ReadCtx& c) { return TeamSummary(c, *shop_, L, -1); });
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(team.value().at("team_size"), 3);
  EXPECT_EQ(team.value().at("team_by_rank").at("member"), 3);
  EXPECT_EQ(team.value().at("team_by_rank").at("partner"), 0);
  auto directs = Read([&](ReadCtx& c) { return TeamDirects(c, A, -1, -1, 2); });
  ASSERT_TRUE(directs.ok());
  ASSERT_EQ(directs.value().at("items").as_array().size(), 2u);
  EXPECT_EQ(directs.value().at("items").at(0).at("id"), B.member);
  EXPECT_EQ(directs.value().at("next"), C.member);
  auto rest = Read([&](ReadCtx& c) { return TeamDirects(c, A, -1, C.member, 2); });
  ASSERT_EQ(rest.value().at("items").as_array().size(), 1u);
  EXPECT_EQ(rest.value().at("items").at(0).at("id"), D.member);
  auto everyone = Read([&](ReadCtx& c) { return TeamMembers(c, L, -1, -1, 100); });
  std::vector<int64_t> walk;
  for (const auto& row : everyone.value().at("items").as_array()) walk.push_back(row.at("id").as_int64());
  EXPECT_EQ(walk, (std::vector<int64_t>{A.member, B.member, E.member, C.member, D.member}));

  // "Why did I get this?": L's earnings, newest first, explain themselves.
  auto earnings = Read([&](ReadCtx& c) { return Earnings(c, *shop_, L, -1, -1, 50); });
  ASSERT_TRUE(earnings.ok());
  bool found = false;
  for (const auto& e : earnings.value().at("items").as_array()) {
    const std::string why(e.at("why").as_string());
    if (why.find("直推奖 ¥300.00") != std::string::npos) found = true;
  }
  EXPECT_TRUE(found) << json::serialize(earnings.value());

  // A restart rebuilds the engine from the journal: the same balances to the fen.
  const json::value before = LedgerOf();
  shop_.reset();
  Open();
  EXPECT_GT(shop_->rebuilt_commands(), 10);
  EXPECT_EQ(LedgerOf(), before);
  EXPECT_EQ(WalletOf(A).at("balances").at("frozen"), 14000);
  auto team_after = Read([&](ReadCtx& c) { return TeamSummary(c, *shop_, L, -1); });
  EXPECT_EQ(team_after.value(), team.value());

  // The earnings index (kept in memory) is read back from the store: the same list, which pages by
  // `next` newest first; orders after the restart add to it with new ids.
  auto earnings_after = Read([&](ReadCtx& c) { return Earnings(c, *shop_, L, -1, -1, 50); });
  EXPECT_EQ(earnings_after.value(), earnings.value());
  auto ids_of = [](const json::value& page) {
    std::vector<int64_t> ids;
    for (const auto& e : page.at("items").as_array()) ids.push_back(e.at("id").as_int64());
    return ids;
  };
  const std::vector<int64_t> all = ids_of(earnings.value());
  ASSERT_GE(all.size(), 3u);
  EXPECT_TRUE(std::is_sorted(all.rbegin(), all.rend()));
  std::vector<int64_t> paged;
  int64_t cursor = -1;
  for (int pages = 0; pages < 20; ++pages) {
    auto page = Read([&](ReadCtx& c) { return Earnings(c, *shop_, L, -1, cursor, 2); }).value();
    for (int64_t id : ids_of(page)) paged.push_back(id);
    if (!page.as_object().contains("next")) break;
    cursor = page.at("next").as_int64();
  }
  EXPECT_EQ(paged, all);
  Caller F = Join("13800000007", &L);
  Buy(F, "pkg699");
  const std::vector<int64_t> now = ids_of(Read([&](ReadCtx& c) { return Earnings(c, *shop_, L, -1, -1, 50); }).value());
  ASSERT_GT(now.size(), all.size());
  EXPECT_EQ(std::vector<int64_t>(now.end() - static_cast<std::ptrdiff_t>(all.size()), now.end()), all);
  EXPECT_GT(now.front(), all.front());
  EXPECT_EQ(LedgerOf().at("ledger_sum"), 0);
}

TEST_F(ShopTest, RefundsBeforeAndAfterSettlementClawBack) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller A = Join("13800000002", &L);
  const int64_t o1 = Buy(A, "pkg699");
  EXPECT_EQ(WalletOf(L).at("balances").at("pending"), 30000 + 10000);
  // The buyer asks for a refund before shipping; the operator approves; stock comes back.
  ASSERT_TRUE(Write([&](Tx& tx) { return RequestRefund(tx, A, o1, "changed my mind"); }).ok());
  auto approved = Write([&](Tx& tx) { return ApproveRefund(tx, owner_, o1, "测试"); });
  ASSERT_TRUE(approved.ok());
  EXPECT_EQ(approved.value().at("status"), "refunded");
  EXPECT_EQ(WalletOf(L).at("balances").at("pending"), 0);
  EXPECT_EQ(WalletOf(L).at("earned_total"), 0);
  auto product = Read([&](ReadCtx& c) { return GetProduct(c, owner_, "pkg699"); });
  EXPECT_EQ(product.value().at("stock"), 1000);

  // After settlement: staff refund claws back from available (it may go below zero).
  const int64_t o2 = Buy(A, "pkg699");
  ASSERT_TRUE(Write([&](Tx& tx) { return ShipOrder(tx, owner_, o2, "SF1"); }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) { return ConfirmReceipt(tx, A, o2); }).ok());
  clock_.Advance(8 * kDay);
  ASSERT_EQ(shop_->RunScheduler().value().at("settled"), 1);
  EXPECT_GT(WalletOf(L).at("balances").at("available").as_int64(), 0);
  // A member cannot ask once the order is settled; staff can refund it.
  auto late = Write([&](Tx& tx) { return RequestRefund(tx, A, o2, "late"); });
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.error().code, "invalid_state");
  ASSERT_TRUE(Write([&](Tx& tx) { return ApproveRefund(tx, owner_, o2, "测试"); }).ok());
  const json::value wl = WalletOf(L);
  EXPECT_EQ(wl.at("earned_total"), 0);
  EXPECT_EQ(wl.at("balances").at("available").as_int64() + wl.at("balances").at("frozen").as_int64(), 0);
  EXPECT_EQ(LedgerOf().at("ledger_sum"), 0);
  // The shipped order's goods are not restocked automatically.
  EXPECT_EQ(Read([&](ReadCtx& c) { return GetProduct(c, owner_, "pkg699"); }).value().at("stock"), 999);
}

TEST_F(ShopTest, PaymentNotificationsAreVerifiedAndIdempotent) {
  Caller A = Join("13800000002", nullptr);
  CreateOrderReq req;
  req.items.push_back({"pkg699", 2});
  const int64_t id = Write([&](Tx& tx) { return CreateOrder(tx, A, req); }).value().at("id").as_int64();
  auto intent = Write([&](Tx& tx) { return CreatePayment(tx, A, id, "sandbox"); });
  ASSERT_TRUE(intent.ok());
  EXPECT_EQ(intent.value().at("amount"), 139800);
  // Asking again gives the same open intent.
  auto again = Write([&](Tx& tx) { return CreatePayment(tx, A, id, "sandbox"); });
  EXPECT_EQ(again.value().at("intent"), intent.value().at("intent"));
  const std::string pi(intent.value().at("intent").as_string());

  auto wrong = Write([&](Tx& tx) { return ApplyPaymentNotification(tx, "sandbox", pi, "t1", 100); });
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, "amount_mismatch");
  EXPECT_EQ(LedgerOf().at("orders"), 0);
  for (int i = 0; i < 100; ++i) {
    auto r = Write([&](Tx& tx) { return ApplyPaymentNotification(tx, "sandbox", pi, "t1", 139800); });
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().at("status"), i == 0 ? "applied" : "already_applied");
  }
  EXPECT_EQ(LedgerOf().at("orders"), 1);
  EXPECT_EQ(LedgerOf().at("platform").at("buyers"), -139800);
  auto unknown = Write([&](Tx& tx) { return ApplyPaymentNotification(tx, "sandbox", "pi_nope", "t2", 1); });
  EXPECT_EQ(unknown.error().code, "unknown_intent");

  // A second transaction for the paid intent is money paid twice: reported once to finance, never applied;
  // its own redeliveries are answered as seen.
  for (int i = 0; i < 3; ++i) {
    auto r = Write([&](Tx& tx) { return ApplyPaymentNotification(tx, "sandbox", pi, "t3", 139800); });
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.value().at("status"), i == 0 ? "duplicate_payment" : "already_applied");
  }
  EXPECT_EQ(Write([&](Tx& tx) { return ApplyPaymentNotification(tx, "sandbox", pi, "t1", 139800); }).value().at("status"),
            "already_applied");
  EXPECT_EQ(LedgerOf().at("orders"), 1);
  EXPECT_EQ(LedgerOf().at("platform").at("buyers"), -139800);
  auto audit = Read([&](ReadCtx& c) { return AuditLog(c, owner_, 0, 50, 480); });
  int duplicates = 0;
  for (const auto& row : audit.value().at("items").as_array()) duplicates += row.at("action") == "duplicate_payment";
  EXPECT_EQ(duplicates, 1);
}

// Order lists are newest first, by buyer (Shop::BuyerOrderIds) and by status, paged by `next`; a
// buyer's list is the same after a restart.
TEST_F(ShopTest, OrderListsFilterByBuyerAndStatusAndPage) {
  Caller A = Join("13800000002", nullptr);
  Caller B = Join("13800000003", nullptr);
  std::vector<int64_t> a_all, a_paid, paid;
  for (int i = 0; i < 3; ++i) {
    a_paid.push_back(Buy(A, "pkg699"));
    a_all.push_back(a_paid.back());
    paid.push_back(a_paid.back());
    paid.push_back(Buy(B, "id999"));
  }
  CreateOrderReq req;
  req.items.push_back({"id999", 1});
  for (int i = 0; i < 2; ++i) {
    a_all.push_back(Write([&](Tx& tx) { return CreateOrder(tx, A, req); }).value().at("id").as_int64());
  }
  auto newest_first = [](std::vector<int64_t> v) {
    std::sort(v.rbegin(), v.rend());
    return v;
  };
  auto list = [&](const Caller& who, const std::string& status, int64_t member, int64_t after = -1, int limit = 100) {
    return Read([&](ReadCtx& c) { return ListOrders(c, *shop_, who, after, limit, status, member); }).value();
  };
  auto ids = [](const json::value& page) {
    std::vector<int64_t> v;
    for (const auto& o : page.at("items").as_array()) v.push_back(o.at("id").as_int64());
    return v;
  };
  EXPECT_EQ(ids(list(A, "", -1)), newest_first(a_all));
  EXPECT_EQ(ids(list(A, "paid", -1)), newest_first(a_paid));
  EXPECT_EQ(ids(list(A, "created", -1)), newest_first({a_all[3], a_all[4]}));
  EXPECT_EQ(ids(list(A, "", B.member)), newest_first(a_all));  // a buyer sees only its own
  EXPECT_EQ(ids(list(owner_, "paid", -1)), newest_first(paid));
  EXPECT_EQ(ids(list(owner_, "paid", A.member)), newest_first(a_paid));
  EXPECT_EQ(ids(list(owner_, "created", B.member)), std::vector<int64_t>{});
  // Two at a time through A's five.
  std::vector<int64_t> paged;
  int64_t after = -1;
  for (int pages = 0; pages < 10; ++pages) {
    const json::value page = list(A, "", -1, after, 2);
    for (int64_t id : ids(page)) paged.push_back(id);
    if (!page.as_object().contains("next")) break;
    after = page.at("next").as_int64();
  }
  EXPECT_EQ(paged, newest_first(a_all));

  // A buyer's orders are indexed in memory: read back from the orders at start, then appended again.
  shop_.reset();
  Open();
  EXPECT_EQ(ids(list(A, "", -1)), newest_first(a_all));
  EXPECT_EQ(ids(list(owner_, "paid", B.member)), newest_first({paid[1], paid[3], paid[5]}));
  a_all.push_back(Buy(A, "id999"));
  EXPECT_EQ(ids(list(A, "", -1, -1, 1)), std::vector<int64_t>{a_all.back()});
  EXPECT_EQ(ids(list(A, "paid", -1)).front(), a_all.back());
}

// An Idempotency-Key names one order of its buyer for Shop::kOrderKeyTtlMs: a retry returns that order
// and reserves nothing more, also after a restart; another buyer's key is another key; a key whose
// order was rolled back with its job makes the order anew; after the TTL the key makes a new order.
TEST_F(ShopTest, AnIdempotencyKeyNamesOneOrderOfItsBuyerForADay) {
  Caller A = Join("13800000002", nullptr);
  Caller B = Join("13800000003", nullptr);
  CreateOrderReq keyed;
  keyed.items.push_back({"id999", 1});
  keyed.idempotency_key = "tap-1";
  auto create = [&](const Caller& who, const CreateOrderReq& req) {
    return Write([&](Tx& tx) { return CreateOrder(tx, who, req); }).value().at("id").as_int64();
  };
  auto count = [&](const Caller& who) {
    return Read([&](ReadCtx& c) { return ListOrders(c, *shop_, owner_, -1, 100, "", who.member); })
        .value()
        .at("items")
        .as_array()
        .size();
  };
  auto stock = [&] { return Read([&](ReadCtx& c) { return GetProduct(c, A, "id999"); }).value().at("stock"); };
  const int64_t first = create(A, keyed);
  EXPECT_EQ(create(A, keyed), first);
  const int64_t other = create(B, keyed);
  EXPECT_NE(other, first);
  EXPECT_EQ(create(B, keyed), other);
  EXPECT_EQ(count(A), 1u);
  EXPECT_EQ(stock(), 998);

  // A job that made an order under a key and then failed leaves nothing; the key then makes its order.
  CreateOrderReq second = keyed;
  second.idempotency_key = "tap-2";
  auto failed = Write([&](Tx& tx) -> Reply {
    EXPECT_TRUE(CreateOrder(tx, A, second).ok());
    return core::MakeError("invalid_state", "refused after the order was made");
  });
  EXPECT_FALSE(failed.ok());
  EXPECT_EQ(count(A), 1u);
  const int64_t made = create(A, second);
  EXPECT_EQ(create(A, second), made);
  EXPECT_EQ(count(A), 2u);

  shop_.reset();  // the keys of the last day are read back from the orders
  Open();
  EXPECT_EQ(create(A, keyed), first);
  EXPECT_EQ(create(A, second), made);
  EXPECT_EQ(create(B, keyed), other);
  EXPECT_EQ(stock(), 997);

  clock_.Advance(Shop::kOrderKeyTtlMs + 1);
  const int64_t again = create(A, keyed);
  EXPECT_GT(again, made);
  EXPECT_EQ(create(A, keyed), again);
  EXPECT_EQ(count(A), 3u);
}

TEST_F(ShopTest, UnpaidOrdersExpireAndReleaseStock) {
  Caller A = Join("13800000002", nullptr);
  ProductReq p;
  p.sku = "tea";
  p.name = "Longjing tea";
  p.price = 9900;
  p.stock = 3;
  ASSERT_TRUE(Write([&](Tx& tx) { return CreateProduct(tx, owner_, p); }).ok());
  CreateOrderReq req;
  req.items.push_back({"tea", 3});
  const int64_t id = Write([&](Tx& tx) { return CreateOrder(tx, A, req); }).value().at("id").as_int64();
  req.items[0].qty = 1;
  auto none_left = Write([&](Tx& tx) { return CreateOrder(tx, A, req); });
  ASSERT_FALSE(none_left.ok());
  EXPECT_EQ(none_left.error().code, "out_of_stock");
  clock_.Advance(16 * 60'000);
  EXPECT_EQ(shop_->RunScheduler().value().at("expired"), 1);
  EXPECT_EQ(Read([&](ReadCtx& c) { return GetOrder(c, A, id); }).value().at("status"), "expired");
  EXPECT_EQ(Read([&](ReadCtx& c) { return GetProduct(c, A, "tea"); }).value().at("stock"), 3);
  auto pay = Write([&](Tx& tx) { return CreatePayment(tx, A, id, "sandbox"); });
  EXPECT_EQ(pay.error().code, "invalid_state");
}

TEST_F(ShopTest, ConcurrentBuyersNeverOversell) {
  ProductReq p;
  p.sku = "flash";
  p.name = "flash sale";
  p.price = 100;
  p.stock = 50;
  ASSERT_TRUE(Write([&](Tx& tx) { return CreateProduct(tx, owner_, p); }).ok());
  std::vector<Caller> buyers;
  for (int i = 0; i < 200; ++i) buyers.push_back(Join("139" + std::to_string(10000000 + i), nullptr));
  std::atomic<int> sold{0}, refused{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < buyers.size(); i += 8) {
        CreateOrderReq req;
        req.items.push_back({"flash", 1});
        auto r = shop_->WriteSync([&](Tx& tx) { return CreateOrder(tx, buyers[i], req); });
        if (r.ok()) {
          ++sold;
        } else {
          ++refused;
          EXPECT_EQ(r.error().code, "out_of_stock");
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(sold.load(), 50);
  EXPECT_EQ(refused.load(), 150);
  EXPECT_EQ(Read([&](ReadCtx& c) { return GetProduct(c, owner_, "flash"); }).value().at("stock"), 0);
}

TEST_F(ShopTest, ConcurrentWithdrawalsSpendEachFenOnce) {
  const Caller L = PartnerWithSettledRewards();
  const int64_t available = WalletOf(L).at("balances").at("available").as_int64();
  ASSERT_GT(available, 0);
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&] {
      auto r = shop_->WriteSync([&](Tx& tx) { return RequestWithdrawal(tx, L, available); });
      if (r.ok()) {
        ++accepted;
      } else {
        EXPECT_EQ(r.error().code, "insufficient_balance");
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  const json::value w = WalletOf(L);
  EXPECT_EQ(w.at("balances").at("available"), 0);
  EXPECT_EQ(w.at("balances").at("withdrawing"), available);
  // Finance pays it with a reference; the money leaves to payouts.
  auto list = Read([&](ReadCtx& c) { return ListWithdrawals(c, owner_, -1, "requested", -1, 20); });
  ASSERT_EQ(list.value().at("items").as_array().size(), 1u);
  const int64_t wid = list.value().at("items").at(0).at("id").as_int64();
  auto no_ref = Write([&](Tx& tx) { return DecideWithdrawal(tx, owner_, wid, true, "", "测试"); });
  EXPECT_EQ(no_ref.error().field, "reference");
  ASSERT_TRUE(Write([&](Tx& tx) { return DecideWithdrawal(tx, owner_, wid, true, "BANK-123", "测试"); }).ok());
  EXPECT_EQ(LedgerOf().at("platform").at("payouts"), available);
  EXPECT_EQ(WalletOf(L).at("balances").at("withdrawing"), 0);
}

// The configured fee (fixed + a share) is shown at the request, kept whole while the withdrawal waits,
// returned whole on rejection, and on payment split: the net to payouts, the fee to revenue.
TEST_F(ShopTest, WithdrawalFeeGoesToRevenueWhenPaid) {
  shop_.reset();
  config_.withdraw_fee_fixed = 200;  // 2.00 yuan
  config_.withdraw_fee_bps = 100;    // + 1%
  Open();
  const Caller L = PartnerWithSettledRewards();
  ASSERT_EQ(WalletOf(L).at("balances").at("available"), 34000);  // direct 300.00 + team point 40.00, settled

  auto refused = Write([&](Tx& tx) { return RequestWithdrawal(tx, L, 202); });  // fee 202 leaves nothing
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().field, "amount");

  auto first = Write([&](Tx& tx) { return RequestWithdrawal(tx, L, 10000); });
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value().at("fee"), 300);
  EXPECT_EQ(first.value().at("net"), 9700);
  const int64_t revenue_before = LedgerOf().at("platform").at("revenue").as_int64();
  const int64_t first_id = first.value().at("id").as_int64();
  ASSERT_TRUE(Write([&](Tx& tx) { return DecideWithdrawal(tx, owner_, first_id, false, "name mismatch", "测试"); }).ok());
  EXPECT_EQ(WalletOf(L).at("balances").at("available"), 34000);  // all of it back, no fee
  EXPECT_EQ(LedgerOf().at("platform").at("revenue"), revenue_before);

  auto second = Write([&](Tx& tx) { return RequestWithdrawal(tx, L, 20000); });
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value().at("fee"), 400);
  const int64_t second_id = second.value().at("id").as_int64();
  ASSERT_TRUE(Write([&](Tx& tx) { return DecideWithdrawal(tx, owner_, second_id, true, "BANK-7", "测试"); }).ok());
  const auto check = [&] {
    const json::value ledger = LedgerOf();
    EXPECT_EQ(ledger.at("platform").at("payouts"), 19600);
    EXPECT_EQ(ledger.at("platform").at("revenue"), revenue_before + 400);
    const json::value w = WalletOf(L);
    EXPECT_EQ(w.at("balances").at("available"), 14000);
    EXPECT_EQ(w.at("balances").at("withdrawing"), 0);
  };
  check();
  shop_.reset();  // the journal rebuilds the same split
  Open();
  check();
  auto earnings = Read([&](ReadCtx& c) { return Earnings(c, *shop_, L, -1, -1, 50); });
  ASSERT_TRUE(earnings.ok());
  bool explained = false;
  for (const json::value& e : earnings.value().at("items").as_array()) {
    if (e.at("type") == "withdraw_fee") {
      EXPECT_EQ(e.at("amount"), 400);
      EXPECT_NE(std::string(e.at("why").as_string()).find("提现手续费（2026-"), std::string::npos) << e;
      explained = true;
    }
  }
  EXPECT_TRUE(explained) << earnings.value();
}

// Plan versions: an upload is checked (its line on a mistake; refused when it would change what members
// hold), applies to orders paid after it, leaves earlier orders' rewards as they were paid (refunds take
// back exactly those), and survives a restart in its place in the journal.
TEST_F(ShopTest, PlanVersionsApplyToOrdersPaidAfterThem) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller A = Join("13800000002", &L);
  const int64_t first = Buy(A, "pkg699");
  const auto direct = [&] { return WalletOf(L).at("earned").at("direct").as_int64(); };
  EXPECT_EQ(direct(), 30000);

  const Caller sales{999, "sales", -1};
  EXPECT_EQ(Write([&](Tx& tx) { return UploadPlan(tx, sales, plan_, "", "测试"); }).error().code, "forbidden");
  std::string typo = plan_;
  typo.replace(typo.find("earned = \"direct\""), 17, "earnd = \"direct\"");
  auto bad = Write([&](Tx& tx) { return UploadPlan(tx, owner_, typo, "", "测试"); });
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, "invalid_plan");
  const auto typo_at = static_cast<std::ptrdiff_t>(typo.find("earnd"));
  const auto typo_line = std::count(typo.begin(), typo.begin() + typo_at, '\n') + 1;
  EXPECT_EQ(bad.error().message.rfind("plan.toml:" + std::to_string(typo_line) + ":", 0), 0u) << bad.error().message;
  std::string incompatible = plan_;
  incompatible.replace(incompatible.find("hold_bps = 2000"), 15, "hold_bps = 1000");
  auto refused = Write([&](Tx& tx) { return UploadPlan(tx, owner_, incompatible, "", "测试"); });
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, "plan_incompatible");
  EXPECT_EQ(refused.error().field, "fund");

  std::string v2 = plan_;
  v2.replace(v2.find("partner = 30000"), 15, "partner = 35000");
  auto up = Write([&](Tx& tx) { return UploadPlan(tx, owner_, v2, "spring campaign", "测试"); });
  ASSERT_TRUE(up.ok()) << up.error().message;
  EXPECT_EQ(up.value().at("version"), 2);
  Caller B = Join("13800000003", &L);
  const int64_t second = Buy(B, "pkg699");
  EXPECT_EQ(direct(), 30000 + 35000);

  auto versions = Read([&](ReadCtx& c) { return PlanVersions(c, owner_); });
  ASSERT_TRUE(versions.ok());
  const json::array& items = versions.value().at("items").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("version"), 2);
  EXPECT_EQ(items[0].at("active"), true);
  EXPECT_EQ(items[0].at("note"), "spring campaign");
  EXPECT_EQ(items[1].at("active"), false);
  EXPECT_EQ(Read([&](ReadCtx& c) { return PlanVersion(c, owner_, 1); }).value().at("source").as_string(), plan_);
  EXPECT_EQ(Read([&](ReadCtx& c) { return PlanVersion(c, owner_, 3); }).error().code, "not_found");

  // A restart replays version 2 where it was adopted; the start-up plan file is only a seed.
  shop_.reset();
  Open();
  EXPECT_TRUE(shop_->plan_file_ignored());  // the active plan (version 2) is not the seed
  EXPECT_EQ(direct(), 65000);
  Caller C = Join("13800000004", &L);
  Buy(C, "pkg699");
  EXPECT_EQ(direct(), 100000);  // still version 2's 350.00

  // Refunds take back what each order paid: 300.00 for the order paid under version 1.
  ASSERT_TRUE(Write([&](Tx& tx) { return ApproveRefund(tx, owner_, first, "测试"); }).ok());
  EXPECT_EQ(direct(), 70000);
  ASSERT_TRUE(Write([&](Tx& tx) { return ApproveRefund(tx, owner_, second, "测试"); }).ok());
  EXPECT_EQ(direct(), 35000);
  EXPECT_EQ(LedgerOf().at("ledger_sum"), 0);
}

TEST_F(ShopTest, MembersSeeOnlyTheirOwnData) {
  Caller A = Join("13800000002", nullptr);
  Caller B = Join("13800000003", nullptr);
  EXPECT_EQ(Read([&](ReadCtx& c) { return Wallet(c, *shop_, A, B.member); }).error().code, "forbidden");
  EXPECT_EQ(Read([&](ReadCtx& c) { return TeamSummary(c, *shop_, A, B.member); }).error().code, "forbidden");
  const int64_t o = Write([&](Tx& tx) {
                      CreateOrderReq req;
                      req.items.push_back({"pkg699", 1});
                      return CreateOrder(tx, B, req);
                    }).value().at("id").as_int64();
  EXPECT_EQ(Read([&](ReadCtx& c) { return GetOrder(c, A, o); }).error().code, "not_found");
  EXPECT_EQ(Write([&](Tx& tx) { return CancelOrder(tx, A, o); }).error().code, "not_found");
  EXPECT_EQ(Write([&](Tx& tx) { return SetRank(tx, A, A.member, "partner", "测试"); }).error().code, "forbidden");
  EXPECT_EQ(Read([&](ReadCtx& c) { return LedgerReport(c, A, 480); }).error().code, "forbidden");
  EXPECT_EQ(Read([&](ReadCtx& c) { return Wallet(c, *shop_, Caller{}, -1); }).error().code, "unauthorized");
}

// PostgreSQL: the server ends the shop's sessions (as when it restarts, or a network path breaks). The
// shop answers 503 for what it cannot know instead of guessing, reconnects, rebuilds its engine from
// the store, and serves again with every fen where it was.
TEST_F(ShopTest, ComesBackWhenTheStoreConnectionIsLost) {
  if (!test::OnPostgres()) GTEST_SKIP() << "a SQLite file has no connection to lose (this runs as _pg)";
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller A = Join("13800000002", &L);
  Buy(A, "pkg699");
  const json::value wallet = WalletOf(L);
  const json::value ledger = LedgerOf();
  ASSERT_EQ(wallet.at("earned").at("direct"), 30000);

  ASSERT_GE(test::DropConnections(config_.db_path), 1);
  auto lost = Write([&](Tx& tx) { return SetRank(tx, owner_, A.member, "partner", "测试"); });
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, "store_unavailable");
  EXPECT_EQ(HttpStatus(lost.error()), 503u);

  ExpectBackAsBefore(L, wallet, ledger, 10);
}

// Runs a command line; its exit status, and its standard output in *out.
int RunCommand(const std::string& command, std::string* out = nullptr) {
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  std::string text;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) text.append(buf, n);
  const int status = ::pclose(p);
  if (out != nullptr) *out = text;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string ReadLine(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// The shop on a PostgreSQL server of the test's own, started like the suite's, which the test may stop
// and start again, or copy into a streaming standby with pg_basebackup (copying only this shop) as
// docs/operations.md tells an operator to.
class OwnServerTest : public ShopTest {
 protected:
  void SetUp() override {
    if (!test::OnPostgres()) GTEST_SKIP() << "a server of its own is PostgreSQL's (this runs as _pg)";
    base_ = std::filesystem::temp_directory_path() / ("guanxi-own-server-" + std::to_string(::getpid()));
    std::filesystem::create_directories(base_);
    suite_server_ = std::getenv("GUANXI_TEST_PG");
    ASSERT_EQ(Server("start " + (base_ / "primary").string()), 0) << ReadLine(base_ / "primary" / "log");
    ::setenv("GUANXI_TEST_PG", (base_ / "primary").c_str(), 1);
    ShopTest::SetUp();
  }
  void TearDown() override {
    if (!test::OnPostgres()) return;
    ShopTest::TearDown();
    Server("stop " + (base_ / "standby").string());
    Server("stop " + (base_ / "primary").string());
    ::setenv("GUANXI_TEST_PG", suite_server_.c_str(), 1);
    std::filesystem::remove_all(base_);
  }
  static int Server(const std::string& args) {
    return RunCommand(std::string(GUANXI_SOURCE_DIR) + "/scripts/pg-test-server " + args + " >/dev/null");
  }
  // The shop's URL on the standby: the same role and database, the standby's port.
  std::string ReplicaUrl() const {
    const std::string& url = config_.db_path;
    const size_t colon = url.rfind(':'), slash = url.rfind('/');
    return url.substr(0, colon + 1) + ReadLine(base_ / "standby" / "port") + url.substr(slash);
  }
  // Waits (at most 20 s) until the standby has replayed everything the primary has written so far.
  bool CaughtUp() const {
    const std::string lsn = test::QueryAt(ReadLine(base_ / "primary" / "url"), "SELECT pg_current_wal_lsn()");
    const std::string standby = ReadLine(base_ / "standby" / "url");
    for (int i = 0; i < 400; ++i) {
      if (test::QueryAt(standby, "SELECT pg_last_wal_replay_lsn() >= '" + lsn + "'::pg_lsn") == "t") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  json::value Report(const std::string& db) {
    std::string out;
    const std::string cmd = std::string(GUANXI_BINARY) + " report --db " + db + " --from " +
                            std::to_string(kStart - kDay) + " --to " + std::to_string(clock_.NowMs() + 1);
    EXPECT_EQ(RunCommand(cmd, &out), 0) << cmd;
    return out.empty() ? json::value() : json::parse(out);
  }

  std::filesystem::path base_;
  std::string suite_server_;
};

// The server stops (as in a crash or a restart) while the shop serves: nothing is answered from state
// that may not be stored; once the server is back, the shop serves again, to the fen.
TEST_F(OwnServerTest, ServesAgainWhenTheServerComesBack) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller A = Join("13800000002", &L);
  Buy(A, "pkg699");
  const json::value wallet = WalletOf(L);
  const json::value ledger = LedgerOf();

  ASSERT_EQ(Server("halt " + (base_ / "primary").string()), 0);
  auto lost = Write([&](Tx& tx) { return SetRank(tx, owner_, A.member, "partner", "测试"); });
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, "store_unavailable");
  std::this_thread::sleep_for(std::chrono::seconds(1));  // several reconnection attempts fail
  EXPECT_FALSE(shop_->available());
  auto read = shop_->ReadSync([&](ReadCtx& c) { return Wallet(c, *shop_, L, -1); });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, "store_unavailable");
  auto write = Write([&](Tx& tx) { return SetRank(tx, owner_, A.member, "partner", "测试"); });
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, "store_unavailable");
  // Over HTTP, a request with a token is answered 503 at once, not 401 "log in first": who sent it
  // cannot be known. Without a token the caller stays anonymous; its reads and writes answer 503.
  http::Request with_token;
  with_token.bearer = "a-token-that-cannot-be-checked";
  try {
    http::Who(*shop_, with_token);
    ADD_FAILURE() << "a token was taken while the store is out of reach";
  } catch (const http::HttpError& e) {
    EXPECT_EQ(e.response.status, 503u);
    EXPECT_NE(e.response.body.find("store_unavailable"), std::string::npos) << e.response.body;
  }
  EXPECT_EQ(http::Who(*shop_, http::Request{}).account, -1);

  ASSERT_EQ(Server("resume " + (base_ / "primary").string()), 0);
  ExpectBackAsBefore(L, wallet, ledger, 20);
}

TEST_F(OwnServerTest, ReportsReadFromAStreamingReplica) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller A = Join("13800000002", &L);
  Buy(A, "pkg699");
  ASSERT_EQ(Server("start " + (base_ / "standby").string() + " --replica-of " + (base_ / "primary").string()), 0)
      << ReadLine(base_ / "standby" / "log");
  ASSERT_TRUE(CaughtUp());
  const std::string replica = ReplicaUrl();
  json::value report = Report(replica);
  EXPECT_EQ(report, Report(config_.db_path));  // the replica answers as the primary does
  EXPECT_EQ(report.at("totals").at("orders"), 1);
  EXPECT_EQ(report.at("totals").at("sales"), 69900);
  EXPECT_EQ(report.at("payouts_by_rule").at("direct"), 30000);
  EXPECT_EQ(report.at("member_count"), 2);

  // It follows the primary.
  Caller B = Join("13800000003", &A);
  Buy(B, "pkg699");
  ASSERT_TRUE(CaughtUp());
  report = Report(replica);
  EXPECT_EQ(report.at("totals").at("orders"), 2);
  EXPECT_EQ(report.at("totals").at("sales"), 139800);
  EXPECT_EQ(report.at("member_count"), 3);
  EXPECT_EQ(report, Report(config_.db_path));

  // And it is read-only: a shop cannot be served from it.
  std::string out;
  EXPECT_EQ(RunCommand("timeout 30 " + std::string(GUANXI_BINARY) + " serve --listen 127.0.0.1:0 --db " + replica +
                " 2>&1", &out), 1);
  EXPECT_NE(out.find("read-only"), std::string::npos) << out;
}

}  // namespace
}  // namespace guanxi::service

namespace guanxi::service {
namespace {

// Under writes without a pause the WAL is copied into the database file as it grows and started over,
// so it stays short: without both, it would grow with every batch until the writes stop.
TEST_F(ShopTest, TheWalStaysShortUnderWritesWithoutPause) {
  if (test::OnPostgres()) GTEST_SKIP() << "PostgreSQL keeps its own WAL (this runs on SQLite)";
  shop_.reset();
  config_.wal_checkpoint_frames = 40;
  config_.wal_restart_frames = 160;
  Open();
  const std::filesystem::path wal = config_.db_path + "-wal";
  constexpr uintmax_t kFrame = 24 + 4096;  // frame header and page
  Caller L = Join("13800000001", nullptr);
  uintmax_t largest = 0;
  constexpr int kMembers = 200;
  for (int i = 0; i < kMembers; ++i) {
    Join("139" + std::to_string(10'000'000 + i), &L);
    largest = std::max(largest, std::filesystem::file_size(wal));
  }
  // At most the restart length plus the batches written while a copy ran (without checkpoints and
  // restarts: about 2,900 frames here).
  EXPECT_LE(largest, 500 * kFrame) << largest / kFrame << " frames";
  // The database file alone (without its WAL) already holds most of the members: checkpoints ran.
  const std::filesystem::path alone = dir_ / "alone.db";
  std::filesystem::copy_file(config_.db_path, alone);
  store::SqliteDb copy(alone.string(), /*create=*/false);
  store::Stmt n = copy.Prepare("SELECT count(*) FROM members");
  ASSERT_TRUE(n.Step());
  EXPECT_GT(n.Int(0), kMembers / 2);
  // And the shop reads every member, from the database file and the WAL together.
  EXPECT_EQ(Read([&](ReadCtx& c) { return Me(c, L); }).value().at("member").at("id"), L.member);
  auto team = Read([&](ReadCtx& c) { return TeamSummary(c, *shop_, L, -1); });
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(team.value().at("directs"), kMembers);
}

// An operator moves a fan who registered under the wrong code; once it has bought, its referrer is
// fixed. The move is journaled: a restart keeps it, and the fan's first order pays its new referrer.
TEST_F(ShopTest, RebindAFanUntilItBuys) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller X = Join("13800000002", nullptr);
  Caller F = Join("13800000003", &X);  // the wrong inviter
  Caller sales{4, "sales", -1};
  EXPECT_EQ(Write([&](Tx& tx) { return Rebind(tx, sales, F.member, L.member, "测试"); }).error().code, "forbidden");
  EXPECT_EQ(Write([&](Tx& tx) { return Rebind(tx, owner_, F.member, F.member, "测试"); }).error().code, "self_referral");
  auto moved = Write([&](Tx& tx) { return Rebind(tx, owner_, F.member, L.member, "测试"); });
  ASSERT_TRUE(moved.ok()) << moved.error().message;
  shop_.reset();
  Open();
  Buy(F, "pkg699");
  EXPECT_EQ(WalletOf(L).at("earned").at("direct"), 30000);  // L is F's referrer now, a partner
  EXPECT_EQ(WalletOf(X).at("earned_total"), 0);
  auto fixed = Write([&](Tx& tx) { return Rebind(tx, owner_, F.member, X.member, "测试"); });
  ASSERT_FALSE(fixed.ok());
  EXPECT_EQ(fixed.error().code, "referrer_fixed");
  auto audit = Read([&](ReadCtx& c) { return AuditLog(c, owner_, 0, 5, 480); });
  bool logged = false;
  for (const auto& row : audit.value().at("items").as_array()) logged = logged || row.at("action") == "rebind";
  EXPECT_TRUE(logged);
}

// A restart leaves room in the member array: the first joins after it add members without copying the
// array (at 1,000,000 members a copy held the writer for more than 100 ms).
TEST_F(ShopTest, TheFirstJoinsAfterARestartDoNotCopyTheMembers) {
  Caller L = Join("13800000001", nullptr);
  for (int i = 0; i < 5; ++i) Join("1380000010" + std::to_string(i), &L);
  shop_.reset();

  test::CountingResource counting;
  {
    auto db = store::OpenWriter(config_.db_path, config_.shop_id);
    const auto engine = RebuildEngine(*db, nullptr, &counting);
    ASSERT_EQ(engine->member_count(), 6u);
    const size_t allocations = counting.allocations;
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(engine->Join(0, nullptr).ok());
    EXPECT_EQ(counting.allocations, allocations);
    EXPECT_EQ(engine->first_child(0), 1u);
  }
  Open();
}

// A member's first payment is stored once (members.first_paid_at): a repeat payment leaves it, and
// after a restart, whose writer has forgotten who has paid, a first payment is stored again.
TEST_F(ShopTest, TheFirstPaymentIsStoredOnce) {
  Caller A = Join("13800000001", nullptr);
  Caller B = Join("13800000002", &A);
  const auto first_paid = [&](const Caller& m) {
    auto at = Read([&](ReadCtx& c) -> Reply {
      store::Stmt& s = c.db.Cached("SELECT first_paid_at FROM members WHERE id = ?");
      s.Bind(1, m.member);
      const bool found = s.Step();
      const int64_t v = !found || s.IsNull(0) ? -1 : s.Int(0);
      s.Reset();
      return boost::json::value(v);
    });
    return at.value().as_int64();
  };
  EXPECT_EQ(first_paid(A), -1);
  Buy(A, "pkg699");
  const int64_t at = clock_.NowMs();
  EXPECT_EQ(first_paid(A), at);
  clock_.Advance(kDay);
  Buy(A, "pkg699");
  EXPECT_EQ(first_paid(A), at);
  shop_.reset();
  Open();
  EXPECT_EQ(first_paid(B), -1);
  Buy(B, "pkg699");
  EXPECT_EQ(first_paid(B), at + kDay);
  Buy(A, "pkg699");
  EXPECT_EQ(first_paid(A), at);
}

// Out of file descriptors (a flood of connections), writes go on: the syncer's WAL descriptor has
// been open since start-up. It used to open the WAL again for each sync, fail with EMFILE, and stop
// the shop (fail-stop).
TEST_F(ShopTest, WritesGoOnWhenTheProcessIsOutOfFileDescriptors) {
  if (test::OnPostgres()) GTEST_SKIP() << "the syncer's fdatasync is SQLite's (PostgreSQL's COMMIT is durable)";
  Caller L = Join("13800000001", nullptr);
  const std::string code(Read([&](ReadCtx& c) { return Me(c, L); }).value().at("member").at("invite_code").as_string());
  const std::string hash = HashPassword("password", PasswordCost::Fast());
  // Take every descriptor the limit allows; then only writes (the writer's connection is open), so
  // that nothing but the syncer could need a descriptor.
  std::vector<int> taken;
  for (;;) {
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd < 0) break;
    taken.push_back(fd);
    if (taken.size() > 100'000) break;
  }
  ASSERT_EQ(errno, EMFILE);
  shop_->SetFatalHandler([](const std::string& why) { ADD_FAILURE() << "fatal: " << why; });
  std::vector<Reply> joined;
  for (int i = 0; i < 5; ++i) {
    const RegisterReq r{"1390000000" + std::to_string(i), hash, code, ""};
    joined.push_back(Write([&](Tx& tx) { return Register(tx, r); }));
  }
  for (int fd : taken) ::close(fd);
  for (const Reply& r : joined) ASSERT_TRUE(r.ok()) << r.error().message;
  auto team = Read([&](ReadCtx& c) { return TeamSummary(c, *shop_, L, -1); });
  ASSERT_TRUE(team.ok());
  EXPECT_EQ(team.value().at("directs"), 5);
  EXPECT_EQ(LedgerOf().at("ledger_sum"), 0);
}

}  // namespace
}  // namespace guanxi::service

namespace guanxi::service {
namespace {

// Every earnings row of a member, through the pages, in the language asked for.
std::vector<json::object> AllEarnings(Shop& shop, const Caller& reader, int64_t member, i18n::Lang lang) {
  Caller c = reader;
  c.lang = lang;
  std::vector<json::object> rows;
  int64_t before = 0;
  for (;;) {
    auto page = shop.ReadSync([&](ReadCtx& r) { return Earnings(r, shop, c, member, before, 7); });
    EXPECT_TRUE(page.ok());
    if (!page) break;
    for (const json::value& row : page.value().at("items").as_array()) rows.push_back(row.as_object());
    if (!page.value().as_object().contains("next")) break;
    before = page.value().at("next").as_int64();
  }
  return rows;
}

// For every balance, the member's earnings rows add up to the wallet, after refunds before and after
// settlement, a withdrawal, a pool payout and an assistance-fund unlock; claw-backs are negative; the
// explanations name people as people read them, in Chinese, with no id.
TEST_F(ShopTest, EarningsRowsSumToTheWalletForEveryBalance) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller Z = Join("13800000009", nullptr);  // shares the district pool
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, Z.member, "district", "测试"); }).ok());
  // A and B take L's positions 1 and 2; C, L's third direct, stays in L's team: one of C's orders is
  // refunded before settlement, one after. L's settled rewards are partly frozen by the fund.
  Caller A = Join("13800000002", &L), B = Join("13800000003", &L), C = Join("13800000004", &L);
  const int64_t a = Buy(A, "pkg699"), b = Buy(B, "pkg699");
  const int64_t refunded_early = Buy(C, "pkg699");
  const int64_t refunded_late = Buy(C, "pkg699");
  ASSERT_TRUE(Write([&](Tx& tx) { return ApproveRefund(tx, owner_, refunded_early, "测试"); }).ok());
  for (int64_t o : {a, b, refunded_late}) {
    ASSERT_TRUE(Write([&](Tx& tx) { return ShipOrder(tx, owner_, o, "SF" + std::to_string(o)); }).ok());
  }
  clock_.Advance(8 * kDay);
  ASSERT_GT(shop_->RunScheduler().value().at("confirmed").as_int64(), 0);
  clock_.Advance(8 * kDay);
  ASSERT_GT(shop_->RunScheduler().value().at("settled").as_int64(), 0);
  ASSERT_GT(WalletOf(L).at("balances").at("frozen").as_int64(), 0);
  // A and B become partners with two buying directs each, and the units below them reach the fund's
  // ten: L's fund unlocks (frozen → available). These orders stay pending.
  Caller A1 = Join("13800000011", &A), A2 = Join("13800000012", &A);
  Caller B1 = Join("13800000021", &B), B2 = Join("13800000022", &B);
  for (const Caller* m : {&A1, &A2, &B1, &B2}) Buy(*m, "pkg699");
  Buy(A1, "pkg699", 6);
  ASSERT_TRUE(Write([&](Tx& tx) { return ApproveRefund(tx, owner_, refunded_late, "测试"); }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) { return CloseDayNow(tx, owner_); }).ok());
  // L withdraws part of what is available; finance pays it.
  auto w = Write([&](Tx& tx) { return RequestWithdrawal(tx, L, 10000); });
  ASSERT_TRUE(w.ok()) << w.error().message;
  ASSERT_TRUE(Write([&](Tx& tx) { return DecideWithdrawal(tx, owner_, w.value().at("id").as_int64(), true, "TX1", "测试"); }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) { return RequestWithdrawal(tx, L, 2000); }).ok());  // still withdrawing

  const json::value wallet_l = WalletOf(L);
  EXPECT_FALSE(wallet_l.at("fund").at("locked").as_bool()) << wallet_l;
  EXPECT_GT(WalletOf(Z).at("balances").at("available").as_int64(), 0);  // the pool paid out
  bool saw_clawback = false, saw_unlock = false, saw_pool = false;
  for (const Caller* m : {&L, &Z, &A, &A1, &C}) {
    SCOPED_TRACE("member " + std::to_string(m->member));
    const json::value wallet = WalletOf(*m);
    std::map<std::string, int64_t> sums;
    for (const json::object& row : AllEarnings(*shop_, *m, -1, i18n::Lang::kZh)) {
      sums[std::string(row.at("balance").as_string())] += row.at("delta").as_int64();
      const std::string why(row.at("why").as_string());
      EXPECT_EQ(why.find('#'), std::string::npos) << why;
      EXPECT_EQ(why.find("138000"), std::string::npos) << "a full phone number: " << why;
      const std::string type(row.at("type").as_string());
      if (type == "refund_reward") {
        EXPECT_LT(row.at("delta").as_int64(), 0) << why;
        EXPECT_NE(why.find("已退款"), std::string::npos) << why;
        saw_clawback = true;
      }
      saw_unlock = saw_unlock || type == "unfrozen";
      saw_pool = saw_pool || type == "pool_payout";
    }
    for (const char* balance : {"pending", "available", "frozen", "withdrawing"}) {
      EXPECT_EQ(sums[balance], wallet.at("balances").at(balance).as_int64()) << balance;
    }
    // The settlement dates of what is still pending add up to the pending balance.
    int64_t scheduled = 0;
    for (const json::value& row : wallet.at("pending_schedule").as_array()) scheduled += row.at("amount").as_int64();
    EXPECT_EQ(scheduled, wallet.at("balances").at("pending").as_int64());
  }
  EXPECT_TRUE(saw_clawback);
  EXPECT_TRUE(saw_unlock);
  EXPECT_TRUE(saw_pool);
  // Filtered to one balance, the rows still sum to it; staff read the same rows.
  int64_t available = 0;
  for (const json::object& row : AllEarnings(*shop_, owner_, L.member, i18n::Lang::kEn)) {
    if (row.at("balance") == "available") available += row.at("delta").as_int64();
  }
  EXPECT_EQ(available, wallet_l.at("balances").at("available").as_int64());
  EXPECT_EQ(LedgerOf().at("ledger_sum"), 0);
}

// A reward from a downline's order names the order by its number but gives the member no link to an
// order that is not its own; the buyer is named by a masked phone, the reader as 你.
TEST_F(ShopTest, EarningsNameOrdersAndPeopleAsTheReaderKnowsThem) {
  Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner", "测试"); }).ok());
  Caller A = Join("13800000002", &L);
  const int64_t o = Buy(A, "pkg699");
  const std::string no(Read([&](ReadCtx& c) { return GetOrder(c, A, o); }).value().at("no").as_string());
  EXPECT_EQ(no, "20260921" + std::string(6 - std::to_string(o).size(), '0') + std::to_string(o));
  const auto rows = AllEarnings(*shop_, L, -1, i18n::Lang::kZh);
  ASSERT_FALSE(rows.empty());
  const json::object& direct = rows.back();  // the oldest: the direct reward
  EXPECT_EQ(direct.at("order_no").as_string(), no);
  EXPECT_FALSE(direct.contains("order"));
  EXPECT_EQ(direct.at("why"), "138****0002购买 1 件「pkg699」；作为138****0002的推荐人（合伙人）：直推奖 ¥300.00");
  const auto staff_rows = AllEarnings(*shop_, owner_, L.member, i18n::Lang::kEn);
  EXPECT_EQ(staff_rows.back().at("order"), o);
  EXPECT_EQ(staff_rows.back().at("why"), "138****0002 bought 1 × pkg699; as the referrer of 138****0002 (partner): Direct ¥300.00");
}

}  // namespace
}  // namespace guanxi::service
