// The engine's commands as data: what the service journals (engine_log) and replays at start, and what
// `guanxi replay` hands to a journal. Ids are the engine's dense ids; -1 is "none".
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace guanxi::core {

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

struct Command {
  explicit Command(Op o, int64_t a_ = -1, int64_t n_ = 0, int64_t amount_ = 0, std::string text_ = {})
      : op(o), a(a_), n(n_), amount(amount_), text(std::move(text_)) {}
  Op op;
  int64_t a = -1;
  int64_t n = 0;
  int64_t amount = 0;
  std::string text;
};

}  // namespace guanxi::core
