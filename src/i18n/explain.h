// Effects in words a person reads, rendered from the effect's stored facts (rule, order, relation,
// amounts, who) in the reader's language: "林小姐 购买 1 件 699 礼包；你是她的推荐人，等级 会员体验官：
// 直推奖 ¥300.00". Nothing is recomputed to explain a fen. The caller names people, orders, withdrawals
// and products as its reader knows them (a nickname or masked phone, an order number): never an id.
#pragma once

#include <functional>
#include <string>

#include "core/effect.h"
#include "core/engine.h"
#include "i18n/catalogue.h"

namespace guanxi::i18n {

struct Names {
  std::function<std::string(core::MemberId)> member;
  std::function<std::string(core::OrderId)> order;
  std::function<std::string(core::WithdrawalId)> withdrawal;
  std::function<std::string(core::ProductId)> product;
};

std::string Explain(const core::Effect& e, const core::Engine& engine, const Names& names, Lang lang);

// Words from the plan: a rank's label in Chinese (its name in English, or when it has no label), an
// earned category's catalogue word ("direct" → 直推奖) or its own name, a pool named by its rank.
std::string RankWord(const core::Plan& plan, core::RankId rank, Lang lang);
std::string EarnedWord(const core::Plan& plan, core::EarnedId earned, Lang lang);
std::string PoolWord(const core::Plan& plan, uint32_t pool, Lang lang);

}  // namespace guanxi::i18n
