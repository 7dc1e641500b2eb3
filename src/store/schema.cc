#include "store/schema.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "store/postgres/postgres.h"
#include "store/sqlite.h"

namespace guanxi::store {
namespace {

// Each entry migrates from version i to i + 1. Never edit a released entry: add a new one.
constexpr const char* kMigrations[] = {
    // 1: the first schema.
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;

-- The engine's command journal, in order. Columns by kind (docs/service.md): a/b are ids, n a count,
-- amount fen, text a SKU, rank name or plan version.
CREATE TABLE engine_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  a INTEGER, b INTEGER, n INTEGER, amount INTEGER, text TEXT
) STRICT;

-- Every effect of every journal command.
CREATE TABLE effects (
  id INTEGER PRIMARY KEY,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  member INTEGER,
  kind INTEGER NOT NULL, reason INTEGER NOT NULL, relation INTEGER NOT NULL,
  rank INTEGER NOT NULL, old_rank INTEGER NOT NULL, earned INTEGER NOT NULL, by_admin INTEGER NOT NULL,
  activity INTEGER NOT NULL, rule INTEGER NOT NULL,
  from_kind INTEGER NOT NULL, from_sub INTEGER NOT NULL, from_id INTEGER NOT NULL,
  to_kind INTEGER NOT NULL, to_sub INTEGER NOT NULL, to_id INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  buyer INTEGER, via INTEGER, ref INTEGER, generation INTEGER NOT NULL, units INTEGER NOT NULL
) STRICT;
CREATE INDEX effects_member ON effects(member, id) WHERE member IS NOT NULL;

CREATE TABLE plans (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  source TEXT NOT NULL,
  uploaded_at INTEGER NOT NULL,
  uploaded_by INTEGER
) STRICT;

CREATE TABLE accounts (
  id INTEGER PRIMARY KEY,
  phone TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('member','owner','finance','operator','sales')),
  member INTEGER UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  account INTEGER NOT NULL REFERENCES accounts(id),
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX tokens_account ON tokens(account);

-- Members' profiles; id is the engine's dense member id.
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  account INTEGER UNIQUE REFERENCES accounts(id),
  invite_code TEXT NOT NULL UNIQUE,
  referrer INTEGER REFERENCES members(id),
  channel TEXT NOT NULL DEFAULT '',
  joined_at INTEGER NOT NULL,
  first_paid_at INTEGER
) STRICT;
CREATE INDEX members_referrer ON members(referrer);

CREATE TABLE products (
  id INTEGER PRIMARY KEY,
  sku TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  price INTEGER NOT NULL CHECK (price >= 0),
  member_prices TEXT NOT NULL DEFAULT '{}',
  stock INTEGER NOT NULL CHECK (stock >= 0),
  status TEXT NOT NULL CHECK (status IN ('on','off')),
  images TEXT NOT NULL DEFAULT '[]',
  description TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX products_status ON products(status, id);

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  member INTEGER NOT NULL REFERENCES members(id),
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  paid_at INTEGER, shipped_at INTEGER, received_at INTEGER, settle_at INTEGER, settled_at INTEGER,
  refund_requested_at INTEGER, refunded_at INTEGER, closed_at INTEGER,
  refund_reason TEXT,
  status_before_refund TEXT,
  tracking TEXT,
  idempotency_key TEXT,
  UNIQUE (member, idempotency_key)
) STRICT;
CREATE INDEX orders_member ON orders(member, id);
CREATE INDEX orders_status ON orders(status, id);
CREATE INDEX orders_expiry ON orders(expires_at) WHERE status = 'created';
CREATE INDEX orders_settle ON orders(settle_at) WHERE settle_at IS NOT NULL AND settled_at IS NULL;

CREATE TABLE order_items (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  line INTEGER NOT NULL,
  product INTEGER NOT NULL REFERENCES products(id),
  sku TEXT NOT NULL,
  name TEXT NOT NULL,
  qty INTEGER NOT NULL CHECK (qty > 0),
  unit_price INTEGER NOT NULL,
  engine_order INTEGER UNIQUE,
  PRIMARY KEY (order_id, line)
) STRICT, WITHOUT ROWID;

CREATE TABLE payments (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  provider TEXT NOT NULL,
  intent TEXT NOT NULL UNIQUE,
  amount INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','succeeded')),
  provider_txn TEXT UNIQUE,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
) STRICT;
CREATE INDEX payments_order ON payments(order_id);

-- Notifications seen, by the provider's transaction id: a second delivery is answered, not applied.
CREATE TABLE payment_notifications (
  provider TEXT NOT NULL,
  txn TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  payment INTEGER NOT NULL REFERENCES payments(id),
  PRIMARY KEY (provider, txn)
) STRICT, WITHOUT ROWID;

-- id is the engine's withdrawal id.
CREATE TABLE withdrawals (
  id INTEGER PRIMARY KEY,
  member INTEGER NOT NULL REFERENCES members(id),
  amount INTEGER NOT NULL,
  fee INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('requested','paid','rejected')),
  requested_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by INTEGER REFERENCES accounts(id),
  reference TEXT,
  note TEXT
) STRICT;
CREATE INDEX withdrawals_member ON withdrawals(member, id);
CREATE INDEX withdrawals_status ON withdrawals(status, id);

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor INTEGER REFERENCES accounts(id),
  action TEXT NOT NULL,
  target TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '{}'
) STRICT;

