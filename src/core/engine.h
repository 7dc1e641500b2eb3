// The engine: the single writer of the member network and the ledger. It applies commands in order and
// reports their effects; it reads no clock, file or socket, so a replayed command stream reaches the same
// state to the fen. Rejected commands return an Error and change nothing.
//
// Shape (why it is fast): members live in one flat array of blocks indexed by dense ids, orders and
// reward lines in arrays of fixed-size chunks that grow without copying.
// Per order the engine touches the buyer, the referral ancestors the plan pays (found through cached
// "nearest qualified ancestor" pointers, so a 100,000-deep chain costs what a shallow tree does), the
// leader and mentors. Upgrades use counters kept incrementally: directs of each rank, legs holding each
// rank (via the highest rank in every subtree), unrefunded package units.
//
// Not thread-safe: one thread owns an Engine. Effects* may be null when the caller does not want them.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/array.h"
#include "core/effect.h"
#include "core/ids.h"
#include "core/ledger.h"
#include "core/money.h"
#include "core/plan.h"
#include "core/result.h"

namespace guanxi::core {

enum class OrderStatus : uint8_t { kPaid, kSettled, kRefunded };
enum class WithdrawalStatus : uint8_t { kRequested, kPaid, kRejected };

// O(1) team summary. The team (团队) is the plan's: the members whose leader is this member. Sales are
// counted when the buyer was in the team at the time of the order, net of refunds.
struct TeamSummary {
  uint32_t size = 0;
  int64_t units = 0;
  Fen amount = 0;
  uint32_t directs = 0;          // direct referrals, any rank
  uint32_t member_directs = 0;   // direct referrals placed as members (positions taken)
};

// How far a member's assistance fund (帮扶基金) is from unlocking: its two conditions, each as x of y.
struct FundProgress {
  bool locked = false;
  uint32_t positions = 0;            // positions 1..positions must be of rank ≥ the plan's minimum
  uint32_t positions_qualified = 0;  // … of which this many are
  int64_t units = 0;                 // paid, unrefunded units below those positions (counted up to units_needed)
  int64_t units_needed = 0;
};

struct OrderView {
  MemberId buyer;
  ProductId product;
  uint32_t qty;
  Fen paid;
  OrderStatus status;
};

class Engine {
 public:
  // REQUIRES: plan.Validate() is ok. `memory` holds the per-member and per-order arrays (see
  // core/array.h); it must outlive the engine and its copies.
  explicit Engine(Plan plan, std::pmr::memory_resource* memory = std::pmr::new_delete_resource());

  // Sizes the member array for this many members up front (start-up rebuild, benchmarks), so that
  // joins neither reallocate it nor leave doubled capacity behind; orders and reward lines grow in
  // chunks and never reallocate (`orders` sizes their first chunk).
  void Reserve(uint32_t members, uint32_t orders);

  // ---- commands ----
  Result<MemberId> Join(MemberId referrer, Effects* out);  // referrer kNone: top of the tree
  Status SetRank(MemberId member, RankId rank, Effects* out);
  // An admin moves a fan to another referrer (kNone: the top of the tree). Only a fan that nothing
  // depends on yet may move: not placed, the plan's first rank, no directs of its own; so no reward,
  // team or position has been computed from where it stands. The old referrer's counters go down (its
  // rank stays: ranks never drop by themselves), the new one's go up and it may upgrade.
  Status Rebind(MemberId member, MemberId referrer, Effects* out);
  Result<ProductId> UpsertProduct(std::string_view sku, Fen price, Effects* out);
  // Creates and pays an order line. unit_price: what the buyer paid per unit (member prices are the
  // shop's business); nullopt means the catalogue price.
  Result<OrderId> PayOrder(MemberId buyer, ProductId product, uint32_t qty, std::optional<Fen> unit_price,
                           Effects* out);
  Status Refund(OrderId order, Effects* out);
  Status Settle(OrderId order, Effects* out);
  Status CloseDay(Effects* out);
  // Moves `amount` from available to withdrawing. When it is paid, the member receives amount − fee and
  // the platform keeps the fee (revenue); when it is rejected, the whole amount returns. 0 ≤ fee < amount.
  Result<WithdrawalId> Withdraw(MemberId member, Fen amount, Fen fee, Effects* out);
  Status WithdrawPaid(WithdrawalId id, Effects* out);
  Status WithdrawRejected(WithdrawalId id, Effects* out);
  // A new version of the plan for the orders paid from now on: its activities (which products they
  // cover, their rules and amounts) replace the current ones, and products it declares that the engine
  // does not know are added at its price. Orders paid before keep the lines they were paid with, so
  // settling or refunding them undoes exactly what was paid. What members already hold cannot change
  // under them, so the new plan must keep the ranks (names, order and conditions; labels may change),
  // the earned categories, the pools, the placement, the assistance fund and the rank at which
  // differential rules start; otherwise the error is plan_incompatible, naming what differs.
  Status AdoptPlan(Plan next, Effects* out);

