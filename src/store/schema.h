// The schema of a shop and its versioned migrations, on either backend: a SQLite file (the embedded
// default) or a PostgreSQL database (a postgresql:// URL), which may hold many shops. A database
// remembers the migrations it has had (SQLite: PRAGMA user_version; PostgreSQL: guanxi_schema);
// OpenWriter() applies the missing ones in one transaction at start. Both backends have the same
// migrations, each written in its dialect (the PostgreSQL tables also carry shop_id).
//
// What is where: `engine_log` is the engine's command journal, replayed at start to rebuild the engine
// to the fen; `effects` keeps every effect of every command (postings, placements, rank changes) so a
// member's "why did I get this?" is answered from stored facts. The other tables are the shop's:
// accounts, members' profiles, catalogue, orders, payments, withdrawals, plan versions, audit log.
#pragma once

#include <memory>
#include <string>

#include <string_view>

#include "store/db.h"

namespace guanxi::store {

inline constexpr int kSchemaVersion = 8;

// True for a postgresql:// (or postgres://) URL; anything else is a SQLite file's path.
bool IsPostgres(std::string_view url);
// How logs name a store: the file, or the URL without its password and with the shop.
std::string DisplayName(const std::string& url, int64_t shop);

// Opens the writer connection and migrates to kSchemaVersion. SQLite: creates the file when missing,
// WAL mode, synchronous=FULL (a commit is fsync'd before it returns), foreign keys on. PostgreSQL: the
// connection is `shop`'s. Throws StoreError, or std::runtime_error when the database was made by a
// newer guanxi.
// `version` below kSchemaVersion migrates only that far (the migration tests start from old versions).
std::unique_ptr<Db> OpenWriter(const std::string& url, int64_t shop = 1, int version = kSchemaVersion);
// A reader connection: each read transaction (BeginRead) sees one committed state and never blocks the
// writer.
std::unique_ptr<Db> OpenReader(const std::string& url, int64_t shop = 1);

int SchemaVersion(Db& db);

}  // namespace guanxi::store
