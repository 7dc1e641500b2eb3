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

std::string FreshStore(const std::filesystem::path& dir, const std::string& name) {
  if (!OnPostgres()) return (dir / (name + ".db")).string();
  static std::atomic<int> counter{0};
  const std::string db = "t_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  const std::string admin = PostgresAdminUrl();
  PGconn* c = PQconnectdb(admin.c_str());
  std::string error;
  if (PQstatus(c) != CONNECTION_OK) {
    error = std::string("cannot reach the PostgreSQL test server at ") + admin + ": " + PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, ("CREATE DATABASE " + db + " OWNER guanxi").c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) error = std::string("CREATE DATABASE failed: ") + PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  if (!error.empty()) throw std::runtime_error(error);
  // The same server, as the service's role, in the new database.
  const std::string server = admin.substr(0, admin.rfind('/'));
  const std::string host = server.substr(server.find('@') + 1);
  return "postgresql://guanxi@" + host + "/" + db;
}

}  // namespace guanxi::test
