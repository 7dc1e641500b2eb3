// The shop's settings: where its database is, its time zone, how long things last, withdrawal rules and
// secrets. Defaults suit a demo; `guanxi serve` reads overrides from a TOML file and flags
// (docs/service.md lists every key).
#pragma once

#include <cstdint>
#include <string>

#include "core/money.h"

namespace guanxi::service {

struct ShopConfig {
  std::string db_path = "guanxi.db";  // a SQLite file, or a postgresql:// URL
  int64_t shop_id = 1;                // the shop's rows in a PostgreSQL database shared by shops
  int utc_offset_minutes = 480;  // Asia/Shanghai

  int64_t order_ttl_ms = 15 * 60'000;            // unpaid orders expire and release their stock
  int64_t auto_confirm_ms = 7 * 86'400'000LL;    // shipped orders are confirmed received after this
  int64_t return_window_ms = 7 * 86'400'000LL;   // received orders settle after this
  int64_t token_ttl_ms = 7 * 86'400'000LL;

  core::Fen withdraw_min = 1'000;    // 10.00 yuan
  core::Fen withdraw_fee_fixed = 0;  // fee kept by the platform, in fen
  core::Bps withdraw_fee_bps = 0;    // plus this share of the amount

  std::string payment_secret;       // HMAC-SHA256 key of the sandbox payment provider
  bool sandbox_payments = true;     // the sandbox provider is offered to buyers

  // Logins (LoginLimiter): free failures per phone and per client address, then a delay that doubles
  // with each further failure up to the cap; failures are forgotten a window after the last one.
  int login_max_failures = 5;
  int login_address_max_failures = 20;
  int64_t login_delay_ms = 1'000;
  int64_t login_max_delay_ms = 15 * 60'000;
  int64_t login_window_ms = 15 * 60'000;

  bool fast_password_hashing = false;  // argon2id at libsodium's minimum cost (tests, demo seeding)
  size_t max_batch = 1024;             // jobs per group commit
  // SQLite's WAL: copied into the database file (a passive checkpoint on a connection of its own)
  // once it holds this many frames, and started over by the writer once it holds the second number.
  int wal_checkpoint_frames = 4000;    // 16 MiB of 4 KiB pages
  int wal_restart_frames = 16'000;     // 64 MiB
  bool huge_pages = false;             // the engine's arrays on transparent huge pages (service::HugePages)
  int workers = 2;                     // threads for password hashing (HashPool)
};

}  // namespace guanxi::service
