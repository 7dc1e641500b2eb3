#include "cli/migrate.h"

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/engine.h"
#include "service/journal.h"
#include "store/schema.h"
#include "store/sqlite.h"

namespace guanxi::cli {
namespace {

// The order tables are filled in, so that every foreign key finds its row: accounts before tokens and
// members, members before orders and withdrawals, products and orders before order_items, orders
// before payments, payments before payment_notifications, accounts before audit_log. Tables not named
// here (none today) come after, by name. A table's own references (members.referrer) are filled in
// after all its rows, since a fan may be rebound to a member who joined after it.
constexpr const char* kTableOrder[] = {"meta",     "plans",  "engine_log", "effects",     "day_closes",
                                       "accounts", "tokens", "members",    "products",    "orders",
                                       "order_items", "payments", "payment_notifications", "withdrawals",
                                       "audit_log"};

size_t Rank(const std::string& table) {
  const auto* it = std::find(std::begin(kTableOrder), std::end(kTableOrder), table);
  return static_cast<size_t>(it - std::begin(kTableOrder));
}

struct Table {
  std::string name;
  std::vector<std::string> columns;   // in SQLite's order
  std::vector<std::string> key;       // primary key columns
  std::vector<std::string> self_refs; // columns referencing this same table
};

std::string Join(const std::vector<std::string>& v, const std::string& each, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += sep;
    std::string part = each;
    for (size_t at = part.find('@'); at != std::string::npos; at = part.find('@', at + v[i].size())) {
      part.replace(at, 1, v[i]);
    }
    out += part;
  }
  return out;
}

std::vector<Table> SourceTables(store::Db& src) {
  std::vector<Table> tables;
  store::Stmt list = src.Prepare(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'");
  while (list.Step()) tables.push_back(Table{list.Text(0), {}, {}, {}});
  for (Table& t : tables) {
    std::vector<std::pair<int64_t, std::string>> key;
    store::Stmt info = src.Prepare("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid");
    info.Bind(1, t.name);
    while (info.Step()) {
      t.columns.push_back(info.Text(0));
      if (info.Int(1) > 0) key.emplace_back(info.Int(1), info.Text(0));
    }
    std::sort(key.begin(), key.end());
    for (auto& k : key) t.key.push_back(k.second);
    store::Stmt fks = src.Prepare("SELECT \"from\" FROM pragma_foreign_key_list(?) WHERE \"table\" = ?");
    fks.Bind(1, t.name).Bind(2, t.name);
    while (fks.Step()) t.self_refs.push_back(fks.Text(0));
  }
  std::sort(tables.begin(), tables.end(), [](const Table& a, const Table& b) {
    return Rank(a.name) != Rank(b.name) ? Rank(a.name) < Rank(b.name) : a.name < b.name;
  });
  return tables;
}

int64_t Scalar(store::Db& db, const std::string& sql) {
  store::Stmt s = db.Prepare(sql);
  return s.Step() && !s.IsNull(0) ? s.Int(0) : 0;
}

int64_t Count(store::Db& db, const std::string& table) { return Scalar(db, "SELECT count(*) FROM " + table); }

// Binds column `col` of a row read as (value, typeof(value)) pairs to parameter `param`.
void BindValue(store::Stmt& to, int param, const store::Stmt& from, int col, const Table& t) {
  const std::string type = from.Text(col + 1);
  if (type == "integer") {
    to.Bind(param, from.Int(col));
  } else if (type == "text") {
    to.Bind(param, from.Text(col));
  } else if (type == "null") {
    to.Bind(param, std::nullopt);
  } else {
    throw std::runtime_error(std::string("table ").append(t.name).append(": a ").append(type).append(
        " value, which guanxi never stores"));
  }
}

// Copies the rows of `t` in primary key order; columns referencing `t` itself are set after all rows.
int64_t CopyTable(store::Db& src, store::Db& dst, const Table& t) {
  const std::string order = t.key.empty() ? "" : " ORDER BY " + Join(t.key, "@", ", ");
  store::Stmt read = src.Prepare("SELECT " + Join(t.columns, "@, typeof(@)", ", ") + " FROM " + t.name + order);
  store::Stmt insert = dst.Prepare("INSERT INTO " + t.name + " (" + Join(t.columns, "@", ", ") + ") VALUES (" +
                                   Join(t.columns, "?", ", ") + ")");
  int64_t rows = 0;
  while (read.Step()) {
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const bool later = std::find(t.self_refs.begin(), t.self_refs.end(), t.columns[c]) != t.self_refs.end();
      if (later) {
        insert.Bind(static_cast<int>(c + 1), std::nullopt);
      } else {
        BindValue(insert, static_cast<int>(c + 1), read, static_cast<int>(2 * c), t);
      }
    }
    insert.Run();
    if (++rows % 100'000 == 0) std::cerr << "  " << t.name << ": " << rows << " rows…\n";
  }
  for (const std::string& ref : t.self_refs) {
    store::Stmt refs = src.Prepare("SELECT " + ref + ", typeof(" + ref + "), " + Join(t.key, "@, typeof(@)", ", ") +
                                   " FROM " + t.name + " WHERE " + ref + " IS NOT NULL");
    store::Stmt update = dst.Prepare("UPDATE " + t.name + " SET " + ref + " = ? WHERE " + Join(t.key, "@ = ?", " AND "));
    while (refs.Step()) {
      for (size_t c = 0; c <= t.key.size(); ++c) {
        BindValue(update, static_cast<int>(c + 1), refs, static_cast<int>(2 * c), t);
      }
      update.Run();
    }
  }
  return rows;
}

// Moves every identity sequence of the copied tables past the shop's largest id. The sequences are
// shared by every shop of the database: one already past it is left alone, never moved back. The table
// is locked against inserts until the copy commits, so no other shop draws from its sequence between
// the read and the setval.
void AdvanceSequences(store::Db& dst) {
  std::vector<std::pair<std::string, std::string>> identities;
  {
    store::Stmt s = dst.Prepare(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'");
    while (s.Step()) identities.emplace_back(s.Text(0), s.Text(1));
  }
  for (const auto& [table, column] : identities) {
    dst.Exec("LOCK TABLE " + table + " IN SHARE ROW EXCLUSIVE MODE");
    store::Stmt set = dst.Prepare(
        "SELECT setval(seq, v) FROM (SELECT seq, (SELECT max(" + column + ") FROM " + table +
        ") AS v FROM (SELECT pg_get_serial_sequence(?, ?)::regclass AS seq) s) x "
        "WHERE v > coalesce(pg_sequence_last_value(seq), 0)");
    set.Bind(1, table).Bind(2, column);
    set.Run();
  }
}


}  // namespace

int Migrate(const std::string& from, const std::string& to, int64_t shop) {
  if (store::IsPostgres(from) || !std::filesystem::is_regular_file(from)) {
    std::cerr << "guanxi: migrate --from takes a SQLite database file; " << from
              << (std::filesystem::exists(from) ? " is not one\n" : " does not exist\n");
    return 2;
  }
  if (!store::IsPostgres(to)) {
    std::cerr << "guanxi: migrate --to takes a postgresql:// URL, not " << to << "\n";
    return 2;
  }
  std::unique_ptr<store::Db> src;
  int version = 0;
  try {
    src = store::OpenReader(from);
    version = store::SchemaVersion(*src);
    src->BeginRead();
  } catch (const std::exception& e) {
    std::cerr << "guanxi: " << from << " is not a SQLite database: " << e.what() << "\n";
    return 2;
  }
  if (version != store::kSchemaVersion) {
    std::cerr << "guanxi: " << from << " has schema version " << version << ", this guanxi writes "
              << store::kSchemaVersion << "; start it once with this guanxi's `serve --db " << from
              << "` (which migrates it), then migrate\n";
    return 2;
  }

  std::unique_ptr<store::Db> dst;
  try {
    const std::vector<Table> tables = SourceTables(*src);
    dst = store::OpenWriter(to, shop);
    dst->BeginWrite();
    for (const Table& t : tables) {
      store::Stmt exists = dst->Prepare("SELECT to_regclass(?) IS NOT NULL");
      exists.Bind(1, t.name);
      if (!exists.Step() || exists.Text(0) != "t") {
        throw std::runtime_error("table " + t.name + " of the source is missing in the target");
      }
    }
    for (const Table& t : tables) {
      if (const int64_t n = Count(*dst, t.name); n > 0) {
        dst->Rollback();
        std::cerr << "guanxi: shop " << shop << " already has rows in the target (" << n << " in " << t.name
                  << "); nothing was written\n";
        return 1;
      }
    }

    int64_t rows = 0;
    for (const Table& t : tables) {
      const int64_t n = CopyTable(*src, *dst, t);
      std::cerr << "  " << t.name << ": " << n << " rows\n";
      rows += n;
    }
    AdvanceSequences(*dst);

    // The check: the same rows, the same effects, and the engine rebuilt from either has the same ledger.
    std::vector<std::string> differences;
    for (const Table& t : tables) {
      const int64_t a = Count(*src, t.name), b = Count(*dst, t.name);
      if (a != b) {
        differences.push_back(t.name + ": " + std::to_string(a) + " rows in the source, " + std::to_string(b) +
                              " in the copy");
      }
    }
    const std::string effects_sum = "SELECT sum(amount) FROM effects";
    if (Scalar(*src, effects_sum) != Scalar(*dst, effects_sum)) {
      differences.push_back("sum(effects.amount): " + std::to_string(Scalar(*src, effects_sum)) +
                            " in the source, " + std::to_string(Scalar(*dst, effects_sum)) + " in the copy");
    }
    const auto before = service::RebuildEngine(*src);
    const auto after = service::RebuildEngine(*dst);
    const service::EngineComparison ledgers = service::CompareEngines(*before, *after, "the source", "the copy");
    differences.insert(differences.end(), ledgers.differences.begin(), ledgers.differences.end());
    if (!differences.empty()) {
      dst->Rollback();
      std::cerr << "guanxi: the copy differs from the source; nothing was written:\n";
      for (const std::string& d : differences) std::cerr << "  " << d << "\n";
      return 1;
    }
    dst->Commit();
    src->Commit();
    std::cout << "migrated shop " << shop << ": " << tables.size() << " tables, " << rows << " rows; ledgers match ("
              << after->member_count() << " members, " << ledgers.accounts << " accounts, sum "
              << after->ledger().Sum() << ")\n";
    return 0;
  } catch (const std::exception& e) {
    if (dst) {
      try {
        dst->Rollback();
      } catch (const std::exception&) {  // the connection is gone: the server rolled back
      }
    }
    std::cerr << "guanxi: migrate failed, nothing was written: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace guanxi::cli
