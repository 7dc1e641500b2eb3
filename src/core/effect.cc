#include "core/effect.h"

namespace guanxi::core {

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

}  // namespace guanxi::core
