#include "core/explain.h"

namespace guanxi::core {

namespace {

std::string Ordinal(uint32_t n) {
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    if (n % 10 == 2) suffix = "nd";
    if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

std::string Article(const std::string& word) {
  const bool vowel = !word.empty() && std::string("aeiou").find(word[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + word;
}

}  // namespace

const char* EffectType(const Effect& e) {
  switch (e.kind) {
    case EffectKind::kJoined: return "joined";
    case EffectKind::kPlaced: return "placed";
    case EffectKind::kRankChanged: return "rank_changed";
    case EffectKind::kDetached: return "detached";
    case EffectKind::kProduct: return "product";
    case EffectKind::kFundUnlocked: return "fund_unlocked";
    case EffectKind::kDayClosed: return "day_closed";
    case EffectKind::kRebound: return "rebound";
    case EffectKind::kPosting: break;
  }
  switch (e.reason) {
    case Reason::kOrderPaid: return "order_paid";
    case Reason::kReward: return "reward";
    case Reason::kPoolContribution: return "pool_contribution";
    case Reason::kSettled: return "settled";
    case Reason::kHeld: return "held";
    case Reason::kFundUnlocked: return "unfrozen";
    case Reason::kRefundReward: return "refund_reward";
    case Reason::kRefundPool: return "refund_pool";
    case Reason::kRefundPayment: return "refund_payment";
    case Reason::kPoolPayout: return "pool_payout";
    case Reason::kWithdrawRequested: return "withdraw_requested";
    case Reason::kWithdrawPaid: return "withdraw_paid";
    case Reason::kWithdrawRejected: return "withdraw_rejected";
    case Reason::kWithdrawFee: return "withdraw_fee";
    case Reason::kUnset: break;
  }
  return "posting";
}

std::string Explain(const Effect& e, const Engine& engine, const Names& names) {
  const Plan& plan = engine.plan();
  const auto rank = [&](RankId r) { return plan.ranks[r].name; };
  const auto earned = [&](EarnedId id) { return id < plan.earned.size() ? plan.earned[id] : std::string("reward"); };
  const auto name = [&](MemberId m) { return m == kNone ? std::string("nobody") : names.member(m); };
  const auto bought = [&]() {
    const OrderView o = engine.order(e.order);
    return name(e.buyer) + " bought " + std::to_string(o.qty) + " × " + engine.product(o.product).sku;
  };
  const std::string yuan = FormatYuan(e.amount);
  switch (e.kind) {
    case EffectKind::kJoined:
      return name(e.member) + " joined" + (e.via == kNone ? std::string(" at the top") : " invited by " + name(e.via));
    case EffectKind::kPlaced:
      return name(e.member) + " became a member" +
             (e.generation > 0 ? ": position " + std::to_string(e.generation) + " among " +
                                     name(engine.referrer(e.member)) + "'s directs"
                               : std::string()) +
             "; leader " + name(e.via);
    case EffectKind::kRankChanged:
      return name(e.member) + (e.by_admin ? " was set to " : " became ") + rank(e.rank) + " (was " +
             rank(e.old_rank) + ")" + (e.by_admin ? " by an admin" : "");
    case EffectKind::kDetached:
      return name(e.member) + " heads its own team now; its mentor is " + name(e.via);
    case EffectKind::kProduct:
      return "product " + engine.product(e.order).sku + " at " + yuan;
    case EffectKind::kFundUnlocked:
      return "your assistance fund is unlocked: your positions qualify and hold " + std::to_string(e.units) +
             " units below them";
    case EffectKind::kDayClosed:
      return "day " + std::to_string(e.generation) + " closed";
    case EffectKind::kRebound:
      return name(e.member) + " was moved by an admin from " + name(e.buyer) + " to " + name(e.via);
    case EffectKind::kPosting:
      break;
  }
  switch (e.reason) {
    case Reason::kOrderPaid:
      return bought() + " and paid " + yuan;
    case Reason::kReward: {
      std::string who;
      switch (e.relation) {
        case Relation::kAncestor:
          who = e.generation == 1 ? "you are " + name(e.buyer) + "'s referrer"
                                  : "you are " + name(e.buyer) + "'s " + Ordinal(e.generation) + "-generation upline";
          break;
        case Relation::kLeader: who = "you are " + name(e.buyer) + "'s leader"; break;
        case Relation::kMentor: who = name(e.via) + " earned from it and you are " + name(e.via) + "'s mentor"; break;
        default: who = "you are related to " + name(e.buyer); break;
      }
      return bought() + "; " + who + " and " + Article(rank(e.rank)) + ": " + earned(e.earned) + " " + yuan;
    }
    case Reason::kPoolContribution:
      return bought() + ": " + yuan + " to the " + plan.pools[e.to.id].name + " pool";
    case Reason::kSettled:
      return "order " + names.order(e.order) + " settled: " + earned(e.earned) + " " + yuan + " now available";
    case Reason::kHeld:
      return "order " + names.order(e.order) + " settled: " + yuan + " of " + earned(e.earned) +
             " frozen by the assistance fund until it unlocks";
    case Reason::kFundUnlocked:
      return "assistance fund unlocked: " + yuan + " moved from frozen to available";
    case Reason::kRefundReward:
      return "order " + names.order(e.order) + " was refunded: " + earned(e.earned) + " " + yuan + " taken back";
    case Reason::kRefundPool:
      return "order " + names.order(e.order) + " was refunded: " + yuan + " taken back from the " +
             plan.pools[e.from.id].name + " pool";
    case Reason::kRefundPayment:
      return "order " + names.order(e.order) + " was refunded: " + yuan + " returned to " + name(e.buyer);
    case Reason::kPoolPayout:
      return "daily share of the " + plan.pools[e.via].name + " pool among " + std::to_string(e.units) +
             " members: " + yuan;
    case Reason::kWithdrawRequested:
      return "withdrawal " + names.withdrawal(e.order) + " requested: " + yuan;
    case Reason::kWithdrawPaid:
      return "withdrawal " + names.withdrawal(e.order) + " paid out: " + yuan;
    case Reason::kWithdrawRejected:
      return "withdrawal " + names.withdrawal(e.order) + " rejected: " + yuan + " back to available";
    case Reason::kWithdrawFee:
      return "withdrawal " + names.withdrawal(e.order) + " fee: " + yuan;
    case Reason::kUnset:
      break;
  }
  return yuan;
}

}  // namespace guanxi::core