CREATE TABLE day_closes (
  day INTEGER PRIMARY KEY,
  closed_at INTEGER NOT NULL,
  seq INTEGER NOT NULL
) STRICT;
)sql",
    // 2: the scheduler asks for min(joined_at) until the shop's first day is closed; without an index
    // that scanned every member, each second, with the engine locked (250 ms at 1,000,000 members).
    R"sql(
CREATE INDEX members_joined ON members(joined_at);
)sql",
    // 3: plan versions carry the uploader's note ("raise the direct reward for the spring campaign").
    R"sql(
ALTER TABLE plans ADD COLUMN note TEXT NOT NULL DEFAULT '';
)sql",
    // 4: a member's earnings are found through an index the service keeps in memory (Shop::EarningIds);
    // the index by member cost a random page write per recipient of every order. Rank changes, which
    // are few, keep one for the rank history.
    R"sql(
DROP INDEX effects_member;
CREATE INDEX effects_rank ON effects(member, id) WHERE kind = 2;
)sql",
    // 5: no unique index on payments.provider_txn: a notification is matched by its intent, and its
    // transaction id compared in the row (a second transaction for a paid intent is kept in
    // payment_notifications). Provider transaction ids come in no order, so the index cost a random
    // page write per payment. SQLite drops a column's UNIQUE only by copying the table.
    R"sql(
CREATE TABLE payments_new (
  id INTEGER PRIMARY KEY,
  order_id INTEGER NOT NULL REFERENCES orders(id),
  provider TEXT NOT NULL,
  intent TEXT NOT NULL UNIQUE,
  amount INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending','succeeded')),
  provider_txn TEXT,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
) STRICT;
INSERT INTO payments_new (id, order_id, provider, intent, amount, status, provider_txn, created_at, completed_at)
  SELECT id, order_id, provider, intent, amount, status, provider_txn, created_at, completed_at FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_order ON payments(order_id);
)sql",
    // 6: no index of orders by member: the unique (member, idempotency_key) and orders_member each cost
    // a random page write per order. The service keeps a buyer's orders (Shop::BuyerOrderIds) and the
    // idempotency keys of the last day (Shop::FindOrderKey) in memory. SQLite drops a table's UNIQUE
    // only by copying the table.
    R"sql(
CREATE TABLE orders_new (
  id INTEGER PRIMARY KEY,
  member INTEGER NOT NULL REFERENCES members(id),
  status TEXT NOT NULL,
  total INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  paid_at INTEGER, shipped_at INTEGER, received_at INTEGER, settle_at INTEGER, settled_at INTEGER,
  refund_requested_at INTEGER, refunded_at INTEGER, closed_at INTEGER,
  refund_reason TEXT,
  status_before_refund TEXT,
  tracking TEXT,
  idempotency_key TEXT
) STRICT;
INSERT INTO orders_new (id, member, status, total, created_at, expires_at, paid_at, shipped_at, received_at,
                        settle_at, settled_at, refund_requested_at, refunded_at, closed_at, refund_reason,
                        status_before_refund, tracking, idempotency_key)
  SELECT id, member, status, total, created_at, expires_at, paid_at, shipped_at, received_at, settle_at,
         settled_at, refund_requested_at, refunded_at, closed_at, refund_reason, status_before_refund, tracking,
         idempotency_key FROM orders;
DROP TABLE orders;
ALTER TABLE orders_new RENAME TO orders;
CREATE INDEX orders_status ON orders(status, id);
CREATE INDEX orders_expiry ON orders(expires_at) WHERE status = 'created';
CREATE INDEX orders_settle ON orders(settle_at) WHERE settle_at IS NOT NULL AND settled_at IS NULL;
)sql",
    // 7: an idempotency key remembers what it was used for (a hash of method, path and body), so that
    // the same key with another body is refused instead of answered with the first order.
    R"sql(
ALTER TABLE orders ADD COLUMN idempotency_fingerprint TEXT;
)sql",
    // 8: words for people. An order's number as people read it ("20261207000123": the shop's date and
    // the order's id; orders made before have none and are numbered the same way when read); the
    // staff's answer to a refund request, which the member sees; a member's avatar.
    R"sql(
