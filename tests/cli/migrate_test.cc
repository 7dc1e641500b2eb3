// `guanxi migrate` moves a shop from SQLite to PostgreSQL: a shop with members, paid, settled and
// refunded orders, a paid withdrawal and a fan rebound to a member who joined after it is built on
// SQLite, migrated by the real binary, and opened on PostgreSQL with the same members, wallets and
// ledger; new orders there get ids past the migrated ones. Migrating the same shop again is refused and
// changes nothing; a bad source or target is a usage error. Runs on PostgreSQL only (migrate_test_pg).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "service/api.h"
#include "service/crypto.h"
#include "service/shop.h"
#include "support/shop_driver.h"
#include "support/test_store.h"

namespace guanxi::service {
namespace {

namespace json = boost::json;

constexpr int64_t kStart = 1'790'000'000'000;
constexpr int64_t kDay = 86'400'000;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs the guanxi binary with `args`; returns its exit code, and its standard output in *out.
int Guanxi(const std::string& args, const std::filesystem::path& dir, std::string* out = nullptr) {
  const std::string stdout_file = (dir / "stdout").string();
  const std::string cmd = std::string(GUANXI_BINARY) + " " + args + " > " + stdout_file + " 2> " +
                          (dir / "stderr").string();
  const int status = std::system(cmd.c_str());
  if (out != nullptr) *out = ReadFile(stdout_file);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class MigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(test::OnPostgres()) << "migrate_test runs on PostgreSQL (GUANXI_TEST_PG)";
    dir_ = std::filesystem::temp_directory_path() / ("guanxi-migrate-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.payment_secret = "migrate-test-secret";
    plan_ = ReadFile(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
  }
  void TearDown() override {
    shop_.reset();
    std::filesystem::remove_all(dir_);
  }

  void Open(const std::string& db) {
    shop_.reset();
    config_.db_path = db;
    shop_ = std::make_unique<Shop>(config_, clock_, plan_, "chain-2plus1-699.toml");
    shop_->Start();
  }
  Reply Write(std::function<Reply(Tx&)> f) { return shop_->WriteSync(std::move(f)); }
  Reply Read(const std::function<Reply(ReadCtx&)>& f) { return shop_->ReadSync(f); }

  Caller Join(const std::string& phone, const Caller* inviter) { return test::Join(*shop_, phone, inviter); }
  int64_t Buy(const Caller& buyer, const std::string& sku) { return test::BuyAndPay(*shop_, buyer, sku); }
  json::value WalletOf(const Caller& m) { return test::WalletOf(*shop_, m); }
  // What must survive the move: member count, rows of the tables, the ledger report, and the wallets.
  json::value State(const std::vector<Caller>& members) {
    json::object s;
    s["ledger"] = Read([&](ReadCtx& c) { return LedgerReport(c, owner_, 480); }).value();
    s["rows"] = Read([&](ReadCtx& c) {
                  json::object rows;
                  for (const char* t : {"members", "accounts", "orders", "payments", "withdrawals", "effects",
                                        "engine_log", "audit_log"}) {
                    store::Stmt n = c.db.Prepare(std::string("SELECT count(*) FROM ").append(t));
                    n.Step();
                    rows[t] = n.Int(0);
                  }
                  return Reply(json::value(rows));
                }).value();
    s["engine_members"] = Read([&](ReadCtx& c) {
                            return Reply(json::value{{"n", c.engine.member_count()},
                                                     {"sum", c.engine.ledger().Sum()}});
                          }).value();
    json::array wallets;
    for (const Caller& m : members) {
      json::value w = WalletOf(m);
      wallets.push_back(json::value{{"balances", w.at("balances")}, {"earned_total", w.at("earned_total")}});
    }
    s["wallets"] = wallets;
    return s;
  }
  int64_t MaxOrderId() {
    return Read([&](ReadCtx& c) {
             store::Stmt n = c.db.Prepare("SELECT max(id) FROM orders");
             n.Step();
             return Reply(json::value(n.Int(0)));
           })
        .value()
        .as_int64();
  }

  std::filesystem::path dir_;
  ShopConfig config_;
  ManualClock clock_{kStart};
  std::string plan_;
  std::unique_ptr<Shop> shop_;
  Caller owner_{1, "owner", -1};
};

TEST_F(MigrateTest, MovesAShopToPostgresWithTheSameLedger) {
  const std::string sqlite = (dir_ / "shop.db").string();
  Open(sqlite);
  bool created = false;
  ASSERT_TRUE(Write([&](Tx& tx) {
                return EnsureOwner(tx, "owner", HashPassword("owner-password", PasswordCost::Fast()), &created);
              }).ok());
  for (const auto& [sku, price] : {std::pair<const char*, int64_t>{"pkg699", 69900}, {"id999", 99900}}) {
    ProductReq p;
    p.sku = sku;
    p.name = sku;
    p.price = price;
    p.stock = 1000;
    ASSERT_TRUE(Write([&](Tx& tx) { return CreateProduct(tx, owner_, p); }).ok());
  }
  const Caller L = Join("13800000001", nullptr);
  ASSERT_TRUE(Write([&](Tx& tx) { return SetRank(tx, owner_, L.member, "partner"); }).ok());
  const Caller F = Join("13800000002", nullptr);  // a fan who will be rebound to a later member
  const Caller A = Join("13800000003", &L);
  const Caller B = Join("13800000004", &A);
  const Caller C = Join("13800000005", &A);
  ASSERT_GT(C.member, F.member);
  ASSERT_TRUE(Write([&](Tx& tx) { return Rebind(tx, owner_, F.member, C.member); }).ok());
  // A's order is shipped, confirmed and settled: L's rewards become available, and L withdraws some.
  const int64_t oa = Buy(A, "pkg699");
  ASSERT_TRUE(Write([&](Tx& tx) { return ShipOrder(tx, owner_, oa, "SF1"); }).ok());
  clock_.Advance(8 * kDay);
  ASSERT_EQ(shop_->RunScheduler().value().at("confirmed"), 1);
  clock_.Advance(8 * kDay);
  ASSERT_EQ(shop_->RunScheduler().value().at("settled"), 1);
  auto withdrawal = Write([&](Tx& tx) { return RequestWithdrawal(tx, L, 10000); });
  ASSERT_TRUE(withdrawal.ok()) << withdrawal.error().message;
  const int64_t wid = withdrawal.value().at("id").as_int64();
  ASSERT_TRUE(Write([&](Tx& tx) { return DecideWithdrawal(tx, owner_, wid, true, "BANK-1"); }).ok());
  // B's order is refunded; C's and F's stay pending.
  const int64_t ob = Buy(B, "pkg699");
  ASSERT_TRUE(Write([&](Tx& tx) { return RequestRefund(tx, B, ob, "changed my mind"); }).ok());
  ASSERT_TRUE(Write([&](Tx& tx) { return ApproveRefund(tx, owner_, ob); }).ok());
  Buy(C, "id999");
  Buy(F, "pkg699");

  const std::vector<Caller> members{L, F, A, B, C};
  const json::value before = State(members);
  const int64_t max_order = MaxOrderId();
  ASSERT_GT(before.at("wallets").at(0).at("balances").at("available").as_int64(), 0);
  ASSERT_EQ(before.at("ledger").at("platform").at("payouts"), 10000);  // no withdrawal fee configured
  shop_.reset();

  const std::string pg = test::FreshStore(dir_, "target");
  std::string out;
  ASSERT_EQ(Guanxi("migrate --from " + sqlite + " --to " + pg, dir_, &out), 0) << ReadFile((dir_ / "stderr").string());
  EXPECT_NE(out.find("migrated shop 1: 15 tables, "), std::string::npos) << out;
  EXPECT_NE(out.find("; ledgers match (5 members, "), std::string::npos) << out;
  EXPECT_NE(out.find(", sum 0)"), std::string::npos) << out;
  const std::string progress = ReadFile((dir_ / "stderr").string());
  std::cout << progress << out;  // the command's output, in the test's log
  EXPECT_NE(progress.find("  members: 5 rows"), std::string::npos) << progress;

  // Again into the same database: refused, nothing written. The same file as another shop: accepted.
  EXPECT_EQ(Guanxi("migrate --from " + sqlite + " --to " + pg, dir_), 1);
  EXPECT_NE(ReadFile((dir_ / "stderr").string()).find("already has rows"), std::string::npos);
  EXPECT_EQ(Guanxi("migrate --shop 2 --from " + sqlite + " --to " + pg, dir_), 0)
      << ReadFile((dir_ / "stderr").string());
  // Usage errors: a target that is not PostgreSQL, a source that is not a SQLite database.
  EXPECT_EQ(Guanxi("migrate --from " + sqlite + " --to " + (dir_ / "other.db").string(), dir_), 2);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "other.db"));
  std::ofstream((dir_ / "not-a-db.txt").string()) << "hello, this is not a database at all, just some text\n";
  EXPECT_EQ(Guanxi("migrate --from " + (dir_ / "not-a-db.txt").string() + " --to " + pg, dir_), 2);
  EXPECT_EQ(Guanxi("migrate --from " + (dir_ / "missing.db").string() + " --to " + pg, dir_), 2);

