// Effects in words a member reads: "D bought 1 × pkg699; you are D's referrer and a partner: direct
// 300.00". Rendered from the effect's stored facts (rule, order, relation, amounts), never recomputed.
// Names of members, orders and withdrawals belong to the caller, which passes them in.
#pragma once

#include <functional>
#include <string>

#include "core/effect.h"
#include "core/engine.h"

namespace guanxi::core {

struct Names {
  std::function<std::string(MemberId)> member;
  std::function<std::string(OrderId)> order;
  std::function<std::string(WithdrawalId)> withdrawal;
};

std::string Explain(const Effect& e, const Engine& engine, const Names& names);

// Short, stable name of an effect's type for machines: "reward", "settled", "rank_changed" …
const char* EffectType(const Effect& e);

}  // namespace guanxi::core
