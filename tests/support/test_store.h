// The store an integration test runs on. By default a SQLite file in the test's directory. When
// GUANXI_TEST_PG names the state directory of the PostgreSQL server that the test run started
// (scripts/pg-test-server, a ctest fixture), a new database on that server, owned by the unprivileged
// role `guanxi` so that row-level security applies as in production. A server that should be there and
// is not fails the test with the reason: nothing is skipped.
#pragma once

#include <filesystem>
#include <string>

namespace guanxi::test {

// True when the tests run on PostgreSQL.
bool OnPostgres();
// A new, empty store: the SQLite file `dir`/`name`.db, or a new PostgreSQL database's URL.
std::string FreshStore(const std::filesystem::path& dir, const std::string& name = "shop");
// The superuser URL of the test server (PostgreSQL only).
std::string PostgresAdminUrl();
// Runs one query; the first column of its first row ("" when none). Throws with the server's message.
std::string QueryAt(const std::string& url, const std::string& sql);
// … on the test server, as its superuser.
std::string AdminQuery(const std::string& sql);
// Ends every session on the database of `url` (PostgreSQL only), as a server restart or a broken
// network path would; returns how many there were.
int DropConnections(const std::string& url);

}  // namespace guanxi::test