  // The shop on PostgreSQL: the same members, rows, wallets to the fen and ledger.
  Open(pg);
  const json::value after = State(members);
  EXPECT_EQ(after, before) << "before: " << before << "\nafter:  " << after;
  EXPECT_EQ(after.at("engine_members").at("n"), 5);
  EXPECT_EQ(after.at("engine_members").at("sum"), 0);
  EXPECT_EQ(MaxOrderId(), max_order);
  // F's referrer is C, who joined after F (filled in after all the members were copied).
  EXPECT_EQ(Read([&](ReadCtx& c) {
              store::Stmt r = c.db.Prepare("SELECT referrer FROM members WHERE id = ?");
              r.Bind(1, F.member);
              r.Step();
              return Reply(json::value(r.Int(0)));
            }).value(),
            C.member);

  // New orders there get ids past the migrated ones, and pay (the payments' ids moved too).
  const int64_t next = Buy(A, "id999");
  EXPECT_GT(next, max_order);
  const json::value later = State(members);
  EXPECT_EQ(later.at("rows").at("orders").as_int64(), before.at("rows").at("orders").as_int64() + 1);
  EXPECT_EQ(later.at("rows").at("payments").as_int64(), before.at("rows").at("payments").as_int64() + 1);
  // A new member joins with the next engine id and a new account id.
  const Caller D = Join("13800000009", &A);
  EXPECT_EQ(D.member, C.member + 1);
  EXPECT_EQ(D.account, C.account + 1);
}

}  // namespace
}  // namespace guanxi::service
