// The engine's command journal: every command that changed the engine, in order, as typed rows of
// `engine_log`. The service appends a row in the same transaction as the command's effects; at start
// it replays the rows into a fresh engine and reaches the same state to the fen.
// Not thread-safe: used by the single writer (and by the start-up rebuild before it runs).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "core/engine.h"
#include "core/result.h"
#include "store/db.h"

namespace guanxi::service {

enum class Op : uint8_t {
  kJoin = 1,        // a: referrer or -1
  kSetRank = 2,     // a: member, text: rank name
  kProduct = 3,     // text: sku, amount: price
  kOrder = 4,       // a: buyer, n: qty, amount: unit price paid, text: sku
  kRefund = 5,      // a: engine order
  kSettle = 6,      // a: engine order
  kCloseDay = 7,
  kWithdraw = 8,    // a: member, amount, n: fee
  kWithdrawPaid = 9,       // a: withdrawal
  kWithdrawRejected = 10,  // a: withdrawal
  kRebind = 11,            // a: member, n: new referrer or -1
  kPlan = 12,              // a: plan version, text: its source (TOML); adopted for orders paid after it
};

// The name plan sources are parsed under, so errors read "plan.toml:12: …".
inline constexpr const char* kPlanSourceName = "plan.toml";

struct Command {
  explicit Command(Op o, int64_t a_ = -1, int64_t n_ = 0, int64_t amount_ = 0, std::string text_ = {})
      : op(o), a(a_), n(n_), amount(amount_), text(std::move(text_)) {}
  Op op;
  int64_t a = -1;
  int64_t n = 0;
  int64_t amount = 0;
  std::string text;
};

// Applies a command. The value is the id the command created (member, product, order, withdrawal),
// or 0 for commands that create nothing.
core::Result<uint32_t> ApplyCommand(core::Engine& engine, const Command& c, core::Effects* out);

// Appends the command and its effects (stamped with `at`, Unix ms) to the journal; returns its seq.
int64_t AppendCommand(store::Db& db, const Command& c, const core::Effects& effects, int64_t at);

// Replays the whole journal into `engine`. Throws std::runtime_error if a stored command is refused
// (the store and the engine disagree) naming the seq. Returns the number of commands replayed.
int64_t ReplayJournal(store::Db& db, core::Engine& engine);

// The engine of a stored shop, as it starts: its first plan version (`plans`), then the whole journal
// replayed (*commands receives how many commands). Throws std::runtime_error when the shop has no
// plan, a stored command is refused, or the rebuilt ledger does not sum to zero.
std::unique_ptr<core::Engine> RebuildEngine(store::Db& db, int64_t* commands = nullptr);

}  // namespace guanxi::service
