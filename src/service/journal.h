// The engine's command journal: every command that changed the engine, in order, as typed rows of
// `engine_log`. The service appends a row in the same transaction as the command's effects; at start
// it replays the rows into a fresh engine and reaches the same state to the fen.
// Not thread-safe: used by the single writer (and by the start-up rebuild before it runs).
#pragma once

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <utility>
#include <vector>

#include "core/command.h"
#include "core/engine.h"
#include "core/result.h"
#include "store/db.h"

namespace guanxi::service {

using core::Command;
using core::Op;

// The name plan sources are parsed under, so errors read "plan.toml:12: …".
inline constexpr const char* kPlanSourceName = "plan.toml";

// Applies a command. The value is the id the command created (member, product, order, withdrawal),
// or 0 for commands that create nothing.
core::Result<uint32_t> ApplyCommand(core::Engine& engine, const Command& c, core::Effects* out);

// Appends the command and its effects (stamped with `at`, Unix ms) to the journal; returns its seq.
// The effects get the ids *next_effect_id, *next_effect_id + 1, …, and *next_effect_id moves past them
// (the writer's counter: one more than the largest id stored, NextEffectId).
int64_t AppendCommand(store::Db& db, const Command& c, const core::Effects& effects, int64_t at,
                      int64_t* next_effect_id);

// One more than the largest effect id stored (1 for a new shop).
int64_t NextEffectId(store::Db& db);

// The effects a member's earnings page lists (GET /me/earnings): postings to or from the member's
// accounts, but not the buyer's own payment and its refund.
bool IsEarning(const core::Effect& e);
// The same condition in SQL, on a row of `effects`.
extern const char* const kIsEarningSql;

// Replays the whole journal into `engine`. Throws std::runtime_error if a stored command is refused
// (the store and the engine disagree) naming the seq. Returns the number of commands replayed.
int64_t ReplayJournal(store::Db& db, core::Engine& engine);

// The engine of a stored shop, as it starts: its first plan version (`plans`), then the whole journal
// replayed (*commands receives how many commands). Throws std::runtime_error when the shop has no
// plan, a stored command is refused, or the rebuilt ledger does not sum to zero.
// `memory` holds the engine's arrays (core/array.h; HugePages for huge pages).
std::unique_ptr<core::Engine> RebuildEngine(store::Db& db, int64_t* commands = nullptr,
                                            std::pmr::memory_resource* memory = std::pmr::new_delete_resource());

// Two engines that should be the same shop (one rebuilt from a copy of the other's store): the
// members, each one's rank, referrer and four balances, the pools and the platform accounts, and both
// ledgers summing to zero. `differences` lists the first 20 that differ, named with a_name/b_name.
struct EngineComparison {
  int64_t accounts = 0;  // ledger accounts compared
  std::vector<std::string> differences;
};
EngineComparison CompareEngines(const core::Engine& a, const core::Engine& b, const std::string& a_name,
                                const std::string& b_name);

}  // namespace guanxi::service
