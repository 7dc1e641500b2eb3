// `guanxi migrate`: moves one shop from a SQLite database to a PostgreSQL one (docs/operations.md).
#pragma once

#include <cstdint>
#include <string>

namespace guanxi::cli {

// Copies every table of the SQLite database `from` into `shop` of the PostgreSQL database `to`, in one
// transaction that commits only when the engine rebuilt from the copy has the same ledger as the one
// rebuilt from the source and every table has the same number of rows. Returns the exit code: 0 done,
// 1 refused (the shop already has rows there) or the copy differs or a store error (nothing written),
// 2 bad arguments (not a SQLite file, not a postgresql:// URL, another schema version).
int Migrate(const std::string& from, const std::string& to, int64_t shop);

}  // namespace guanxi::cli
