#include "core/engine.h"

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>

#include "core/text.h"

namespace guanxi::core {

namespace {

// Bounds that keep every product of amounts and rates inside int64: a paid line is at most 10^14 fen
// (one trillion yuan) and a rate at most 10^4 bps, so amount × bps ≤ 10^18 < 9.2 × 10^18.
constexpr Fen kMaxPaid = 100'000'000'000'000;
constexpr uint32_t kMaxQty = static_cast<uint32_t>(limits::kEngineQtyMax);
static_assert(limits::kEngineQtyMax <= 1'000'000, "amount × quantity must fit in int64 (kMaxPaid)");

size_t IndexOf(const std::vector<RankId>& v, RankId r) {
  return static_cast<size_t>(std::find(v.begin(), v.end(), r) - v.begin());
}

void AddDistinct(std::vector<RankId>& v, RankId r) {
  if (std::find(v.begin(), v.end(), r) == v.end()) v.push_back(r);
}

// The lowest rank any differential rule of the plan pays; 0xFF when it has none.
RankId DifferentialFrom(const Plan& plan) {
  RankId from = 0xFF;
  for (const Activity& a : plan.activities) {
    for (const Rule& rule : a.rules) {
      if (rule.kind == RuleKind::kDifferential) from = std::min(from, rule.targets.entries.front().first);
    }
  }
  return from;
}

}  // namespace

Engine::Engine(Plan plan, std::pmr::memory_resource* memory)
    : plan_(std::move(plan)),
      ledger_(memory),
      orders_(memory),
      lines_(memory) {
  assert(plan_.Validate().ok());
  ledger_.AddPools(plan_.pools.size());
  earned_stride_ = plan_.earned.size();
  if (auto e = plan_.FindEarned("pool")) pool_earned_ = *e;
  rank_count_.assign(plan_.ranks.size(), 0);
  for (const Pool& pool : plan_.pools) pool_min_rank_ = std::min(pool_min_rank_, pool.min_rank);
  for (const RankDef& r : plan_.ranks) {
    if (r.directs) AddDistinct(directs_ranks_, r.directs->rank);
    if (r.legs) AddDistinct(legs_ranks_, r.legs->rank);
  }
  diff_min_rank_ = DifferentialFrom(plan_);
  for (const Product& p : plan_.products) {
    auto id = UpsertProduct(p.sku, p.price, nullptr);
    assert(id.ok());
    products_[*id].def.name = p.name;
  }
  std::vector<std::vector<int32_t>> buy_slots(plan_.ranks.size());  // per rank: the slots of its buy_any
  for (size_t r = 0; r < plan_.ranks.size(); ++r) {
    for (const std::string& sku : plan_.ranks[r].buy_any) {
      const ProductId p = FindProduct(sku).value();  // Validate() checked it is declared
      if (products_[p].buy_index < 0) products_[p].buy_index = static_cast<int32_t>(buy_slots_++);
      buy_slots[r].push_back(products_[p].buy_index);
    }
  }
  counter_stride_ = directs_ranks_.size() + legs_ranks_.size() + buy_slots_;
  positions_at_ = kCountersAt + counter_stride_ * sizeof(uint32_t);
  const size_t positions = plan_.fund.enabled ? plan_.fund.positions : 0;
  ledger_.SetMemberLayout((positions_at_ + positions * sizeof(MemberId) + 7) / 8 * 8, earned_stride_ + 2);
  rank_checks_.resize(plan_.ranks.size());
  for (size_t r = 0; r < plan_.ranks.size(); ++r) {
    const RankDef& d = plan_.ranks[r];
    RankCheck& c = rank_checks_[r];
    c.automatic = d.automatic();
    c.buy_begin = static_cast<uint32_t>(rank_buy_offsets_.size());
    for (int32_t slot : buy_slots[r]) rank_buy_offsets_.push_back(static_cast<uint32_t>(BuySlot(slot)));
    c.buy_end = static_cast<uint32_t>(rank_buy_offsets_.size());
    if (d.directs) {
      c.directs = static_cast<int32_t>(DirectsSlot(IndexOf(directs_ranks_, d.directs->rank)));
      c.directs_count = d.directs->count;
    }
    if (d.legs) {
      c.legs = static_cast<int32_t>(LegsSlot(IndexOf(legs_ranks_, d.legs->rank)));
      c.legs_count = d.legs->count;
    }
  }
  rule_evals_ = SpellOutRules(plan_);
  if (plan_.fund.enabled) {
    for (const std::string& sku : plan_.fund.unit_skus) products_[FindProduct(sku).value()].fund_unit = true;
  }
}

std::vector<std::vector<Engine::RuleEval>> Engine::SpellOutRules(const Plan& plan) {
  const auto spell_out = [](const RankTable& t, std::array<int64_t, kMaxRanks>& per_rank) {
    for (size_t r = 0; r < kMaxRanks; ++r) {
      const std::optional<int64_t> v = t.For(static_cast<RankId>(r));
      per_rank[r] = v ? *v : RuleEval::kNothing;
    }
  };
  std::vector<std::vector<RuleEval>> rule_evals;
  for (const Activity& a : plan.activities) {
    std::vector<RuleEval>& evals = rule_evals.emplace_back();
    for (const Rule& rule : a.rules) {
      RuleEval& e = evals.emplace_back();
      e.kind = rule.kind;
      e.amount_kind = rule.amount.kind;
      e.earned = rule.earned;
      e.min_rank = rule.min_rank;
      e.source_min_rank = rule.source_min_rank;
      e.pool = rule.pool;
      e.rate_bps = rule.rate_bps;
      e.generation = rule.generation;
      e.of_mask = rule.of_mask;
      spell_out(rule.amount.by_rank, e.amount);
      spell_out(rule.targets, e.target);
      if (!rule.targets.entries.empty()) e.top = rule.targets.entries.back().first;
    }
  }
  return rule_evals;
}

Status Engine::AdoptPlan(Plan next, Effects* out) {
  if (auto s = next.Validate(); !s) return s.error();
  const auto differs = [](const std::string& what, const char* field) {
    return MakeError("plan_incompatible", what + " cannot change in a running shop: members already hold them", field);
  };
  bool same_ranks = next.ranks.size() == plan_.ranks.size();
  for (size_t r = 0; same_ranks && r < plan_.ranks.size(); ++r) same_ranks = next.ranks[r].SameRule(plan_.ranks[r]);
  if (!same_ranks) return differs("the ranks (names, order and conditions; labels may change)", "ranks");
  if (next.earned != plan_.earned) return differs("the earned categories", "earned");
  if (next.pools != plan_.pools) return differs("the pools", "pools");
  if (!(next.placement == plan_.placement)) return differs("the placement", "placement");
  if (!(next.fund == plan_.fund)) return differs("the assistance fund", "fund");
  if (DifferentialFrom(next) != diff_min_rank_) {
    return differs("the rank at which differential rules start (or whether there are any)", "activities");
  }
  // Checked: nothing below fails.
  for (const Product& p : next.products) {
    if (FindProduct(p.sku)) continue;
    const ProductId id = UpsertProduct(p.sku, p.price, out).value();
    products_[id].def.name = p.name;
  }
  for (ProductRec& p : products_) p.activity = next.ActivityFor(p.def.sku);
  rule_evals_ = SpellOutRules(next);
  plan_ = std::move(next);
  return Ok{};
}

// ---------------------------------------------------------------------------------------------------
// Helpers

Status Engine::CheckMember(MemberId m, const char* field) const {
  if (m >= member_count()) return MakeError("unknown_member", "no such member", field);
  return Ok{};
}

void Engine::Post(Account from, Account to, Fen amount, Reason reason, Effects* out, const Effect& why) {
  if (amount == 0) return;
  ledger_.Move(from, to, amount);
  if (out != nullptr) {
    Effect proto = why;
    proto.kind = EffectKind::kPosting;
    proto.reason = reason;
    proto.from = from;
    proto.to = to;
    proto.amount = amount;
    out->push_back(proto);
  }
}

void Engine::PrefetchMember(MemberId m) const {
  if (m == kNone) return;
  ledger_.Prefetch(m);
}

void Engine::Prefetch(MemberId buyer) {
  if (buyer >= member_count()) return;
  ledger_.Prefetch(buyer);
  hinted_ = buyer;
}

void Engine::PrefetchRelations(MemberId buyer) const {
  const MemberRec& b = Rec(buyer);
  PrefetchMember(b.referrer);
  if (b.placed) PrefetchMember(b.leader);
  if (b.diff_up != kNone) ledger_.Prefetch(b.diff_up, 1);
  if (b.track_up != kNone) ledger_.Prefetch(b.track_up, 2);  // the record and the fund units
}

void Engine::PrefetchMentors(MemberId buyer) const {
  const MemberRec& b = Rec(buyer);
  if (b.referrer != kNone) {
    const MemberRec& r = Rec(b.referrer);
    PrefetchMember(r.mentor);
    // A first purchase: the buyer's leader will be the referrer or the referrer's leader (for a fan
    // referrer, found by walking up: request the first step).
    if (!b.placed) {
      if (r.placed) {
        if (r.leader != b.referrer) PrefetchMember(r.leader);
      } else if (r.referrer != kNone) {
        ledger_.Prefetch(r.referrer, 1);
      }
    }
  }
  if (b.placed && b.leader != kNone && b.leader != b.referrer) PrefetchMember(Rec(b.leader).mentor);
  if (b.diff_up != kNone) ledger_.Prefetch(b.diff_up);
}

Effect Engine::RuleEffect(ActivityId activity, size_t rule, EarnedId earned, OrderId id, const OrderRec& o) {
  Effect why;
  why.activity = activity;
  why.rule = static_cast<uint16_t>(rule);
  why.earned = earned;
  why.buyer = o.buyer;
  why.order = id;
  why.units = o.qty;
  return why;
}

void Engine::Credit(MemberId to, EarnedId earned, Fen amount, const Effect* why, Effects* out) {
  lines_.push_back(Line{amount, to, earned, false, false});
  Earned(to, earned) += amount;
  if (out == nullptr) {
    ledger_.PlatformToMember(PlatformAccount::kRevenue, to, Bucket::kPending, amount);
  } else {
    Post(Account::Platform(PlatformAccount::kRevenue), Account::Member(to, Bucket::kPending), amount, Reason::kReward,
         out, *why);
  }
}

template <MemberId Engine::MemberRec::*kUp, typename Pred>
MemberId Engine::NearestMarked(MemberId x, Pred marked) {
  MemberId answer = Rec(x).*kUp;
  while (answer != kNone && !marked(answer)) answer = Rec(answer).*kUp;
  // Everything walked past was unmarked, so each of those members has the same answer.
  for (MemberId cur = x; Rec(cur).*kUp != answer;) {
    const MemberId next = Rec(cur).*kUp;
    Rec(cur).*kUp = answer;
    cur = next;
  }
  return answer;
}

// Breadth-first over the first-child / next-sibling links, so that every member is queued (and its
// line requested) long before it is visited: the misses of a wide subtree overlap instead of following
// one another as in a depth-first walk down sibling chains. The visiting order is not part of the
// contract; both callers do order-independent work (write one pointer, add up counts).
template <typename Pred, typename Fn, typename Pre>
void Engine::ForEachUnshadowed(MemberId q, Pred marked, Fn fn, Pre prefetch) {
  std::vector<MemberId>& queue = walk_queue_;
  queue.clear();
  const auto enqueue = [this, &queue, &prefetch](MemberId c) {
    ledger_.Prefetch(c, 1);
    prefetch(c);
    queue.push_back(c);
  };
  if (Rec(q).first_child != kNone) enqueue(Rec(q).first_child);
  for (size_t head = 0; head < queue.size(); ++head) {
    const MemberId d = queue[head];
    fn(d);
    const MemberRec& rec = Rec(d);
    if (rec.next_sibling != kNone) enqueue(rec.next_sibling);
    if (rec.first_child != kNone && !marked(d)) enqueue(rec.first_child);
  }
}

MemberId Engine::leader(MemberId m) const {
  if (!plan_.placement.enabled) return kNone;
  for (MemberId x = m; x != kNone; x = Rec(x).referrer) {
    if (Rec(x).placed) return Rec(x).leader;
  }
  return kNone;
}

TeamSummary Engine::team(MemberId m) const {
  const Fen* x = ledger_.extra(m);
  return TeamSummary{Rec(m).team_size, x[earned_stride_], x[earned_stride_ + 1], Rec(m).direct_count,
                     Rec(m).member_directs};
}

FundProgress Engine::fund_progress(MemberId m) const {
  const Fund& f = plan_.fund;
  FundProgress p;
  p.locked = Rec(m).fund_locked != 0;
  p.positions = f.positions;
  p.units_needed = f.units;
  if (!p.locked) {
    p.positions_qualified = f.positions;
    p.units = f.units;
    return p;
  }
  for (uint32_t k = 0; k < f.positions; ++k) {
    const MemberId q = Positions(m)[k];
    if (q != kNone && Rec(q).rank >= f.position_min_rank) ++p.positions_qualified;
  }
  if (Rec(m).fund_watch != 0) {
    for (uint32_t k = 0; k < f.positions; ++k) p.units += Units(Positions(m)[k]).desc;
  } else {
    std::vector<MemberId> stack;
    for (uint32_t k = 0; k < f.positions; ++k) {
      const MemberId q = Positions(m)[k];
      if (q == kNone) continue;
      for (MemberId c = Rec(q).first_child; c != kNone; c = Rec(c).next_sibling) stack.push_back(c);
    }
    while (!stack.empty() && p.units < f.units) {
      const MemberId d = stack.back();
      stack.pop_back();
      p.units += Units(d).own;
      for (MemberId c = Rec(d).first_child; c != kNone; c = Rec(c).next_sibling) stack.push_back(c);
    }
  }
  p.units = std::min(p.units, f.units);
  return p;
}

std::optional<ProductId> Engine::FindProduct(std::string_view sku) const {
  auto it = product_index_.find(std::string(sku));
  if (it == product_index_.end()) return std::nullopt;
  return it->second;
}

OrderView Engine::order(OrderId o) const {
  const OrderRec& r = orders_[o];
  return OrderView{r.buyer, r.product, r.qty, r.paid, r.status};
}

size_t Engine::MemoryBytes() const {
  // Every member's block (record, counters, fund data, balances) and the list of pool holders.
  return ledger_.MemberBytes() + pool_holders_.capacity() * sizeof(MemberId);
}

void Engine::Reserve(uint32_t members, uint32_t orders) {
  ledger_.Reserve(members);
  orders_.reserve(orders);
  size_t lines_per_order = 0;
  for (const Activity& a : plan_.activities) lines_per_order = std::max(lines_per_order, a.rules.size());
  lines_.reserve(static_cast<size_t>(orders) * lines_per_order);
}

// ---------------------------------------------------------------------------------------------------
// Network

Result<MemberId> Engine::Join(MemberId referrer, Effects* out) {
  if (referrer != kNone && referrer >= member_count()) {
    return MakeError("unknown_member", "the referrer is not a member", "referrer");
  }
  const MemberId m = member_count();
  MemberRec rec;
  rec.referrer = referrer;
  if (referrer != kNone) {
    const MemberRec& r = Rec(referrer);
    rec.depth = r.depth + 1;
    rec.diff_up = r.rank >= diff_min_rank_ ? referrer : r.diff_up;
    rec.track_up = r.tracked ? referrer : r.track_up;
  }
  ledger_.AddMember();  // then the engine's part of the member's block
  std::byte* block = ledger_.prefix(m);
  new (block) MemberRec(rec);
  new (block + kUnitsAt) FundUnits();
  std::uninitialized_fill_n(reinterpret_cast<uint32_t*>(block + kCountersAt), counter_stride_, 0u);
  if (plan_.fund.enabled) {
    std::uninitialized_fill_n(reinterpret_cast<MemberId*>(block + positions_at_), plan_.fund.positions, kNone);
  }
  ++rank_count_[0];
  if (pool_min_rank_ == 0) pool_holders_.push_back(m);

  if (referrer != kNone) LinkUnder(m, referrer);
  if (out != nullptr) {
    Effect e;
    e.kind = EffectKind::kJoined;
    e.member = m;
    e.via = referrer;
    out->push_back(e);
  }
  Cascade(out);
  return m;
}

void Engine::Place(MemberId m, Effects* out) {
  Rec(m).placed = 1;
  const MemberId r = Rec(m).referrer;
  MemberId lead = kNone;
  uint32_t k = 0;
  if (r != kNone) {
    k = ++Rec(r).member_directs;
    Rec(m).position = k;
    if (plan_.fund.enabled && k <= plan_.fund.positions) Positions(r)[k - 1] = m;
    lead = (Rec(r).rank >= plan_.placement.partner_rank && k >= plan_.placement.team_from_position) ? r : leader(r);
    PrefetchMember(lead);
  }
  Rec(m).leader = lead;
  if (lead != kNone) ++Rec(lead).team_size;
  if (out != nullptr) {
    Effect e;
    e.kind = EffectKind::kPlaced;
    e.member = m;
    e.via = lead;
    e.generation = k;
    out->push_back(e);
  }
}

void Engine::ChangeRank(MemberId m, RankId to, bool by_admin, Effects* out) {
  const RankId from = Rec(m).rank;
  if (from == to) return;
  Rec(m).rank = to;
  --rank_count_[from];
  ++rank_count_[to];
  if (from < pool_min_rank_ && to >= pool_min_rank_) {
    pool_holders_.push_back(m);
  } else if (from >= pool_min_rank_ && to < pool_min_rank_) {
    pool_holders_.erase(std::find(pool_holders_.begin(), pool_holders_.end(), m));
  }
  if (out != nullptr) {
    Effect e;
    e.kind = EffectKind::kRankChanged;
    e.member = m;
    e.old_rank = from;
    e.rank = to;
    e.by_admin = by_admin;
    out->push_back(e);
  }
  const Placement& pl = plan_.placement;
  if (pl.enabled) {
    if (to >= pl.member_rank && !Rec(m).placed) Place(m, out);
    if (from < pl.partner_rank && to >= pl.partner_rank && Rec(m).leader != m) {
      // 脱离: heads its own team; the leader it had becomes its mentor.
      Rec(m).mentor = Rec(m).leader;
      if (Rec(m).leader != kNone) --Rec(Rec(m).leader).team_size;
      Rec(m).leader = m;
      if (out != nullptr) {
        Effect e;
        e.kind = EffectKind::kDetached;
        e.member = m;
        e.via = Rec(m).mentor;
        out->push_back(e);
      }
    }
  }
  const MemberId r = Rec(m).referrer;
  if (r != kNone) {
    for (size_t i = 0; i < directs_ranks_.size(); ++i) {
      const bool before = from >= directs_ranks_[i];
      const bool after = to >= directs_ranks_[i];
      if (before != after) {
        Counters(r)[DirectsSlot(i)] += after ? 1u : static_cast<uint32_t>(-1);
        QueueUpgradeCheck(r);
      }
    }
  }
  if (to > from) {
    RaiseSubtreeMax(m, to);
  } else {
    RecomputeSubtreeMax(m);
  }
  if (from < diff_min_rank_ && to >= diff_min_rank_) {
    ForEachUnshadowed(m, [this](MemberId d) { return Rec(d).rank >= diff_min_rank_; },
                      [this, m](MemberId d) { Rec(d).diff_up = m; }, [](MemberId) {});
  }
  const Fund& f = plan_.fund;
  if (f.enabled && r != kNone && Rec(m).position >= 1 && Rec(m).position <= f.positions &&
      (from >= f.position_min_rank) != (to >= f.position_min_rank)) {
    FundPositionsChanged(r);
  }
  // m itself is not queued: Cascade goes on checking the member it upgrades, and SetRank decides.
}

void Engine::SubtreeMaxChanged(MemberId child, RankId old_max, RankId new_max) {
  const MemberId p = Rec(child).referrer;
  if (p == kNone) return;
  for (size_t i = 0; i < legs_ranks_.size(); ++i) {
    const bool before = old_max >= legs_ranks_[i];
    const bool after = new_max >= legs_ranks_[i];
    if (before != after) {
      Counters(p)[LegsSlot(i)] += after ? 1u : static_cast<uint32_t>(-1);
      QueueUpgradeCheck(p);
    }
  }
}

// Each member's subtree maximum only rises a handful of times (once per rank at most), so the walks
// up the tree cost O(ranks) per member over the whole life of the shop, whatever its depth.
void Engine::RaiseSubtreeMax(MemberId m, RankId r) {
  for (MemberId x = m; x != kNone && Rec(x).submax < r; x = Rec(x).referrer) {
    const RankId old = Rec(x).submax;
    Rec(x).submax = r;
    SubtreeMaxChanged(x, old, r);
  }
}

// Only an admin lowers a rank; then the maxima above are recomputed from the children.
void Engine::RecomputeSubtreeMax(MemberId m) {
  for (MemberId x = m; x != kNone; x = Rec(x).referrer) {
    RankId best = Rec(x).rank;
    for (MemberId c = Rec(x).first_child; c != kNone; c = Rec(c).next_sibling) best = std::max(best, Rec(c).submax);
    if (best == Rec(x).submax) break;
    const RankId old = Rec(x).submax;
    Rec(x).submax = best;
    SubtreeMaxChanged(x, old, best);
  }
}

bool Engine::Qualifies(MemberId m, RankId r) const {
  const RankCheck& c = rank_checks_[r];
  if (!c.automatic) return false;
  const uint32_t* counters = Counters(m);
  if (c.buy_begin != c.buy_end) {
    bool bought = false;
    for (uint32_t i = c.buy_begin; i < c.buy_end; ++i) bought = bought || counters[rank_buy_offsets_[i]] > 0;
    if (!bought) return false;
  }
  if (c.directs >= 0 && counters[c.directs] < c.directs_count) return false;
  if (c.legs >= 0 && counters[c.legs] < c.legs_count) return false;
  return true;
}

void Engine::Cascade(Effects* out) {
  while (!upgrade_queue_.empty() || !fund_checks_.empty()) {
    while (!upgrade_queue_.empty()) {
      const MemberId m = upgrade_queue_.back();
      upgrade_queue_.pop_back();
      while (static_cast<size_t>(Rec(m).rank) + 1 < plan_.ranks.size() &&
             Qualifies(m, static_cast<RankId>(Rec(m).rank + 1))) {
        ChangeRank(m, static_cast<RankId>(Rec(m).rank + 1), false, out);
      }
    }
    if (!fund_checks_.empty()) {
      const MemberId x = fund_checks_.back();
      fund_checks_.pop_back();
      CheckFund(x, out);
    }
  }
}

Status Engine::SetRank(MemberId member, RankId rank, Effects* out) {
  if (auto s = CheckMember(member, "member"); !s) return s;
  if (rank >= plan_.ranks.size()) return MakeError("unknown_rank", "the plan has no such rank", "rank");
  const bool raised = rank > Rec(member).rank;
  ChangeRank(member, rank, true, out);
  // A raised member may qualify for the next rank at once. An admin's demotion is a decision, not an
  // oversight: the member is not upgraded straight back in the same command, though a later event that
  // changes its counts re-checks it.
  if (raised) QueueUpgradeCheck(member);
  Cascade(out);
  return Ok{};
}

// ---------------------------------------------------------------------------------------------------
// Assistance fund (团队帮扶基金)

void Engine::FundPositionsChanged(MemberId x) {
  if (!Rec(x).fund_locked) return;
  const Fund& f = plan_.fund;
  bool all = true;
  for (uint32_t k = 0; k < f.positions; ++k) {
    const MemberId q = Positions(x)[k];
    all = all && q != kNone && Rec(q).rank >= f.position_min_rank;
  }
  if (all == (Rec(x).fund_watch != 0)) return;
  Rec(x).fund_watch = all ? 1 : 0;
  TrackPositions(x, all);
  if (all) fund_checks_.push_back(x);
}

// Units below a position are counted only while its referrer's fund is watched (positions qualified,
// fund locked). Turning tracking on counts the subtree once, reusing the exact counts of tracked
// members inside it; from then on each order adds its units to its tracked ancestors only.
void Engine::TrackPositions(MemberId x, bool on) {
  const uint32_t n = plan_.fund.positions;
  for (uint32_t k = 0; k < n; ++k) {
    const MemberId q = Positions(x)[k];
    if (q == kNone) continue;
    Rec(q).tracked = on ? 1 : 0;
    if (!on) continue;
    int64_t sum = 0;
    ForEachUnshadowed(q, [this](MemberId d) { return Rec(d).tracked != 0; },
                      [this, q, &sum](MemberId d) {
                        sum += Units(d).own + (Rec(d).tracked ? Units(d).desc : 0);
                        Rec(d).track_up = q;
                      },
                      [this](MemberId d) { ledger_.Prefetch(d, 2); });
    Units(q).desc = sum;
  }
}

void Engine::AddFundUnits(MemberId buyer, int64_t delta) {
  Units(buyer).own += delta;
  const auto tracked = [this](MemberId p) { return Rec(p).tracked != 0; };
  for (MemberId t = NearestMarked<&MemberRec::track_up>(buyer, tracked); t != kNone;
       t = NearestMarked<&MemberRec::track_up>(t, tracked)) {
    Units(t).desc += delta;
    if (delta > 0) fund_checks_.push_back(Rec(t).referrer);
  }
}

void Engine::CheckFund(MemberId x, Effects* out) {
  if (!Rec(x).fund_locked || !Rec(x).fund_watch) return;
  const uint32_t n = plan_.fund.positions;
  int64_t units = 0;
  for (uint32_t k = 0; k < n; ++k) units += Units(Positions(x)[k]).desc;
  if (units < plan_.fund.units) return;
  Rec(x).fund_locked = 0;
  Rec(x).fund_watch = 0;
  TrackPositions(x, false);
  if (out != nullptr) {
    Effect e;
    e.kind = EffectKind::kFundUnlocked;
    e.member = x;
    e.units = static_cast<uint32_t>(std::min<int64_t>(units, UINT32_MAX));
    out->push_back(e);
  }
  Effect why;
  why.member = x;
  Post(Account::Member(x, Bucket::kFrozen), Account::Member(x, Bucket::kAvailable), ledger_.member(x).frozen,
       Reason::kFundUnlocked, out, why);
}

// Appends m to r's directs. A member with no descendants at the first rank is a new direct and a new
// leg of the first rank: count it where conditions do (±1), and re-check the referrer when it gained.
void Engine::LinkUnder(MemberId m, MemberId r) {
  if (Rec(r).last_child == kNone) {
    Rec(r).first_child = m;
  } else {
    Rec(Rec(r).last_child).next_sibling = m;
  }
  Rec(r).last_child = m;
  ++Rec(r).direct_count;
  if (CountFirstRankLeg(r, +1)) QueueUpgradeCheck(r);
}

bool Engine::CountFirstRankLeg(MemberId r, int delta) {
  bool counted = false;
  for (size_t i = 0; i < directs_ranks_.size(); ++i) {
    if (directs_ranks_[i] != 0) continue;
    Counters(r)[DirectsSlot(i)] += static_cast<uint32_t>(delta);
    counted = true;
  }
  for (size_t i = 0; i < legs_ranks_.size(); ++i) {
    if (legs_ranks_[i] != 0) continue;
    Counters(r)[LegsSlot(i)] += static_cast<uint32_t>(delta);
    counted = true;
  }
  return counted;
}

Status Engine::Rebind(MemberId m, MemberId r, Effects* out) {
  if (auto s = CheckMember(m, "member"); !s) return s;
  if (r != kNone) {
    if (auto s = CheckMember(r, "referrer"); !s) return s;
  }
  if (r == m) return MakeError("self_referral", "a member cannot refer itself", "referrer");
  const MemberId old = Rec(m).referrer;
  if (old == r) return MakeError("same_referrer", "the member already has this referrer", "referrer");
  if (Rec(m).placed || Rec(m).rank != 0) {
    return MakeError("not_a_fan", "only a fan who has not become a member can be moved", "member");
  }
  if (Rec(m).first_child != kNone) {
    return MakeError("has_directs", "a fan who has referred others cannot be moved", "member");
  }
  // m has no descendants, so r cannot be below it: no cycle is possible.
  if (old != kNone) {
    MemberId prev = kNone;
    for (MemberId c = Rec(old).first_child; c != m; c = Rec(c).next_sibling) prev = c;
    (prev == kNone ? Rec(old).first_child : Rec(prev).next_sibling) = Rec(m).next_sibling;
    if (Rec(old).last_child == m) Rec(old).last_child = prev;
    --Rec(old).direct_count;
    CountFirstRankLeg(old, -1);  // its rank stays: ranks never drop by themselves
  }
  MemberRec& rec = Rec(m);
  rec.referrer = r;
  rec.next_sibling = kNone;
  rec.depth = 0;
  rec.diff_up = kNone;
  rec.track_up = kNone;
  if (r != kNone) {
    const MemberRec& p = Rec(r);
    rec.depth = p.depth + 1;
    rec.diff_up = p.rank >= diff_min_rank_ ? r : p.diff_up;
    rec.track_up = p.tracked ? r : p.track_up;
    LinkUnder(m, r);
  }
  if (out != nullptr) {
    Effect e;
    e.kind = EffectKind::kRebound;
    e.member = m;
    e.buyer = old;
    e.via = r;
    out->push_back(e);
  }
  Cascade(out);
  return Ok{};
}

// ---------------------------------------------------------------------------------------------------
// Orders

Result<ProductId> Engine::UpsertProduct(std::string_view sku, Fen price, Effects* out) {
  if (sku.empty()) return MakeError("invalid_sku", "a product needs a SKU", "sku");
  if (price < 0 || price > kMaxPaid) return MakeError("invalid_price", "price must be 0..10^14 fen", "price");
  ProductId id;
  if (auto found = FindProduct(sku)) {
    id = *found;
    products_[id].def.price = price;
  } else {
    id = static_cast<ProductId>(products_.size());
    ProductRec rec;
    rec.def = Product{std::string(sku), std::string(sku), price};
    rec.activity = plan_.ActivityFor(sku);
    products_.push_back(std::move(rec));
    product_index_.emplace(std::string(sku), id);
  }
  if (out != nullptr) {
    Effect e;
    e.kind = EffectKind::kProduct;
    e.order = id;
    e.amount = price;
    out->push_back(e);
  }
  return id;
}

Result<OrderId> Engine::PayOrder(MemberId buyer, ProductId product, uint32_t qty, std::optional<Fen> unit_price,
                                 Effects* out) {
  if (auto s = CheckMember(buyer, "member"); !s) return s.error();
  if (product >= products_.size()) return MakeError("unknown_product", "no such product", "sku");
  if (qty < 1 || qty > kMaxQty) return MakeError("invalid_qty", RangeMessage("qty", 1, kMaxQty), "qty");
  const ProductRec& prod = products_[product];
  const Fen price = unit_price.value_or(prod.def.price);
  if (price < 0 || price > kMaxPaid / qty) {
    return MakeError("invalid_price", "the line's amount must be 0..10^14 fen", "price");
  }
  const OrderId id = static_cast<OrderId>(orders_.size());
  OrderRec o{buyer, product, qty, price * qty, static_cast<uint32_t>(lines_.size()), 0, kNone, OrderStatus::kPaid};
  // The referrer and the leader are paid by most plans: start loading their lines now, so that the
  // cache misses overlap instead of following one another. If this buyer was hinted (Prefetch), they
  // and their mentors were requested during the previous order.
  if (related_ != buyer) {
    ledger_.Prefetch(buyer);
    const MemberRec& b = Rec(buyer);
    PrefetchMember(b.referrer);
    if (b.placed) PrefetchMember(b.leader);  // (a first purchase's position is in the referrer's block)
    if (b.diff_up != kNone) ledger_.Prefetch(b.diff_up, 1);
    if (b.track_up != kNone) ledger_.Prefetch(b.track_up, 2);
  }
  related_ = kNone;

  const Account buyers = Account::Platform(PlatformAccount::kBuyers);
  const Account revenue = Account::Platform(PlatformAccount::kRevenue);
  if (out == nullptr) {
    ledger_.Move(buyers, revenue, o.paid);
  } else {
    Effect paid;
    paid.buyer = buyer;
    paid.member = buyer;
    paid.order = id;
    paid.units = qty;
    Post(buyers, revenue, o.paid, Reason::kOrderPaid, out, paid);
  }
  if (prod.buy_index >= 0) Counters(buyer)[BuySlot(prod.buy_index)] += qty;

  // Placement comes first: if this order makes the buyer a member, it takes its position now.
  const Placement& pl = plan_.placement;
  if (pl.enabled && !Rec(buyer).placed && Rec(buyer).rank < pl.member_rank) {
    bool reaches = true;
    for (size_t r = static_cast<size_t>(Rec(buyer).rank) + 1; r <= pl.member_rank && reaches; ++r) {
      reaches = Qualifies(buyer, static_cast<RankId>(r));
    }
    if (reaches) Place(buyer, out);
  }
  const MemberId team_leader = leader(buyer);
  if (team_leader != kNone && team_leader != buyer) {
    o.team_leader = team_leader;
    TeamUnits(team_leader) += qty;
    TeamAmount(team_leader) += o.paid;
  }
  // The next order's buyer (hinted before this order began) has had its record loaded meanwhile:
  // request its relations now, so that they arrive while this order's rewards and upgrades run.
  const MemberId next = hinted_;
  hinted_ = kNone;
  if (next != kNone) PrefetchRelations(next);
  // Rewards see every rank as it was before this order; upgrades come last.
  if (prod.activity != kNoActivity) ApplyRules(id, o, prod.activity, out);
  o.line_count = static_cast<uint32_t>(lines_.size()) - o.first_line;
  orders_.push_back(o);
  if (prod.fund_unit) AddFundUnits(buyer, qty);
  if (prod.buy_index >= 0) QueueUpgradeCheck(buyer);  // its purchase counts changed
  Cascade(out);
  // By now the next buyer's referrer and leader have arrived: request their mentors (and, for a first
  // purchase, the leader-to-be), which the next order reads.
  if (next != kNone) PrefetchMentors(next);
  related_ = next;
  return id;
}

void Engine::ApplyRules(OrderId id, const OrderRec& o, ActivityId activity_id, Effects* out) {
  const std::vector<RuleEval>& rules = rule_evals_[activity_id];
  std::optional<Effect> effect;
  for (size_t ri = 0; ri < rules.size(); ++ri) {
    const RuleEval& rule = rules[ri];
    // Without a sink nothing is explained, so the effect is only built when someone reads it.
    Effect* const why = out != nullptr ? &effect.emplace(RuleEffect(activity_id, ri, rule.earned, id, o)) : nullptr;
    switch (rule.kind) {
      case RuleKind::kReferral: {
        MemberId x = o.buyer;
        for (uint32_t g = 0; g < rule.generation && x != kNone; ++g) x = Rec(x).referrer;
        if (x == kNone) break;
        const RankId rank = Rec(x).rank;
        if (rank < rule.min_rank) break;
        const Fen amount = rule.AmountFor(rank, o.qty, o.paid);
        if (amount == RuleEval::kNothing || amount <= 0) break;
        if (out != nullptr) {
          why->relation = Relation::kAncestor;
          why->generation = rule.generation;
          why->rank = rank;
          why->member = x;
        }
        Credit(x, rule.earned, amount, why, out);
        break;
      }
      case RuleKind::kLeader: {
        const MemberId l = o.team_leader;  // leader(o.buyer), kNone when that is none or the buyer
        if (l == kNone) break;
        const RankId rank = Rec(l).rank;
        if (rank < rule.min_rank) break;
        const Fen amount = rule.AmountFor(rank, o.qty, o.paid);
        if (amount == RuleEval::kNothing || amount <= 0) break;
        if (out != nullptr) {
          why->relation = Relation::kLeader;
          why->rank = rank;
          why->member = l;
        }
        Credit(l, rule.earned, amount, why, out);
        break;
      }
      case RuleKind::kDifferential: {
        const auto qualified = [this](MemberId p) { return Rec(p).rank >= diff_min_rank_; };
        Fen paid_so_far = 0;
        int highest = -1;
        for (MemberId x = NearestMarked<&MemberRec::diff_up>(o.buyer, qualified); x != kNone;
             x = NearestMarked<&MemberRec::diff_up>(x, qualified)) {
          const RankId r = Rec(x).rank;
          if (r >= rule.min_rank && static_cast<int>(r) > highest && rule.target[r] != RuleEval::kNothing) {
            highest = r;
            const Fen due = rule.target[r] * o.qty;
            if (due > paid_so_far) {
              if (out != nullptr) {
                why->relation = Relation::kAncestor;
                why->generation = Rec(o.buyer).depth - Rec(x).depth;
                why->rank = r;
                why->member = x;
              }
              Credit(x, rule.earned, due - paid_so_far, why, out);
              paid_so_far = due;
            }
          }
          if (r >= rule.top) break;
        }
        break;
      }
      case RuleKind::kPeer: {
        const size_t end = lines_.size();  // match only rewards of earlier rules
        for (size_t l = o.first_line; l < end; ++l) {
          const Line src = lines_[l];
          if (src.pool || ((rule.of_mask >> src.earned) & 1u) == 0) continue;
          if (Rec(src.recipient).rank < rule.source_min_rank) continue;
          const MemberId mentor = Rec(src.recipient).mentor;
          if (mentor == kNone || Rec(mentor).rank < rule.min_rank) continue;
          const Fen amount = ApplyBps(src.amount, rule.rate_bps);
          if (amount <= 0) continue;
          if (out != nullptr) {
            why->relation = Relation::kMentor;
            why->via = src.recipient;
            why->rank = Rec(mentor).rank;
            why->member = mentor;
          }
          Credit(mentor, rule.earned, amount, why, out);
        }
        break;
      }
      case RuleKind::kPool: {
        const Fen amount = rule.AmountFor(0, o.qty, o.paid);
        if (amount == RuleEval::kNothing || amount <= 0) break;
        lines_.push_back(Line{amount, rule.pool, 0, true, false});
        const Account from = Account::Platform(PlatformAccount::kRevenue);
        if (out == nullptr) {
          ledger_.Move(from, Account::Pool(rule.pool), amount);
        } else {
          why->relation = Relation::kPool;
          Post(from, Account::Pool(rule.pool), amount, Reason::kPoolContribution, out, *why);
        }
        break;
      }
    }
  }
}

Status Engine::Settle(OrderId id, Effects* out) {
  if (id >= orders_.size()) return MakeError("unknown_order", "no such order", "order");
  OrderRec& o = orders_[id];
  if (o.status == OrderStatus::kRefunded) return MakeError("order_refunded", "a refunded order does not settle", "order");
  if (o.status == OrderStatus::kSettled) return MakeError("order_settled", "the order is already settled", "order");
  const Fund& f = plan_.fund;
  for (uint32_t i = o.first_line; i < o.first_line + o.line_count; ++i) {
    Line& line = lines_[i];
    if (line.pool) continue;
    const MemberId m = line.recipient;
    const bool hold = f.enabled && Rec(m).fund_locked && ((f.held_mask >> line.earned) & 1u) != 0;
    line.held = hold;
    const Fen held = HeldPart(line);
    Effect why;
    why.member = m;
    why.buyer = o.buyer;
    why.order = id;
    why.earned = line.earned;
    Post(Account::Member(m, Bucket::kPending), Account::Member(m, Bucket::kAvailable), line.amount - held,
         Reason::kSettled, out, why);
    Post(Account::Member(m, Bucket::kPending), Account::Member(m, Bucket::kFrozen), held, Reason::kHeld, out,
         why);
  }
  o.status = OrderStatus::kSettled;
  return Ok{};
}

Status Engine::Refund(OrderId id, Effects* out) {
  if (id >= orders_.size()) return MakeError("unknown_order", "no such order", "order");
  OrderRec& o = orders_[id];
  if (o.status == OrderStatus::kRefunded) return MakeError("order_refunded", "the order is already refunded", "order");
  const Account revenue = Account::Platform(PlatformAccount::kRevenue);
  for (uint32_t i = o.first_line; i < o.first_line + o.line_count; ++i) {
    const Line& line = lines_[i];
    Effect why;
    why.buyer = o.buyer;
    why.order = id;
    why.earned = line.earned;
    if (line.pool) {
      why.relation = Relation::kPool;
      Post(Account::Pool(line.recipient), revenue, line.amount, Reason::kRefundPool, out, why);
      continue;
    }
    const MemberId m = line.recipient;
    why.member = m;
    Earned(m, line.earned) -= line.amount;
    if (o.status == OrderStatus::kPaid) {
      Post(Account::Member(m, Bucket::kPending), revenue, line.amount, Reason::kRefundReward, out, why);
    } else {
      // Claw back from where settlement put it; available may go below zero and blocks withdrawals.
      const Fen held = HeldPart(line);
      Post(Account::Member(m, Bucket::kAvailable), revenue, line.amount - held, Reason::kRefundReward, out, why);
      const Bucket held_in = Rec(m).fund_locked ? Bucket::kFrozen : Bucket::kAvailable;
      Post(Account::Member(m, held_in), revenue, held, Reason::kRefundReward, out, why);
    }
  }
  Effect back;
  back.buyer = o.buyer;
  back.member = o.buyer;
  back.order = id;
  back.units = o.qty;
  Post(revenue, Account::Platform(PlatformAccount::kBuyers), o.paid, Reason::kRefundPayment, out, back);
  const ProductRec& prod = products_[o.product];
  if (prod.buy_index >= 0) {
    Counters(o.buyer)[BuySlot(prod.buy_index)] -= o.qty;
  }
  if (o.team_leader != kNone) {
    TeamUnits(o.team_leader) -= o.qty;
    TeamAmount(o.team_leader) -= o.paid;
  }
  if (prod.fund_unit) AddFundUnits(o.buyer, -static_cast<int64_t>(o.qty));
  o.status = OrderStatus::kRefunded;
  Cascade(out);
  return Ok{};
}

// ---------------------------------------------------------------------------------------------------
// Pools and withdrawals

Status Engine::CloseDay(Effects* out) {
  std::sort(pool_holders_.begin(), pool_holders_.end());  // shares are paid in member order
  for (PoolId p = 0; p < plan_.pools.size(); ++p) {
    const Fen balance = ledger_.pool(p);
    const RankId min_rank = plan_.pools[p].min_rank;
    uint32_t holders = 0;
    for (size_t r = min_rank; r < rank_count_.size(); ++r) holders += rank_count_[r];
    if (balance <= 0 || holders == 0 || balance / holders == 0) continue;  // carried forward
    const Fen share = balance / holders;  // the remainder stays in the pool
    Effect why;
    why.relation = Relation::kPool;
    why.earned = pool_earned_;
    why.via = p;
    why.units = holders;
    for (const MemberId m : pool_holders_) {
      if (Rec(m).rank < min_rank) continue;
      why.member = m;
      Earned(m, pool_earned_) += share;
      Post(Account::Pool(p), Account::Member(m, Bucket::kAvailable), share, Reason::kPoolPayout, out, why);
    }
  }
  ++day_;
  if (out != nullptr) {
    Effect e;
    e.kind = EffectKind::kDayClosed;
    e.generation = day_;
    out->push_back(e);
  }
  return Ok{};
}

Result<WithdrawalId> Engine::Withdraw(MemberId member, Fen amount, Fen fee, Effects* out) {
  if (auto s = CheckMember(member, "member"); !s) return s.error();
  if (amount <= 0) return MakeError("invalid_amount", "a withdrawal is at least 1 fen", "amount");
  if (fee < 0 || fee >= amount) {
    return MakeError("invalid_fee", "the fee must be 0 fen or more and below the amount", "fee");
  }
  if (amount > ledger_.member(member).available) {
    return MakeError("insufficient_balance", "the amount is more than the available balance", "amount");
  }
  const WithdrawalId id = static_cast<WithdrawalId>(withdrawals_.size());
  withdrawals_.push_back(WithdrawalRec{member, amount, fee, WithdrawalStatus::kRequested});
  Effect why;
  why.member = member;
  why.order = id;
  Post(Account::Member(member, Bucket::kAvailable), Account::Member(member, Bucket::kWithdrawing), amount,
       Reason::kWithdrawRequested, out, why);
  return id;
}

Status Engine::WithdrawPaid(WithdrawalId id, Effects* out) { return CloseWithdrawal(id, true, out); }

Status Engine::WithdrawRejected(WithdrawalId id, Effects* out) { return CloseWithdrawal(id, false, out); }

Status Engine::CloseWithdrawal(WithdrawalId id, bool paid, Effects* out) {
  if (id >= withdrawals_.size()) return MakeError("unknown_withdrawal", "no such withdrawal", "id");
  WithdrawalRec& w = withdrawals_[id];
  if (w.status != WithdrawalStatus::kRequested) {
    return MakeError("withdrawal_closed", "the withdrawal is already paid or rejected", "id");
  }
  w.status = paid ? WithdrawalStatus::kPaid : WithdrawalStatus::kRejected;
  Effect why;
  why.member = w.member;
  why.order = id;
  const Account withdrawing = Account::Member(w.member, Bucket::kWithdrawing);
  if (!paid) {
    Post(withdrawing, Account::Member(w.member, Bucket::kAvailable), w.amount, Reason::kWithdrawRejected, out, why);
    return Ok{};
  }
  Post(withdrawing, Account::Platform(PlatformAccount::kPayouts), w.amount - w.fee, Reason::kWithdrawPaid, out, why);
  if (w.fee > 0) Post(withdrawing, Account::Platform(PlatformAccount::kRevenue), w.fee, Reason::kWithdrawFee, out, why);
  return Ok{};
}

}  // namespace guanxi::core
