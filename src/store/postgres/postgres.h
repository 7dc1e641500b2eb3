// The PostgreSQL backend of the store interface (libpq): one connection to a database that may hold
// many shops. Every row carries its shop's id; the connection names its shop once (the setting
// guanxi.shop), new rows take it by default and row-level security shows a connection only its shop's
// rows, so the service's SQL is the same as on SQLite.
//
// Statements are prepared on the server at their first execution, their parameters typed from the
// first binds (integers as bigint, text left for the server to infer); results come back as text.
#pragma once

#include <libpq-fe.h>

#include <string>

#include "store/db.h"

namespace guanxi::store {

class PgDb final : public Db {
 public:
  // `url`: a libpq connection URI (postgresql://user@host:port/db). Connects (waiting at most
  // `connect_timeout_s`) and names the shop. Throws StoreError with connection_lost() when the server
  // cannot be reached.
  PgDb(const std::string& url, int64_t shop, int connect_timeout_s = 10);
  ~PgDb() override;

  Backend backend() const override { return Backend::kPostgres; }
  void Exec(std::string_view sql) override;
  int64_t Changes() const override { return changes_; }
  void BeginWrite() override { Exec("BEGIN"); }
  void BeginRead() override { Exec("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY"); }
  void SetChangeHook(std::function<void(std::string_view table)> hook) override { change_hook_ = std::move(hook); }

  PGconn* raw() const { return conn_; }
  // Throws the error of a failed command, marked connection_lost when the server has gone.
  [[noreturn]] void Fail(const PGresult* r, std::string_view what) const;
  // A statement ran: `n` rows changed in `table` (empty when it writes none).
  void NoteChanges(int64_t n, const std::string& table) {
    changes_ = n;
    if (n > 0 && change_hook_ && !table.empty()) change_hook_(table);
  }
  bool closing() const { return closing_; }
  std::string NextStatementName() { return std::string("g").append(std::to_string(++statements_)); }

 private:
  std::unique_ptr<StmtImpl> NewStmt(std::string_view sql) override;

  PGconn* conn_ = nullptr;
  int64_t changes_ = 0;
  uint64_t statements_ = 0;
  bool closing_ = false;
  std::function<void(std::string_view)> change_hook_;
};

// `?` and `?N` placeholders as PostgreSQL's `$N` (quoted text left alone); *params receives the
// highest parameter number.
std::string PostgresPlaceholders(std::string_view sql, int* params);
// The table an INSERT, UPDATE or DELETE writes, or "".
std::string WrittenTable(std::string_view sql);

}  // namespace guanxi::store
