// Migrations keep what a shop holds. A shop written at schema version 3 (before the earnings index
// moved to memory, payments lost its unique provider_txn and orders its unique idempotency key, which
// on SQLite copies those tables) opens at the current version with every row and reference, and with
// the constraints of the new schema.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "store/schema.h"
#include "support/test_store.h"

namespace guanxi {
namespace {

class MigrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("guanxi-migration-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    url_ = test::FreshStore(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The rows of `sql`, each row's columns joined by '|'.
  static std::vector<std::string> Rows(store::Db& db, const std::string& sql) {
    store::Stmt s = db.Prepare(sql);
    std::vector<std::string> rows;
    while (s.Step()) {
      std::string row;
      for (int c = 0; c < s.Columns(); ++c) {
        if (c > 0) row.push_back('|');
        row.append(s.IsNull(c) ? std::string("null") : s.Text(c));
      }
      rows.push_back(row);
    }
    return rows;
  }

  std::filesystem::path dir_;
  std::string url_;
};

TEST_F(MigrationTest, AShopFromVersion3KeepsItsRowsAndGetsTheNewConstraints) {
  {
    auto db = store::OpenWriter(url_, 1, 3);
    EXPECT_EQ(store::SchemaVersion(*db), 3);
    db->BeginWrite();
    db->Exec("INSERT INTO members (id, invite_code, joined_at) VALUES (0, 'AAAA', 1), (1, 'BBBB', 2)");
    db->Exec("INSERT INTO orders (id, member, status, total, created_at, expires_at, paid_at, idempotency_key) "
             "VALUES (1, 1, 'paid', 69900, 10, 20, 12, 'k1'), (2, 1, 'created', 500, 11, 21, NULL, NULL)");
    db->Exec("INSERT INTO products (id, sku, name, price, stock, status, updated_at) VALUES "
             "(1, 'pkg699', 'Package', 69900, 10, 'on', 1)");
    db->Exec("INSERT INTO order_items (order_id, line, product, sku, name, qty, unit_price, engine_order) VALUES "
             "(1, 0, 1, 'pkg699', 'Package', 1, 69900, 0)");
    db->Exec("INSERT INTO payments (id, order_id, provider, intent, amount, status, provider_txn, created_at, "
             "completed_at) VALUES (1, 1, 'sandbox', 'pi_a', 69900, 'succeeded', 'T1', 10, 12), "
             "(2, 2, 'sandbox', 'pi_b', 500, 'pending', NULL, 11, NULL)");
    db->Exec("INSERT INTO payment_notifications (provider, txn, received_at, payment) VALUES "
             "('sandbox', 'T1', 12, 1), ('sandbox', 'T2', 13, 1)");
    db->Exec("INSERT INTO engine_log (seq, at, kind, a, n, amount) VALUES (1, 12, 4, 1, 1, 69900)");
    db->Exec("INSERT INTO effects (id, seq, at, member, kind, reason, relation, rank, old_rank, earned, by_admin, "
             "activity, rule, from_kind, from_sub, from_id, to_kind, to_sub, to_id, amount, generation, units) VALUES "
             "(1, 1, 12, 0, 5, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 30000, 1, 1), "
             "(2, 1, 12, 1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)");
    db->Commit();
  }

  auto db = store::OpenWriter(url_);
  EXPECT_EQ(store::SchemaVersion(*db), store::kSchemaVersion);
  EXPECT_EQ(Rows(*db, "SELECT id, order_id, intent, amount, status, provider_txn, completed_at FROM payments ORDER BY id"),
            (std::vector<std::string>{"1|1|pi_a|69900|succeeded|T1|12", "2|2|pi_b|500|pending|null|null"}));
  EXPECT_EQ(Rows(*db, "SELECT txn, payment FROM payment_notifications ORDER BY txn"),
            (std::vector<std::string>{"T1|1", "T2|1"}));
  EXPECT_EQ(Rows(*db, "SELECT id, member, kind, amount FROM effects ORDER BY id"),
            (std::vector<std::string>{"1|0|5|30000", "2|1|2|0"}));
  EXPECT_EQ(Rows(*db, "SELECT id, member, status, total, created_at, expires_at, paid_at, idempotency_key FROM orders "
                     "ORDER BY id"),
            (std::vector<std::string>{"1|1|paid|69900|10|20|12|k1", "2|1|created|500|11|21|null|null"}));
  EXPECT_EQ(Rows(*db, "SELECT order_id, engine_order FROM order_items"), (std::vector<std::string>{"1|0"}));

  // A transaction id is no longer unique among payments (a notification is matched by its intent)…
  db->BeginWrite();
  db->Exec("INSERT INTO payments (id, order_id, provider, intent, amount, status, provider_txn, created_at) "
           "VALUES (3, 2, 'sandbox', 'pi_c', 500, 'succeeded', 'T1', 14)");
  db->Commit();
  // … an intent still is, and a payment still needs its order.
  for (const char* refused : {"(4, 2, 'sandbox', 'pi_a', 500, 'pending', 15)", "(5, 99, 'sandbox', 'pi_d', 500, 'pending', 15)"}) {
    db->BeginWrite();
    EXPECT_THROW(db->Exec(std::string("INSERT INTO payments (id, order_id, provider, intent, amount, status, "
                                      "created_at) VALUES ") + refused),
                 store::StoreError)
        << refused;
    db->Rollback();
  }
  EXPECT_EQ(Rows(*db, "SELECT count(*) FROM payments"), (std::vector<std::string>{"3"}));

  // Orders: an idempotency key is no longer unique in the table (the writer keeps a buyer's keys of the
  // last day unique), and an order still needs its member.
  db->BeginWrite();
  db->Exec("INSERT INTO orders (id, member, status, total, created_at, expires_at, idempotency_key) "
           "VALUES (3, 1, 'created', 500, 30, 40, 'k1')");
  db->Commit();
  EXPECT_EQ(Rows(*db, "SELECT id FROM orders WHERE idempotency_key = 'k1' ORDER BY id"),
            (std::vector<std::string>{"1", "3"}));
  db->BeginWrite();
  EXPECT_THROW(db->Exec("INSERT INTO orders (id, member, status, total, created_at, expires_at) "
                        "VALUES (4, 99, 'created', 500, 30, 40)"),
               store::StoreError);
  db->Rollback();
}

}  // namespace
}  // namespace guanxi
