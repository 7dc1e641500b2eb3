// `guanxi report`: the console's dashboard summary (sales, orders, new members, payouts by shop day)
// computed from a store without writing to it, so it can run against a PostgreSQL streaming replica
// (docs/operations.md) and keep reporting load off the primary.
#pragma once

#include <cstdint>
#include <string>

namespace guanxi::cli {

struct ReportOptions {
  std::string db;          // a SQLite file or a postgresql:// URL (a read-only replica will do)
  int64_t shop = 1;
  int64_t from_ms = 0;     // 0: 29 days before `to`
  int64_t to_ms = 0;       // 0: now
  int utc_offset_minutes = 480;
};

// Prints the report as JSON on stdout. Returns the exit code: 0, 1 on a store error, 2 on bad options.
int Report(const ReportOptions& options);

}  // namespace guanxi::cli
