#include "i18n/explain.h"

namespace guanxi::i18n {

std::string RankWord(const core::Plan& plan, core::RankId rank, Lang lang) {
  if (rank >= plan.ranks.size()) return std::string();
  const core::RankDef& r = plan.ranks[rank];
  return lang == Lang::kZh && !r.label.empty() ? r.label : r.name;
}

std::string EarnedWord(const core::Plan& plan, core::EarnedId earned, Lang lang) {
  if (earned >= plan.earned.size()) return Text(lang, "explain.reward_word");
  return TextOr(lang, "earned." + plan.earned[earned], plan.earned[earned]);
}

std::string PoolWord(const core::Plan& plan, uint32_t pool, Lang lang) {
  if (pool >= plan.pools.size()) return std::string();
  const core::Pool& p = plan.pools[pool];
  return Text(lang, "explain.pool_name", {{"rank", lang == Lang::kZh ? RankWord(plan, p.min_rank, lang) : p.name}});
}

std::string Explain(const core::Effect& e, const core::Engine& engine, const Names& names, Lang lang) {
  using core::EffectKind;
  using core::Reason;
  const core::Plan& plan = engine.plan();
  const auto person = [&](core::MemberId m) {
    return m == core::kNone ? Text(lang, "people.nobody") : names.member(m);
  };
  const auto t = [&](std::string_view key, Args args) {
    args.emplace_back("amount", Yuan(e.amount));
    return Text(lang, std::string("explain.") + std::string(key), args);
  };
  // "林小姐 购买 1 件 699 礼包": the order's buyer, quantity and product.
  const auto bought = [&] {
    const core::OrderView o = engine.order(e.order);
    return Text(lang, "explain.bought",
                {{"buyer", person(e.buyer)}, {"qty", std::to_string(o.qty)}, {"product", names.product(o.product)}});
  };
  const auto order = [&] { return names.order(e.order); };
  const auto earned = [&] { return EarnedWord(plan, e.earned, lang); };
  switch (e.kind) {
    case EffectKind::kJoined:
      return e.via == core::kNone ? t("joined_top", {{"member", person(e.member)}})
                                  : t("joined", {{"member", person(e.member)}, {"via", person(e.via)}});
    case EffectKind::kPlaced:
      return e.generation > 0 ? t("placed", {{"member", person(e.member)},
                                             {"position", std::to_string(e.generation)},
                                             {"referrer", person(engine.referrer(e.member))},
                                             {"leader", person(e.via)}})
                              : t("placed_top", {{"member", person(e.member)}, {"leader", person(e.via)}});
    case EffectKind::kRankChanged:
      return t(e.by_admin ? "rank_set" : "rank_reached", {{"member", person(e.member)},
                                                          {"rank", RankWord(plan, e.rank, lang)},
                                                          {"old_rank", RankWord(plan, e.old_rank, lang)}});
    case EffectKind::kDetached:
      return t("detached", {{"member", person(e.member)}, {"mentor", person(e.via)}});
    case EffectKind::kProduct:
      return t("product", {{"product", names.product(e.order)}});
    case EffectKind::kFundUnlocked:
      return t("fund_unlocked_member", {{"member", person(e.member)}, {"units", std::to_string(e.units)}});
    case EffectKind::kDayClosed:
      return t("day_closed", {{"day", std::to_string(e.generation)}});
    case EffectKind::kRebound:
      return t("rebound", {{"member", person(e.member)}, {"from", person(e.buyer)}, {"to", person(e.via)}});
    case EffectKind::kPosting:
      break;
  }
  switch (e.reason) {
    case Reason::kOrderPaid:
      return t("order_paid", {{"bought", bought()}});
    case Reason::kReward: {
      std::string who;
      switch (e.relation) {
        case core::Relation::kAncestor:
          who = e.generation == 1
                    ? Text(lang, "explain.as_referrer", {{"buyer", person(e.buyer)}})
                    : Text(lang, "explain.as_ancestor", {{"buyer", person(e.buyer)}, {"n", std::to_string(e.generation)}});
          break;
        case core::Relation::kLeader: who = Text(lang, "explain.as_leader", {{"buyer", person(e.buyer)}}); break;
        case core::Relation::kMentor: who = Text(lang, "explain.as_mentor", {{"via", person(e.via)}}); break;
        default: who = Text(lang, "explain.as_related", {{"buyer", person(e.buyer)}}); break;
      }
      return t("reward", {{"bought", bought()}, {"who", who}, {"rank", RankWord(plan, e.rank, lang)}, {"earned", earned()}});
    }
    case Reason::kPoolContribution:
      return t("pool_contribution", {{"bought", bought()}, {"pool", PoolWord(plan, e.to.id, lang)}});
    case Reason::kSettled:
      return t("settled", {{"order", order()}, {"earned", earned()}});
    case Reason::kHeld:
      return t("held", {{"order", order()}, {"earned", earned()}});
    case Reason::kFundUnlocked:
      return t("fund_unlocked", {});
    case Reason::kRefundReward:
      return t("refund_reward", {{"order", order()}, {"earned", earned()}});
    case Reason::kRefundPool:
      return t("refund_pool", {{"order", order()}, {"pool", PoolWord(plan, e.from.id, lang)}});
    case Reason::kRefundPayment:
      return t("refund_payment", {{"order", order()}, {"buyer", person(e.buyer)}});
    case Reason::kPoolPayout:
      return t("pool_payout", {{"pool", PoolWord(plan, e.via, lang)}, {"units", std::to_string(e.units)}});
    case Reason::kWithdrawRequested:
      return t("withdraw_requested", {{"withdrawal", names.withdrawal(e.order)}});
    case Reason::kWithdrawPaid:
      return t("withdraw_paid", {{"withdrawal", names.withdrawal(e.order)}});
    case Reason::kWithdrawRejected:
      return t("withdraw_rejected", {{"withdrawal", names.withdrawal(e.order)}});
    case Reason::kWithdrawFee:
      return t("withdraw_fee", {{"withdrawal", names.withdrawal(e.order)}});
    case Reason::kUnset:
      break;
  }
  return Yuan(e.amount);
}

}  // namespace guanxi::i18n
