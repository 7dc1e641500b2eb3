#include "store/sqlite.h"

#include <string>

namespace guanxi::store {
namespace {

class SqliteStmt final : public StmtImpl {
 public:
  SqliteStmt(SqliteDb& db, std::string_view sql) : db_(&db) {
    int rc = sqlite3_prepare_v3(db.raw(), sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                &s_, nullptr);
    if (rc != SQLITE_OK) db.Fail(rc, "prepare " + std::string(sql.substr(0, 200)));
  }
  ~SqliteStmt() override { sqlite3_finalize(s_); }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  void Bind(int i, int64_t v) override { Check(sqlite3_bind_int64(s_, i, v)); }
  void Bind(int i, std::string_view v) override {
    Check(sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT));
  }
  void BindNull(int i) override { Check(sqlite3_bind_null(s_, i)); }

  bool Step() override {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string sql = sqlite3_sql(s_) ? sqlite3_sql(s_) : "";
    sqlite3_reset(s_);
    db_->Fail(rc, "step " + sql.substr(0, 200));
  }
  void Reset() override {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  int Columns() const override { return sqlite3_column_count(s_); }
  int64_t Int(int col) const override { return sqlite3_column_int64(s_, col); }
  bool IsNull(int col) const override { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string Text(int col) const override {
    const unsigned char* p = sqlite3_column_text(s_, col);
    int n = sqlite3_column_bytes(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
  }

 private:
  void Check(int rc) const {
    if (rc != SQLITE_OK) db_->Fail(rc, "bind");
  }
  SqliteDb* db_;
  sqlite3_stmt* s_ = nullptr;
};

// Before SQLite's first use: no memory statistics. With them, every allocation SQLite makes takes a
// process-wide mutex that the writer and the readers share; nothing here reads them.
void ConfigureSqlite() {
  static const int rc = [] {
    const int r = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return r == SQLITE_MISUSE ? SQLITE_OK : r;  // SQLite already initialised by someone else: keep its settings
  }();
  if (rc != SQLITE_OK) throw StoreError(rc, std::string("sqlite3_config: ") + sqlite3_errstr(rc));
}

}  // namespace

SqliteDb::SqliteDb(const std::string& path, bool create, bool read_only) {
  ConfigureSqlite();
  int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  flags |= SQLITE_OPEN_NOMUTEX;  // one thread per connection
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw StoreError(rc, "open " + path + ": " + msg);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 5000);
}

SqliteDb::~SqliteDb() {
  ClearCache();  // statements first
  sqlite3_close_v2(db_);
}

void SqliteDb::Fail(int rc, std::string_view what) const {
  throw StoreError(rc, std::string(what) + ": " + sqlite3_errmsg(db_));
}

void SqliteDb::Exec(std::string_view sql) {
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw StoreError(rc, msg + " in: " + s.substr(0, 200));
  }
}

std::unique_ptr<StmtImpl> SqliteDb::NewStmt(std::string_view sql) { return std::make_unique<SqliteStmt>(*this, sql); }

void SqliteDb::SetChangeHook(std::function<void(std::string_view table)> hook) {
  change_hook_ = std::move(hook);
  sqlite3_update_hook(db_, change_hook_ ? &SqliteDb::OnUpdate : nullptr, this);
}

void SqliteDb::OnUpdate(void* self, int, const char*, const char* table, long long) {  // NOLINT(runtime/int)
  static_cast<SqliteDb*>(self)->change_hook_(table);
}

}  // namespace guanxi::store