ALTER TABLE orders ADD COLUMN no TEXT;
ALTER TABLE orders ADD COLUMN refund_note TEXT;
ALTER TABLE accounts ADD COLUMN avatar TEXT;
)sql",
};

static_assert(sizeof(kMigrations) / sizeof(kMigrations[0]) == kSchemaVersion);

#include "store/postgres/schema_pg.inc"
static_assert(sizeof(kPostgresMigrations) / sizeof(kPostgresMigrations[0]) == kSchemaVersion);

void CheckNotNewer(const std::string& where, int have) {
  if (have > kSchemaVersion) {
    throw std::runtime_error(where + ": schema version " + std::to_string(have) +
                             " is newer than this guanxi knows (" + std::to_string(kSchemaVersion) + ")");
  }
}

std::unique_ptr<Db> OpenSqliteWriter(const std::string& path, int version) {
  auto db = std::make_unique<SqliteDb>(path, /*create=*/true);
  db->Exec("PRAGMA journal_mode=WAL");
  db->Exec("PRAGMA synchronous=FULL");
  const int have = SchemaVersion(*db);
  CheckNotNewer(path, have);
  if (have < version) {
    // Foreign keys are off while migrations copy tables (SQLite's way to change a column: a new table,
    // the rows copied, the old one dropped), and every reference is checked before the commit.
    db->Exec("PRAGMA foreign_keys=OFF");
    db->BeginWrite();
    try {
      for (int v = have; v < version; ++v) db->Exec(kMigrations[v]);
      Stmt check = db->Prepare("PRAGMA foreign_key_check");
      if (check.Step()) {
        throw std::runtime_error(path + ": the migration left rows of " + check.Text(0) +
                                 " that reference nothing in " + check.Text(2));
      }
      check.Reset();
      db->Exec("PRAGMA user_version=" + std::to_string(version));
      db->Commit();
    } catch (...) {
      db->Rollback();
      throw;
    }
  }
  db->Exec("PRAGMA foreign_keys=ON");
  return db;
}

// The schema version of a PostgreSQL database is kept in guanxi_schema (one row for all its shops).
// Two processes starting at once migrate one after the other (an advisory lock).
std::unique_ptr<Db> OpenPostgresWriter(const std::string& url, int64_t shop, int version) {
  auto db = std::make_unique<PgDb>(url, shop);
  db->BeginWrite();
  try {
    db->Exec("SELECT pg_advisory_xact_lock(7142)");
    db->Exec("CREATE TABLE IF NOT EXISTS guanxi_schema (one int PRIMARY KEY CHECK (one = 1), version int NOT NULL)");
    const int have = SchemaVersion(*db);
    CheckNotNewer("the PostgreSQL database", have);
    for (int v = have; v < version; ++v) db->Exec(kPostgresMigrations[v]);
    db->Exec("INSERT INTO guanxi_schema VALUES (1, " + std::to_string(std::max(have, version)) +
             ") ON CONFLICT (one) DO UPDATE SET version = excluded.version");
    db->Commit();
  } catch (...) {
    db->Rollback();
    throw;
  }
  return db;
}

}  // namespace

bool IsPostgres(std::string_view url) { return url.starts_with("postgresql://") || url.starts_with("postgres://"); }

std::string DisplayName(const std::string& url, int64_t shop) {
  if (!IsPostgres(url)) return url;
  std::string shown = url;
  const size_t scheme = shown.find("://") + 3;
  const size_t at = shown.find('@', scheme);
  const size_t colon = shown.find(':', scheme);
  if (at != std::string::npos && colon < at) shown.erase(colon, at - colon);  // user:password@ → user@
  return shown + " (shop " + std::to_string(shop) + ")";
}

int SchemaVersion(Db& db) {
  Stmt s = db.Prepare(db.backend() == Backend::kSqlite ? "PRAGMA user_version"
                                                       : "SELECT coalesce(max(version), 0) FROM guanxi_schema");
  return s.Step() ? static_cast<int>(s.Int(0)) : 0;
}

std::unique_ptr<Db> OpenWriter(const std::string& url, int64_t shop, int version) {
  return IsPostgres(url) ? OpenPostgresWriter(url, shop, version) : OpenSqliteWriter(url, version);
}

std::unique_ptr<Db> OpenReader(const std::string& url, int64_t shop) {
  if (IsPostgres(url)) return std::make_unique<PgDb>(url, shop);
  auto db = std::make_unique<SqliteDb>(url, /*create=*/false);
  db->Exec("PRAGMA query_only=ON");
  // No mmap_size here: a read transaction that finds the database changed since its last one unmaps the
  // whole file (and then faults every page back in), which under steady writes made a token lookup cost
  // a third of an HTTP thread. Pages are read with pread into the connection's cache instead.
  return db;
}

}  // namespace guanxi::store
