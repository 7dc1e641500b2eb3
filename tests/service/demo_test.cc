// The demo shop (`make demo`, service::SeedDemo): seeded through the real service operations with the
// shop's clock set days in the past, it shows the whole cycle: settled rewards a member can withdraw, a
// pending withdrawal, a pending refund request with the member's reason, closed days with a pool
// payout, and a recent order still pending; the books balance. On a shop with members it does nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "service/api.h"
#include "service/crypto.h"
#include "service/demo.h"
#include "service/shop.h"
#include "support/test_store.h"

namespace guanxi::service {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1'796'616'000'000;  // 2026-12-07 12:00 in Shanghai
constexpr int64_t kDay = 86'400'000;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class DemoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("guanxi-demo-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.db_path = test::FreshStore(dir_);
    config_.payment_secret = "test-secret";
    config_.sandbox_payments = true;
    config_.fast_password_hashing = true;
    shop_ = std::make_unique<Shop>(config_, clock_,
                                   ReadFile(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml"),
                                   "chain-2plus1-699.toml");
    shop_->Start();
    bool created = false;
    auto owner = shop_->WriteSync([&](Tx& tx) {
      return EnsureOwner(tx, "owner", HashPassword("owner-password", PasswordCost::Fast()), &created);
    });
    ASSERT_TRUE(owner.ok());
  }
  void TearDown() override {
    shop_.reset();
    std::filesystem::remove_all(dir_);
  }
  Reply Read(const std::function<Reply(ReadCtx&)>& f) { return shop_->ReadSync(f); }
  json::value Orders(const std::string& status) {
    Reply r = Read([&](ReadCtx& c) { return ListOrders(c, *shop_, owner_, 0, 100, status, -1); });
    EXPECT_TRUE(r.ok());
    return r.value().at("items");
  }
  json::value Withdrawals(const std::string& status) {
    Reply r = Read([&](ReadCtx& c) { return ListWithdrawals(c, owner_, -1, status, /*after=*/-1, 100); });
    EXPECT_TRUE(r.ok());
    return r.value().at("items");
  }
  json::value WalletOf(int64_t member) {
    Reply r = Read([&](ReadCtx& c) { return Wallet(c, *shop_, owner_, member); });
    EXPECT_TRUE(r.ok());
    return r.value();
  }
  json::value Ledger() {
    Reply r = Read([&](ReadCtx& c) { return LedgerReport(c, owner_, config_.utc_offset_minutes); });
    EXPECT_TRUE(r.ok());
    return r.value();
  }
  int64_t Count(const std::string& sql) {
    Reply r = Read([&](ReadCtx& c) {
      store::Stmt& s = c.db.Cached(sql);
      s.Step();
      const int64_t n = s.Int(0);
      s.Reset();
      return Reply(json::value(n));
    });
    return r.value().as_int64();
  }

  std::filesystem::path dir_;
  ShopConfig config_;
  ManualClock now_{kNow};
  ShiftedClock clock_{now_};
  std::unique_ptr<Shop> shop_;
  Caller owner_{1, "owner", -1};
};

TEST_F(DemoTest, SeedsTheWholeCycleWithRealBooks) {
  Reply seeded = SeedDemo(*shop_, owner_, clock_);
  ASSERT_TRUE(seeded.ok()) << seeded.error().message;
  EXPECT_EQ(clock_.NowMs(), kNow) << "the shop runs on today's clock again";
  ASSERT_EQ(seeded.value().at("members").as_array().size(), 8u);
  const json::object& tour = seeded.value().at("tour").as_object();
  const int64_t a = tour.at("withdrawal").at("member").as_int64();  // 13800000002, the district dealer

  // Old orders settled through the scheduler: the five packages, the tea and A's identity package.
  const json::value settled = Orders("settled");
  EXPECT_EQ(settled.as_array().size(), 7u);
  for (const auto& o : settled.as_array()) {
    EXPECT_LT(o.at("settled_at").as_int64(), kNow - 2 * kDay) << o;
    EXPECT_GE(o.at("settled_at").as_int64(), o.at("settle_at").as_int64()) << o;
  }

  // Money a member can withdraw, and one withdrawal waiting for finance.
  const json::value wa = WalletOf(a);
  EXPECT_EQ(wa.at("rank"), "district");
  EXPECT_GT(wa.at("balances").at("available").as_int64(), 0);
  EXPECT_EQ(wa.at("balances").at("withdrawing"), 10'000);
  const json::value requested = Withdrawals("requested");
  ASSERT_EQ(requested.as_array().size(), 1u);
  EXPECT_EQ(requested.at(0).at("member"), a);
  EXPECT_EQ(requested.at(0).at("amount"), 10'000);
  EXPECT_EQ(tour.at("available").at("amount"), wa.at("balances").at("available"));

  // One refund request, with the member's reason, on yesterday's honey.
  const json::value refunds = Orders("refund_requested");
  ASSERT_EQ(refunds.as_array().size(), 1u);
  EXPECT_EQ(refunds.at(0).at("refund_reason"), "蜂蜜瓶盖破损，漏了一半，申请退款");
  EXPECT_EQ(refunds.at(0).at("items").at(0).at("sku"), "honey-acacia");
  EXPECT_EQ(refunds.at(0).at("id"), tour.at("refund").at("order"));

  // A recent package, received two days ago: its rewards are pending until the return window ends.
  const json::value received = Orders("received");
  ASSERT_EQ(received.as_array().size(), 1u);
  EXPECT_EQ(received.at(0).at("settle_at").as_int64(), kNow - 2 * kDay + config_.return_window_ms);
  EXPECT_EQ(tour.at("pending").at("settle_at"), received.at(0).at("settle_at"));

  // Every day since the first ended is closed; the first close shared the district pool (10.00 yuan of
  // each of the five packages) out to A, its only holder, and the close of the recent package's day
  // its 10.00; the city and province pools have no holder and carry over.
  const int64_t window_days = config_.return_window_ms / kDay;
  EXPECT_EQ(Count("SELECT count(*) FROM day_closes"), window_days + 5);
  EXPECT_EQ(Count("SELECT max(day) FROM day_closes"), ShopDay(kNow, config_.utc_offset_minutes) - 1);
  EXPECT_EQ(tour.at("days_closed"), window_days + 5);
  EXPECT_EQ(wa.at("earned").at("pool"), 6'000);
  EXPECT_EQ(tour.at("pool_payout").at("amount"), 6'000);
  const json::value ledger = Ledger();
  EXPECT_EQ(ledger.at("pools"), (json::value{{"district", 0}, {"city", 6'000}, {"province", 6'000}}));
  EXPECT_EQ(ledger.at("ledger_sum"), 0);
  EXPECT_GT(ledger.at("members").at("pending").as_int64(), 0);
  EXPECT_GT(ledger.at("members").at("available").as_int64(), 0);
}

TEST_F(DemoTest, DoesNothingOnAShopWithMembers) {
  ASSERT_TRUE(SeedDemo(*shop_, owner_, clock_).ok());
  // The books as they stand (the business day moves with the clock, the rest must not).
  auto books = [&] {
    json::value l = Ledger();
    l.as_object().erase("business_day");
    return l;
  };
  const json::value ledger = books();
  const int64_t orders = Count("SELECT count(*) FROM orders");
  now_.Advance(kDay);
  Reply again = SeedDemo(*shop_, owner_, clock_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().at("members").as_array().size(), 0u);
  EXPECT_EQ(again.value().at("products"), 0);
  EXPECT_FALSE(again.value().as_object().contains("tour"));
  EXPECT_EQ(clock_.NowMs(), kNow + kDay);
  EXPECT_EQ(Count("SELECT count(*) FROM orders"), orders);
  EXPECT_EQ(books(), ledger);
}

}  // namespace
}  // namespace guanxi::service
