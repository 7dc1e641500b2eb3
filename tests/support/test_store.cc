#include "support/test_store.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace guanxi::test {
namespace {

std::string StateDir() {
  const char* s = std::getenv("GUANXI_TEST_PG");
  return s == nullptr ? std::string() : std::string(s);
}

}  // namespace

bool OnPostgres() { return !StateDir().empty(); }

std::string PostgresAdminUrl() {
  const std::string state = StateDir();
  std::ifstream in(state + "/url");
  std::string url;
  if (!std::getline(in, url) || url.empty()) {
    throw std::runtime_error("the PostgreSQL test server is not running: " + state +
                             "/url is missing (scripts/pg-test-server start failed? see " + state + "/log)");
  }
  return url;
}

std::string QueryAt(const std::string& url, const std::string& sql) {
  PGconn* c = PQconnectdb(url.c_str());
  std::string error, value;
  if (PQstatus(c) != CONNECTION_OK) {
    error = std::string("cannot reach the PostgreSQL test server at ") + url + ": " + PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    const ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      error = sql + ": " + PQresultErrorMessage(r);
    } else if (PQntuples(r) > 0) {
      value = PQgetvalue(r, 0, 0);
    }
    PQclear(r);
  }
  PQfinish(c);
  if (!error.empty()) throw std::runtime_error(error);
  return value;
}

std::string AdminQuery(const std::string& sql) { return QueryAt(PostgresAdminUrl(), sql); }

int DropConnections(const std::string& url) {
  const std::string db = url.substr(url.rfind('/') + 1);
  return std::stoi(AdminQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '" +
                              db + "' AND pid <> pg_backend_pid()"));
}

std::string FreshStore(const std::filesystem::path& dir, const std::string& name) {
  if (!OnPostgres()) return (dir / (name + ".db")).string();
  static std::atomic<int> counter{0};
  const std::string db = "t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  AdminQuery("CREATE DATABASE " + db + " OWNER guanxi");
  const std::string admin = PostgresAdminUrl();
  // The same server, as the service's role, in the new database.
  const std::string server = admin.substr(0, admin.rfind('/'));
  const std::string host = server.substr(server.find('@') + 1);
  return "postgresql://guanxi@" + host + "/" + db;
}

}  // namespace guanxi::test