  // ---- queries ----
  const Plan& plan() const { return plan_; }
  const Ledger& ledger() const { return ledger_; }
  uint32_t member_count() const { return static_cast<uint32_t>(ledger_.member_count()); }
  uint32_t order_count() const { return static_cast<uint32_t>(orders_.size()); }
  uint32_t product_count() const { return static_cast<uint32_t>(products_.size()); }
  uint32_t day() const { return day_; }

  RankId rank(MemberId m) const { return Rec(m).rank; }
  MemberId referrer(MemberId m) const { return Rec(m).referrer; }
  // The leader: for a placed member the stored one; for a fan, its referrer's leader, recursively.
  MemberId leader(MemberId m) const;
  MemberId mentor(MemberId m) const { return Rec(m).mentor; }
  uint32_t position(MemberId m) const { return Rec(m).position; }  // 0: not placed or no referrer
  bool placed(MemberId m) const { return Rec(m).placed != 0; }     // has taken its place in a team
  uint32_t depth(MemberId m) const { return Rec(m).depth; }
  // Direct referrals in the order they joined: first_child, then next_sibling until kNone.
  MemberId first_child(MemberId m) const { return Rec(m).first_child; }
  MemberId next_sibling(MemberId m) const { return Rec(m).next_sibling; }
  bool fund_locked(MemberId m) const { return Rec(m).fund_locked != 0; }
  // For people (a wallet page), not for the rules: while the fund's positions do not yet qualify, the
  // engine does not count units below them, so this walks those subtrees, stopping once enough units are
  // found. REQUIRES: the plan has a fund.
  FundProgress fund_progress(MemberId m) const;
  Balances balances(MemberId m) const { return ledger_.member(m); }
  Fen earned(MemberId m, EarnedId e) const { return ledger_.extra(m)[e]; }
  TeamSummary team(MemberId m) const;
  uint32_t rank_count(RankId r) const { return rank_count_[r]; }

  std::optional<ProductId> FindProduct(std::string_view sku) const;
  const Product& product(ProductId p) const { return products_[p].def; }
  ActivityId product_activity(ProductId p) const { return products_[p].activity; }
  OrderView order(OrderId o) const;
  WithdrawalStatus withdrawal_status(WithdrawalId w) const { return withdrawals_[w].status; }

  // A hint, not a command: `buyer` is about to pay (the next order in the caller's queue). The engine
  // starts loading the buyer's records now and, during the next PayOrder, those of its referrer and
  // leader and then of their mentors, so that the hinted order finds them in cache instead of waiting
  // for memory one record after another. Call it for order i + 1 just before paying order i. Whether
  // it is called, for whom, and whether that buyer then pays changes no result; an unknown id is
  // ignored.
  void Prefetch(MemberId buyer);

  // Bytes held per member by the network, ledger and counters (capacity, not size), for benchmarks.
  size_t MemoryBytes() const;

