// `guanxi serve` and `guanxi backup`: the shop service on a SQLite file, behind the HTTP API.
#pragma once

#include <cstdint>
#include <string>

namespace guanxi::cli {

struct ServeOptions {
  std::string db = "guanxi.db";  // a SQLite file, or a postgresql:// URL
  int64_t shop = 1;              // the shop's id in a PostgreSQL database that holds several
  std::string listen = "127.0.0.1:8080";
  std::string plan;         // plan file; required on first start, checked against the stored plan after
  std::string config;       // TOML file of settings (docs/service.md); optional
  std::string static_dir;   // web console and H5 files; optional
  bool demo = false;        // seed a demo shop when the database is new
  bool fast_hashing = false;  // argon2id at minimum cost (tests and load benchmarks only)
};

// Runs until SIGINT or SIGTERM. Returns the process exit code; errors are printed to stderr.
int Serve(const ServeOptions& options);

// A consistent copy of a live database (SQLite's VACUUM INTO: one read transaction, so it never sees
// half a batch). Returns the exit code.
int Backup(const std::string& db, const std::string& out);

}  // namespace guanxi::cli
