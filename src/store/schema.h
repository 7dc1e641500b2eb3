// The SQLite schema of a shop and its versioned migrations. A database remembers the migrations it
// has had (PRAGMA user_version); Open() applies the missing ones in one transaction at start.
//
// What is where: `engine_log` is the engine's command journal, replayed at start to rebuild the engine
// to the fen; `effects` keeps every effect of every command (postings, placements, rank changes) so a
// member's "why did I get this?" is answered from stored facts. The other tables are the shop's:
// accounts, members' profiles, catalogue, orders, payments, withdrawals, plan versions, audit log.
#pragma once

#include <memory>
#include <string>

#include "store/sqlite.h"

namespace guanxi::store {

inline constexpr int kSchemaVersion = 3;

// Opens the writer connection: creates the file when missing, WAL mode, synchronous=FULL (a commit is
// fsync'd before it returns), foreign keys on, and migrates to kSchemaVersion. Throws SqliteError, or
// std::runtime_error when the file was made by a newer guanxi.
std::unique_ptr<Db> OpenWriter(const std::string& path);
// A reader connection (WAL: readers see the last commit and never block the writer).
std::unique_ptr<Db> OpenReader(const std::string& path);

int SchemaVersion(Db& db);

}  // namespace guanxi::store