 private:
  // What the engine reads about a member on nearly every order, at the start of the member's block in
  // the ledger (see "Members" below). A block starts on a 16-byte boundary, not a line: what ancestor
  // and subtree walks read comes first, so that for most members they touch one line.
  struct MemberRec {
    RankId rank = 0;
    RankId submax = 0;  // highest rank in the member's referral subtree, itself included
    uint8_t placed = 0;
    uint8_t fund_locked = 1;
    uint8_t fund_watch = 0;  // fund locked and positions qualified: units below them are counted
    uint8_t tracked = 0;     // a fund position whose referrer is watched
    MemberId referrer = kNone;
    MemberId leader = kNone;
    MemberId diff_up = kNone;   // nearest ancestor of rank ≥ diff_min_rank_ (NearestMarked)
    MemberId track_up = kNone;  // nearest ancestor whose fund units are tracked (NearestMarked)
    MemberId first_child = kNone;
    MemberId next_sibling = kNone;
    MemberId mentor = kNone;
    MemberId last_child = kNone;
    uint32_t depth = 0;
    uint32_t position = 0;        // among the referrer's directs, in the order they became members
    uint32_t member_directs = 0;  // directs placed so far (the next position − 1)
    uint32_t direct_count = 0;
    uint32_t team_size = 0;
  };
  static_assert(sizeof(MemberRec) <= 64 && alignof(MemberRec) <= 16);

  struct ProductRec {
    Product def;
    ActivityId activity = kNoActivity;
    int32_t buy_index = -1;     // counter slot when a rank condition names this SKU
    bool fund_unit = false;     // counts toward the assistance-fund units
  };
  // One reward (or pool contribution) of an order, kept so settlement and refunds undo exactly it.
  struct Line {
    Fen amount;
    MemberId recipient;  // MemberId, or PoolId for pool lines
    EarnedId earned;
    bool pool;
    bool held;           // settled with the fund hold: HeldPart(amount) went to frozen
  };
  static_assert(sizeof(Line) == 16);
  Fen HeldPart(const Line& line) const { return line.held ? ApplyBps(line.amount, plan_.fund.hold_bps) : 0; }
  struct OrderRec {
    MemberId buyer;
    ProductId product;
    uint32_t qty;
    Fen paid;
    uint32_t first_line;
    uint32_t line_count;
    MemberId team_leader;  // whose team sales this order counted in
    OrderStatus status;
  };
  struct WithdrawalRec {
    MemberId member;
    Fen amount;
    Fen fee;
    WithdrawalStatus status;
  };
  // A rule with its rank tables spelled out per rank, built once from the plan: evaluating it on an
  // order is an array index, not a search of the plan's (rank, value) lists.
  struct RuleEval {
    static constexpr int64_t kNothing = INT64_MIN;  // the rank earns nothing from this rule
    RuleKind kind = RuleKind::kReferral;
    Amount::Kind amount_kind = Amount::Kind::kPerUnit;
    EarnedId earned = 0;
    RankId min_rank = 0;
    RankId source_min_rank = 0;
    RankId top = 0;  // kDifferential: the walk ends after this rank
    PoolId pool = 0;
    Bps rate_bps = 0;
    uint32_t generation = 1;
    uint32_t of_mask = 0;
    std::array<int64_t, kMaxRanks> amount{};  // Rule::amount.by_rank (or the flat pool amount) per rank
    std::array<int64_t, kMaxRanks> target{};  // Rule::targets per rank (kDifferential)

    // What Amount::For gives for a recipient of rank r, or kNothing.
    Fen AmountFor(RankId r, uint32_t qty, Fen paid) const {
      const int64_t v = amount[r];
      if (v == kNothing) return kNothing;
      return amount_kind == Amount::Kind::kPerUnit ? v * static_cast<Fen>(qty) : ApplyBps(paid, static_cast<Bps>(v));
    }
  };
  // An automatic rank's conditions as offsets into a member's counter block (RankDef's, resolved once).
  struct RankCheck {
    bool automatic = false;
    uint32_t buy_begin = 0, buy_end = 0;  // [begin, end) in rank_buy_offsets_: has bought one of these
    int32_t directs = -1;                 // offset of the directs counter, or -1: no such condition
    uint32_t directs_count = 0;
    int32_t legs = -1;                    // offset of the legs counter, or -1
    uint32_t legs_count = 0;
  };

