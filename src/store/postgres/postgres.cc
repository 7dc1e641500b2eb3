#include "store/postgres/postgres.h"

#include <cctype>
#include <algorithm>
#include <charconv>
#include <memory>
#include <vector>

namespace guanxi::store {
namespace {

constexpr Oid kInt8Oid = 20;

// Frees a result however the scope is left (Fail throws).
using Owned = std::unique_ptr<PGresult, decltype(&PQclear)>;

// libpq's messages span lines ("…unexpectedly\n\tThis probably means…"): one line for the log.
std::string OneLine(const std::string& msg) {
  std::string out;
  for (char c : msg) {
    const bool space = c == '\n' || c == '\t' || c == ' ';
    if (!space) out += c;
    else if (!out.empty() && out.back() != ' ') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string Upper(std::string_view w) {
  std::string s(w);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The words of a statement's head, upper-cased, up to `n` of them.
std::vector<std::string> HeadWords(std::string_view sql, size_t n) {
  std::vector<std::string> words;
  size_t i = 0;
  while (words.size() < n && i < sql.size()) {
    while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(')) ++i;
    size_t j = i;
    while (j < sql.size() && !std::isspace(static_cast<unsigned char>(sql[j])) && sql[j] != '(') ++j;
    if (j > i) words.push_back(Upper(sql.substr(i, j - i)));
    i = j;
  }
  return words;
}

// Statements the extended protocol cannot prepare run as simple queries.
bool IsUtility(std::string_view sql) {
  auto w = HeadWords(sql, 1);
  if (w.empty()) return true;
  for (const char* u : {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "SET", "START", "END"}) {
    if (w[0] == u) return true;
  }
  return false;
}

class PgStmt final : public StmtImpl {
 public:
  PgStmt(PgDb& db, std::string_view sql)
      : db_(&db), sql_(PostgresPlaceholders(sql, &params_)), table_(WrittenTable(sql)), utility_(IsUtility(sql)) {
    values_.resize(static_cast<size_t>(params_));
    is_null_.assign(static_cast<size_t>(params_), true);
    types_.assign(static_cast<size_t>(params_), 0);
  }
  ~PgStmt() override {
    PQclear(res_);
    // A statement outliving its use is deallocated; at the connection's end the server drops them all.
    if (!name_.empty() && !db_->closing() && PQstatus(db_->raw()) == CONNECTION_OK &&
        PQtransactionStatus(db_->raw()) != PQTRANS_INERROR) {
      PQclear(PQexec(db_->raw(), ("DEALLOCATE " + name_).c_str()));
    }
  }
  PgStmt(const PgStmt&) = delete;
  PgStmt& operator=(const PgStmt&) = delete;

  void Bind(int i, int64_t v) override {
    Slot(i) = std::to_string(v);
    Mark(i, kInt8Oid);
  }
  void Bind(int i, std::string_view v) override {
    Slot(i).assign(v);
    Mark(i, 0);
  }
  void BindNull(int i) override {
    Slot(i).clear();
    is_null_[static_cast<size_t>(i - 1)] = true;
  }

  bool Step() override {
    if (!res_) Execute();
    if (row_ + 1 < PQntuples(res_)) {
      ++row_;
      return true;
    }
    return false;
  }
  void Reset() override {
    PQclear(res_);
    res_ = nullptr;
    row_ = -1;
    is_null_.assign(is_null_.size(), true);
  }

  int64_t Int(int col) const override {
    const char* p = PQgetvalue(res_, row_, col);
    const int n = PQgetlength(res_, row_, col);
    if (n > 0 && (p[0] == 't' || p[0] == 'f')) return p[0] == 't';  // a boolean
    int64_t v = 0;
    std::from_chars(p, p + n, v);
    return v;
  }
  int Columns() const override { return PQnfields(res_); }
  bool IsNull(int col) const override { return PQgetisnull(res_, row_, col) != 0; }
  std::string Text(int col) const override {
    return std::string(PQgetvalue(res_, row_, col), static_cast<size_t>(PQgetlength(res_, row_, col)));
  }

 private:
  std::string& Slot(int i) {
    if (i < 1 || i > params_) throw StoreError(0, "bind " + std::to_string(i) + " out of range in " + sql_.substr(0, 200));
    return values_[static_cast<size_t>(i - 1)];
  }
  void Mark(int i, Oid type) {
    is_null_[static_cast<size_t>(i - 1)] = false;
    if (name_.empty()) types_[static_cast<size_t>(i - 1)] = type;
  }

  void Execute() {
    PGconn* c = db_->raw();
    if (utility_) {
      res_ = PQexec(c, sql_.c_str());
    } else {
      if (name_.empty()) {
        std::string name = db_->NextStatementName();
        Owned p(PQprepare(c, name.c_str(), sql_.c_str(), params_, types_.data()), &PQclear);
        if (PQresultStatus(p.get()) != PGRES_COMMAND_OK) db_->Fail(p.get(), "prepare " + sql_.substr(0, 200));
        name_ = std::move(name);
      }
      std::vector<const char*> values(static_cast<size_t>(params_));
      for (size_t i = 0; i < values.size(); ++i) values[i] = is_null_[i] ? nullptr : values_[i].c_str();
      res_ = PQexecPrepared(c, name_.c_str(), params_, values.data(), nullptr, nullptr, 0);
    }
    const ExecStatusType st = PQresultStatus(res_);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      Owned failed(res_, &PQclear);
      res_ = nullptr;
      db_->Fail(failed.get(), sql_.substr(0, 200));
    }
    const char* changed = PQcmdTuples(res_);
    int64_t n = 0;
    std::from_chars(changed, changed + std::char_traits<char>::length(changed), n);
    db_->NoteChanges(n, table_);
  }

  PgDb* db_;
  int params_ = 0;  // before sql_, which sets it
  std::string sql_;
  std::string table_;
  bool utility_;
  std::string name_;  // prepared on the server at the first execution
  std::vector<std::string> values_;
  std::vector<bool> is_null_;
  std::vector<Oid> types_;
  PGresult* res_ = nullptr;
  int row_ = -1;
};

}  // namespace

std::string PostgresPlaceholders(std::string_view sql, int* params) {
  std::string out;
  out.reserve(sql.size() + 16);
  int next = 0, highest = 0;
  char quote = 0;
  for (size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
      out += c;
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    size_t j = i + 1;
    int n = 0;
    while (j < sql.size() && std::isdigit(static_cast<unsigned char>(sql[j]))) n = n * 10 + (sql[j++] - '0');
    if (j == i + 1) n = ++next;
    highest = std::max(highest, n);
    out += '$';
    out += std::to_string(n);
    i = j - 1;
  }
  *params = highest;
  return out;
}

std::string WrittenTable(std::string_view sql) {
  auto w = HeadWords(sql, 3);
  std::string t;
  if (w.size() >= 3 && ((w[0] == "INSERT" && w[1] == "INTO") || (w[0] == "DELETE" && w[1] == "FROM"))) t = w[2];
  if (w.size() >= 2 && w[0] == "UPDATE") t = w[1];
  for (char& ch : t) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return t;
}

PgDb::PgDb(const std::string& url, int64_t shop, int connect_timeout_s) {
  const std::string timeout = std::to_string(connect_timeout_s);
  const char* keys[] = {"dbname", "connect_timeout", "application_name", nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), "guanxi", nullptr};
  conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
    msg = OneLine(msg);
    PQfinish(conn_);
    conn_ = nullptr;
    throw StoreError(0, "connect to PostgreSQL: " + msg, /*connection_lost=*/true);
  }
  Stmt set = Prepare("SELECT set_config('guanxi.shop', ?, false), set_config('client_min_messages', 'warning', false)");
  set.Bind(1, std::to_string(shop)).Run();
}

PgDb::~PgDb() {
  closing_ = true;
  ClearCache();
  PQfinish(conn_);
}

void PgDb::Fail(const PGresult* r, std::string_view what) const {
  std::string msg = r ? PQresultErrorMessage(r) : "";
  if (msg.empty()) msg = PQerrorMessage(conn_);
  msg = OneLine(msg);
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state ? state : "";
  // Class 08 is a connection exception; 57P01..03 the server shutting down or not yet accepting.
  const bool lost = PQstatus(conn_) != CONNECTION_OK || sqlstate.starts_with("08") || sqlstate.starts_with("57P");
  throw StoreError(0, std::string(what) + ": " + msg + (sqlstate.empty() ? "" : " [" + sqlstate + "]"), lost);
}

void PgDb::Exec(std::string_view sql) {
  Owned r(PQexec(conn_, std::string(sql).c_str()), &PQclear);
  const ExecStatusType st = PQresultStatus(r.get());
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) Fail(r.get(), sql.substr(0, 200));
}

std::unique_ptr<StmtImpl> PgDb::NewStmt(std::string_view sql) { return std::make_unique<PgStmt>(*this, sql); }

}  // namespace guanxi::store
