// The store interface: a connection (Db) and prepared statements (Stmt) with typed binds and columns,
// the same for every backend. SQL is written once, in the dialect both backends share: `?` or `?N`
// placeholders, INSERT … RETURNING for generated ids, no backend-specific functions in the service.
// Errors throw StoreError (the edges of the system use exceptions; the service treats a store error as
// fatal, or, when the connection was lost, as the store being unavailable until it is back).
// Not thread-safe: one thread uses a Db and its statements at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace guanxi::store {

enum class Backend { kSqlite, kPostgres };

class StoreError : public std::runtime_error {
 public:
  // `connection_lost`: the server went away (PostgreSQL); the statement's outcome is unknown.
  StoreError(int code, const std::string& what, bool connection_lost = false)
      : std::runtime_error(what), code_(code), connection_lost_(connection_lost) {}
  int code() const { return code_; }
  bool connection_lost() const { return connection_lost_; }

 private:
  int code_;
  bool connection_lost_;
};

// What a backend implements for one prepared statement. Binds and columns are 1-based and 0-based, as
// in SQL and in both C APIs.
class StmtImpl {
 public:
  virtual ~StmtImpl() = default;
  virtual void Bind(int i, int64_t v) = 0;
  virtual void Bind(int i, std::string_view v) = 0;
  virtual void BindNull(int i) = 0;
  virtual bool Step() = 0;
  virtual void Reset() = 0;  // resets and clears bindings
  virtual int64_t Int(int col) const = 0;
  virtual bool IsNull(int col) const = 0;
  virtual std::string Text(int col) const = 0;
  virtual int Columns() const = 0;  // of the current row
};

class Stmt {
 public:
  explicit Stmt(std::unique_ptr<StmtImpl> impl) : impl_(std::move(impl)) {}

  Stmt& Bind(int i, int64_t v) {
    impl_->Bind(i, v);
    return *this;
  }
  Stmt& Bind(int i, std::string_view v) {
    impl_->Bind(i, v);
    return *this;
  }
  Stmt& Bind(int i, std::nullopt_t) {
    impl_->BindNull(i);
    return *this;
  }
  template <typename T>
  Stmt& Bind(int i, const std::optional<T>& v) {
    return v ? Bind(i, *v) : Bind(i, std::nullopt);
  }

  // Steps once: true while a row is ready. Throws on errors (constraint violations included).
  bool Step() { return impl_->Step(); }
  // Runs a statement that returns no rows, then resets it for reuse.
  void Run() {
    while (Step()) {
    }
    Reset();
  }
  void Reset() { impl_->Reset(); }
  // Runs an INSERT … RETURNING of one generated id, resets, and returns the id.
  int64_t InsertReturningId() {
    if (!Step()) throw StoreError(0, "the INSERT returned no id");
    const int64_t id = Int(0);
    Reset();
    return id;
  }

  int64_t Int(int col) const { return impl_->Int(col); }
  bool IsNull(int col) const { return impl_->IsNull(col); }
  std::string Text(int col) const { return impl_->Text(col); }
  int Columns() const { return impl_->Columns(); }
  std::optional<int64_t> OptInt(int col) const {
    return IsNull(col) ? std::nullopt : std::optional<int64_t>(Int(col));
  }

 private:
  std::unique_ptr<StmtImpl> impl_;
};

class Db {
 public:
  virtual ~Db() = default;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  virtual Backend backend() const = 0;
  virtual void Exec(std::string_view sql) = 0;  // one or more statements, their rows ignored
  Stmt Prepare(std::string_view sql) { return Stmt(NewStmt(sql)); }
  // A statement prepared once per connection and reused, reset with its bindings cleared. Do not hold
  // two uses of the same SQL text at once.
  Stmt& Cached(std::string_view sql);
  // Rows changed by the last INSERT, UPDATE or DELETE.
  virtual int64_t Changes() const = 0;

  // The writer's transaction (SQLite: BEGIN IMMEDIATE), and a reader's: one snapshot of the committed
  // state for all its statements (PostgreSQL: REPEATABLE READ, READ ONLY).
  virtual void BeginWrite() = 0;
  virtual void BeginRead() = 0;
  void Commit() { Exec("COMMIT"); }
  void Rollback() { Exec("ROLLBACK"); }

  // Called with the table's name when a statement changes rows of it (the catalogue cache's signal).
  virtual void SetChangeHook(std::function<void(std::string_view table)> hook) = 0;

 protected:
  Db() = default;
  virtual std::unique_ptr<StmtImpl> NewStmt(std::string_view sql) = 0;
  // Backends finalize their statements before closing the connection.
  void ClearCache() { cache_.clear(); }

 private:
  // Looked up by string_view: finding a cached statement allocates nothing.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::unique_ptr<Stmt>, SqlHash, std::equal_to<>> cache_;
};

inline Stmt& Db::Cached(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) it = cache_.emplace(std::string(sql), std::make_unique<Stmt>(NewStmt(sql))).first;
  it->second->Reset();
  return *it->second;
}

}  // namespace guanxi::store