  Status CheckMember(MemberId m, const char* field) const;
  // The effect every posting of a rule on an order starts from (only built when effects are wanted).
  static Effect RuleEffect(ActivityId activity, size_t rule, EarnedId earned, OrderId id, const OrderRec& o);
  // Pays `to` a reward into pending and records the line for settlement and refunds; `why` (may be
  // null when out is) explains it.
  void Credit(MemberId to, EarnedId earned, Fen amount, const Effect* why, Effects* out);
  void Post(Account from, Account to, Fen amount, Reason reason, Effects* out, const Effect& why = Effect{});
  // Hints to the CPU; they change nothing. PrefetchMember: m's whole block.
  // PrefetchRelations (before the current order's rules): reads the hinted buyer's record (loaded by
  // Prefetch) and requests its referrer's, leader's and nearest-ancestor targets'. PrefetchMentors (at
  // the end of the current order): reads the referrer's and leader's records (loaded by then) and
  // requests their mentors' and, for a first purchase, the leader-to-be's.
  void PrefetchMember(MemberId m) const;
  void PrefetchRelations(MemberId buyer) const;
  void PrefetchMentors(MemberId buyer) const;

  // Nearest marked strict referral ancestor, through a pointer per member (`up`). Invariant: up[x] is a
  // strict ancestor of x (or kNone) and nothing strictly between them is marked. Marking a member
  // re-points the part of its subtree not already below a marked member (MarkSubtree); unmarking costs
  // nothing, because lookups step over unmarked targets and compress the path they walked.
  template <MemberId MemberRec::*kUp, typename Pred>
  MemberId NearestMarked(MemberId x, Pred marked);
  // Calls fn(d) for each descendant d of q that has no marked member between itself and q; does not
  // descend below a marked d. prefetch(d) is called when d is queued, well before fn(d).
  template <typename Pred, typename Fn, typename Pre>
  void ForEachUnshadowed(MemberId q, Pred marked, Fn fn, Pre prefetch);

  // Network changes.
  void Place(MemberId m, Effects* out);
  void LinkUnder(MemberId m, MemberId r);
  // ±1 on r's counters of directs and legs of the first rank; true when a condition counts them.
  bool CountFirstRankLeg(MemberId r, int delta);
  void ChangeRank(MemberId m, RankId to, bool by_admin, Effects* out);
  void RaiseSubtreeMax(MemberId m, RankId r);
  void RecomputeSubtreeMax(MemberId m);
  void SubtreeMaxChanged(MemberId child, RankId old_max, RankId new_max);
  bool Qualifies(MemberId m, RankId r) const;
  // Queues m for an upgrade check. The same member twice in a row is queued once: nothing between the
  // two checks could change its counters, so the second could only repeat the first.
  void QueueUpgradeCheck(MemberId m) {
    if (upgrade_queue_.empty() || upgrade_queue_.back() != m) upgrade_queue_.push_back(m);
  }
  // Runs queued upgrade checks and fund checks until nothing changes: upgrades cascade up the tree.
  void Cascade(Effects* out);

  // Assistance fund.
  void FundPositionsChanged(MemberId x);
  void TrackPositions(MemberId x, bool on);
  void AddFundUnits(MemberId buyer, int64_t delta);
  void CheckFund(MemberId x, Effects* out);

  // Paid: withdrawing → the platform's payouts, the fee → revenue; rejected: back to available.
  Status CloseWithdrawal(WithdrawalId id, bool paid, Effects* out);
  void ApplyRules(OrderId id, const OrderRec& o, ActivityId activity, Effects* out);
  // The plan's rules spelled out per activity (rule_evals_).
  static std::vector<std::vector<RuleEval>> SpellOutRules(const Plan& plan);

  Plan plan_;
  Ledger ledger_;
  uint32_t day_ = 0;
  EarnedId pool_earned_ = 0;
  RankId diff_min_rank_ = 0xFF;             // lowest rank any differential rule pays
  std::vector<RankId> directs_ranks_;       // distinct ranks counted by "directs" conditions
  std::vector<RankId> legs_ranks_;          // distinct ranks counted by "legs" conditions
  std::vector<RankCheck> rank_checks_;                 // per rank
  std::vector<uint32_t> rank_buy_offsets_;             // the buy counters each rank's buy_any names
  std::vector<std::vector<RuleEval>> rule_evals_;      // per activity, per rule
  size_t buy_slots_ = 0;
  size_t earned_stride_ = 0;

