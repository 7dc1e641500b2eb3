// What a command did, as data: every movement of money with the rule, order and relation that caused
// it, and every change in the network (placement, rank, detachment, fund unlock). Effects are what the
// store persists and what explanations are rendered from; nothing is recomputed to explain a fen.
#pragma once

#include <cstdint>
#include <vector>

#include "core/ids.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/plan.h"

namespace guanxi::core {

enum class EffectKind : uint8_t {
  kJoined,        // member joined under `via` (referrer, or kNone)
  kPlaced,        // member took `position` among its referrer's directs; leader `via`
  kRankChanged,   // member went from old_rank to rank (by_admin tells who)
  kDetached,      // member became a partner: heads its own team, mentor `via`
  kProduct,       // product `order` (a ProductId here) created or repriced to `amount`
  kPosting,       // `amount` moved from `from` to `to`, for `reason`
  kFundUnlocked,  // member's assistance fund unlocked
  kDayClosed,     // day `position` closed
  kRebound,       // an admin moved member under `via` (its referrer was `buyer`, or kNone)
};

enum class Reason : uint8_t {
  kUnset,
  kOrderPaid,         // buyers → revenue: the paid amount
  kReward,            // revenue → recipient's pending: a rule paid the recipient
  kPoolContribution,  // revenue → pool
  kSettled,           // pending → available
  kHeld,              // pending → frozen: the assistance-fund hold
  kFundUnlocked,      // frozen → available
  kRefundReward,      // recipient → revenue: a refunded order's reward taken back
  kRefundPool,        // pool → revenue
  kRefundPayment,     // revenue → buyers: the money returned to the buyer
  kPoolPayout,        // pool → member's available
  kWithdrawRequested, // available → withdrawing
  kWithdrawPaid,      // withdrawing → payouts
  kWithdrawRejected,  // withdrawing → available
  kWithdrawFee,       // withdrawing → revenue: the fee the platform keeps from a paid withdrawal
};

// How a recipient is related to the buyer: the path that led to the reward.
enum class Relation : uint8_t {
  kUnset,
  kAncestor,  // the buyer's referral ancestor of `generation` (1 = referrer)
  kLeader,    // the buyer's leader (team boss)
  kMentor,    // the mentor of `via`, who earned a matched reward from this order
  kPool,
};

struct Effect {
  EffectKind kind = EffectKind::kPosting;
  Reason reason = Reason::kUnset;
  Relation relation = Relation::kUnset;
  RankId rank = 0;        // recipient's rank the rule looked at; new rank for kRankChanged
  RankId old_rank = 0;
  EarnedId earned = 0;
  bool by_admin = false;
  uint16_t activity = kNoActivity;
  uint16_t rule = 0;      // index of the rule in its activity
  Account from;
  Account to;
  Fen amount = 0;
  MemberId member = kNone;  // the member the effect is about (recipient, joiner …)
  MemberId buyer = kNone;
  MemberId via = kNone;
  OrderId order = kNone;    // or WithdrawalId for withdrawals, ProductId for kProduct
  uint32_t generation = 0;  // kAncestor generation; position for kPlaced; day for kDayClosed
  uint32_t units = 0;       // order quantity
};

using Effects = std::vector<Effect>;

// Short, stable name of an effect's type for machines: "reward", "settled", "rank_changed" …
// (the words for people are rendered by i18n::Explain).
const char* EffectType(const Effect& e);

}  // namespace guanxi::core
