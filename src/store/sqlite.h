// The SQLite backend of the store interface (the embedded default): a connection to one database file.
#pragma once

#include <sqlite3.h>

#include <string>

#include "store/db.h"

namespace guanxi::store {

class SqliteDb final : public Db {
 public:
  // Opens (creating when `create`) the database file; read_only opens a reader connection.
  SqliteDb(const std::string& path, bool create, bool read_only = false);
  ~SqliteDb() override;

  Backend backend() const override { return Backend::kSqlite; }
  void Exec(std::string_view sql) override;
  int64_t Changes() const override { return sqlite3_changes(db_); }
  void BeginWrite() override { Exec("BEGIN IMMEDIATE"); }
  void BeginRead() override { Exec("BEGIN"); }  // WAL: the snapshot is taken at the first read
  void SetChangeHook(std::function<void(std::string_view table)> hook) override;

  sqlite3* raw() const { return db_; }
  [[noreturn]] void Fail(int rc, std::string_view what) const;

 private:
  std::unique_ptr<StmtImpl> NewStmt(std::string_view sql) override;
  static void OnUpdate(void* self, int op, const char* db, const char* table,
                       long long rowid);  // NOLINT(runtime/int): sqlite3_int64

  sqlite3* db_ = nullptr;
  std::function<void(std::string_view)> change_hook_;
};

}  // namespace guanxi::store