  // Members. Everything the engine keeps about member m sits in m's block of the ledger
  // (Ledger::prefix), so that a member an order touches costs one page, not one per array:
  //   [0, 64)                  MemberRec
  //   [kUnitsAt, +16)          fund units bought by m (own) and by m's descendants while m is tracked
  //                            (desc), side by side: a subtree count reads both for every member
  //   [kCountersAt, +4 × counter_stride_)   the counters upgrade conditions read: directs of rank ≥
  //                            directs_ranks_[i], legs holding rank ≥ legs_ranks_[i], unrefunded units
  //                            per buy slot
  //   [positions_at_, +4 × fund.positions)  fund position k's member at [k − 1]
  // then the ledger's balances and its extra words: earnings per category, team units, team amount.
  struct FundUnits {
    int64_t own = 0;
    int64_t desc = 0;
  };
  static constexpr size_t kUnitsAt = 64;
  static constexpr size_t kCountersAt = kUnitsAt + sizeof(FundUnits);
  size_t positions_at_ = kCountersAt;
  size_t counter_stride_ = 0;
  MemberRec& Rec(MemberId m) { return *std::launder(reinterpret_cast<MemberRec*>(ledger_.prefix(m))); }
  const MemberRec& Rec(MemberId m) const {
    return *std::launder(reinterpret_cast<const MemberRec*>(ledger_.prefix(m)));
  }
  FundUnits& Units(MemberId m) { return *std::launder(reinterpret_cast<FundUnits*>(ledger_.prefix(m) + kUnitsAt)); }
  uint32_t* Counters(MemberId m) { return std::launder(reinterpret_cast<uint32_t*>(ledger_.prefix(m) + kCountersAt)); }
  const uint32_t* Counters(MemberId m) const {
    return std::launder(reinterpret_cast<const uint32_t*>(ledger_.prefix(m) + kCountersAt));
  }
  MemberId* Positions(MemberId m) {
    return std::launder(reinterpret_cast<MemberId*>(ledger_.prefix(m) + positions_at_));
  }
  const MemberId* Positions(MemberId m) const {
    return std::launder(reinterpret_cast<const MemberId*>(ledger_.prefix(m) + positions_at_));
  }
  const FundUnits& Units(MemberId m) const {
    return *std::launder(reinterpret_cast<const FundUnits*>(ledger_.prefix(m) + kUnitsAt));
  }
  // Offsets into Counters(m).
  size_t DirectsSlot(size_t i) const { return i; }
  size_t LegsSlot(size_t i) const { return directs_ranks_.size() + i; }
  size_t BuySlot(int32_t slot) const { return directs_ranks_.size() + legs_ranks_.size() + static_cast<size_t>(slot); }
  // Earnings per category and team sales live beside the member's balances, in the ledger's block
  // (Ledger::extra): [earned 0 .. earned_stride_ − 1, team units, team amount].
  Fen& Earned(MemberId m, EarnedId e) { return ledger_.extra(m)[e]; }
  int64_t& TeamUnits(MemberId m) { return ledger_.extra(m)[earned_stride_]; }
  Fen& TeamAmount(MemberId m) { return ledger_.extra(m)[earned_stride_ + 1]; }
  std::vector<uint32_t> rank_count_;
  // Members of rank ≥ pool_min_rank_ (the lowest rank any pool is shared with), in no particular order:
  // close_day visits them, not every member.
  RankId pool_min_rank_ = 0xFF;
  std::vector<MemberId> pool_holders_;

  std::vector<ProductRec> products_;
  std::unordered_map<std::string, ProductId> product_index_;
  // Chunks of 2^16 orders (2.5 MiB) and of 2^17 lines (2 MiB, a huge page).
  ChunkedArray<OrderRec, 16> orders_;
  ChunkedArray<Line, 17> lines_;
  std::vector<WithdrawalRec> withdrawals_;

  // Prefetch pipeline (see Prefetch): the buyer hinted for the next order, and the buyer whose relations
  // and mentors were requested during the previous order.
  MemberId hinted_ = kNone;
  MemberId related_ = kNone;

  // Scratch, reused so that the hot path does not allocate.
  std::vector<MemberId> upgrade_queue_;
  std::vector<MemberId> fund_checks_;
  std::vector<MemberId> walk_queue_;
};

}  // namespace guanxi::core
