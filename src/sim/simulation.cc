#include "sim/simulation.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cassert>
#include <optional>
#include <utility>

#include "sim/lint.h"

namespace guanxi::sim {
namespace {

namespace json = boost::json;
using core::Effect;
using core::EffectKind;
using core::Fen;
using core::MemberId;
using core::OrderId;
using core::ProductId;
using core::Reason;
__extension__ using Uint128 = unsigned __int128;
__extension__ using Int128 = __int128;

enum class Ev : uint8_t { kInvite, kPackage, kRepurchase, kIdentity, kSettle, kRefund };

struct Event {
  Ev kind;
  uint8_t arg;  // kIdentity: the offer
  uint32_t id;  // member, or order for kSettle and kRefund
};

// Per product: what its orders brought in and paid out, net of refunds.
struct ProductTotals {
  int64_t units = 0;
  int64_t orders = 0;
  Fen paid = 0;
  Fen rewards = 0;
  Fen pool = 0;
};

double Ratio(Fen a, Fen b) {
  return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b);
}

template <typename T>
json::array Array(const std::vector<T>& v) {
  json::array a;
  a.reserve(v.size());
  for (const T& x : v) a.emplace_back(x);
  return a;
}

}  // namespace

DaysUntil::DaysUntil(core::Bps bps, uint32_t horizon) {
  if (bps <= 0) {
    never_ = true;
    return;
  }
  // q = 1 − p in units of 2^-64 (below 2^64 because p > 0); q^k by repeated 128-bit products.
  const uint64_t q = static_cast<uint64_t>(
      (static_cast<Uint128>(static_cast<uint64_t>(core::kWholeBps - bps)) << 64) /
      static_cast<uint64_t>(core::kWholeBps));
  survive_.resize(horizon);
  uint64_t s = q;
  for (uint32_t k = 0; k < horizon; ++k) {
    survive_[k] = s;
    s = static_cast<uint64_t>((static_cast<Uint128>(s) * q) >> 64);
  }
}

uint32_t DaysUntil::Draw(SplitMix& rng) const {
  if (never_) return kNever;
  const uint64_t u = rng.Next();
  // The event is later than day k when u < survive_[k − 1]; survive_ falls, so count the prefix.
  const auto later =
      std::partition_point(survive_.begin(), survive_.end(), [u](uint64_t s) { return u < s; });
  const auto days = static_cast<uint32_t>(later - survive_.begin()) + 1;
  return days > survive_.size() ? kNever : days;
}

struct Simulation::State {
  State(core::Plan p, Scenario sc)
      : engine(std::move(p)),
        scenario(std::move(sc)),
        rng(scenario.seed),
        invite(scenario.invite_daily_bps, scenario.days),
        repurchase(scenario.repurchase_daily_bps, scenario.days),
        churn(scenario.churn_daily_bps, scenario.days) {
    const core::Plan& plan = engine.plan();
    package = engine.FindProduct(scenario.package_sku).value();
    if (!scenario.repurchase_sku.empty())
      repurchase_product = engine.FindProduct(scenario.repurchase_sku).value();
    for (const IdentityOffer& o : scenario.identity)
      identity_products.push_back(engine.FindProduct(o.sku).value());
    calendar.resize(scenario.days);
    const size_t days = scenario.days;
    joined.assign(days, 0);
    package_buyers.assign(days, 0);
    active.assign(days, 0);
    stopped_on.assign(days + 1, 0);
    by_rank.assign(plan.ranks.size(), std::vector<uint32_t>(days, 0));
    for (auto* v : {&sales, &refunds, &clawbacks, &pool_in, &pool_refunds, &pool_out, &margin})
      v->assign(days, 0);
    payouts.assign(plan.earned.size(), std::vector<Fen>(days, 0));
    clawed_by_earned.assign(plan.earned.size(), 0);
    products.resize(engine.product_count());
  }

  core::Engine engine;
  const Scenario scenario;
  SplitMix rng;
  DaysUntil invite, repurchase, churn;
  ProductId package = 0;
  std::optional<ProductId> repurchase_product;
  std::vector<ProductId> identity_products;

  std::vector<std::vector<Event>> calendar;  // per day, in the order scheduled
  core::Effects effects;                     // scratch, reused
  uint32_t day = 0;
  uint32_t days_run = 0;
  bool growth_stopped = false;

  // Per member (indexed by MemberId).
  std::vector<Fen> spent;       // net of refunds
  std::vector<uint32_t> stops;  // the day from which it no longer shares or buys; 0: never active
  std::vector<OrderId> package_order;

  // Per day.
  std::vector<uint32_t> joined, package_buyers, active;
  std::vector<uint32_t> stopped_on;  // members whose activity ends that day (index days: never)
  uint64_t activated = 0;
  std::vector<std::vector<uint32_t>> by_rank;
  std::vector<Fen> sales, refunds, clawbacks, pool_in, pool_refunds, pool_out, margin;
  std::vector<std::vector<Fen>> payouts;  // [earned][day], gross
  std::vector<Fen> clawed_by_earned;
  std::vector<ProductTotals> products;

  void Schedule(uint64_t when, Event e) {
    if (when < calendar.size()) calendar[when].push_back(e);
  }
  void ScheduleIn(uint32_t in_days, Event e) {
    if (in_days != DaysUntil::kNever) Schedule(uint64_t{day} + in_days, e);
  }
  // A uniform delay of 0..within days.
  uint32_t Within(uint32_t within) { return within == 0 ? 0 : rng.Below(uint64_t{within} + 1); }

  void StopOn(MemberId m, uint64_t when) {
    const uint64_t capped = std::min<uint64_t>(when, calendar.size());
    if (stops[m] != 0) --stopped_on[std::min<size_t>(stops[m], calendar.size())];
    stops[m] = static_cast<uint32_t>(capped);
    ++stopped_on[capped];
  }

  // From today the member shares (invites) until it churns.
  void Activate(MemberId m) {
    ++activated;
    const uint32_t life = churn.Draw(rng);
    StopOn(m, life == DaysUntil::kNever ? calendar.size() : uint64_t{day} + life);
    if (!growth_stopped) ScheduleIn(invite.Draw(rng), Event{Ev::kInvite, 0, m});
  }
  bool Active(MemberId m) const { return day < stops[m]; }

  MemberId Join(MemberId referrer) {
    const auto r = engine.Join(referrer, &effects);
    assert(r.ok());
    const MemberId m = *r;
    spent.push_back(0);
    stops.push_back(0);
    package_order.push_back(core::kNone);
    ++joined[day];
    Absorb(std::nullopt);
    return m;
  }

  // A newcomer decides at registration whether it will buy the package, and when.
  void Newcomer(MemberId m, core::Bps buy_bps, uint32_t within) {
    if (rng.Chance(static_cast<uint32_t>(buy_bps)))
      ScheduleIn(Within(within), Event{Ev::kPackage, 0, m});
    if (scenario.everyone_shares) Activate(m);
  }

  std::optional<OrderId> Buy(MemberId m, ProductId p) {
    const auto r = engine.PayOrder(m, p, 1, std::nullopt, &effects);
    assert(r.ok());
    const OrderId o = *r;
    ProductTotals& t = products[p];
    ++t.units;
    ++t.orders;
    spent[m] += engine.order(o).paid;
    Absorb(p);
    if (rng.Chance(static_cast<uint32_t>(scenario.refund_bps))) {
      ScheduleIn(rng.Below(scenario.settle_after_days), Event{Ev::kRefund, 0, o});
    } else {
      ScheduleIn(scenario.settle_after_days, Event{Ev::kSettle, 0, o});
    }
    return o;
  }

  // Folds the effects of the last command into the day's figures; `product` is the order's product.
  void Absorb(std::optional<ProductId> product) {
    for (const Effect& e : effects) {
      if (e.kind == EffectKind::kRankChanged) {
        OfferIdentity(e);
        continue;
      }
      if (e.kind != EffectKind::kPosting) continue;
      ProductTotals* t = product ? &products[*product] : nullptr;
      const Fen a = e.amount;
      switch (e.reason) {
        case Reason::kOrderPaid:
          sales[day] += a;
          if (t) t->paid += a;
          break;
        case Reason::kReward:
          payouts[e.earned][day] += a;
          if (t) t->rewards += a;
          break;
        case Reason::kPoolContribution:
          pool_in[day] += a;
          if (t) t->pool += a;
          break;
        case Reason::kRefundReward:
          clawbacks[day] += a;
          clawed_by_earned[e.earned] += a;
          if (t) t->rewards -= a;
          break;
        case Reason::kRefundPool:
          pool_refunds[day] += a;
          if (t) t->pool -= a;
          break;
        case Reason::kRefundPayment:
          refunds[day] += a;
          if (t) t->paid -= a;
          break;
        case Reason::kPoolPayout:
          pool_out[day] += a;
          break;
        default:
          break;  // moves between a member's own buckets, withdrawals
      }
    }
    effects.clear();
  }

  void OfferIdentity(const Effect& e) {
    for (size_t i = 0; i < scenario.identity.size(); ++i) {
      const IdentityOffer& o = scenario.identity[i];
      if (e.old_rank < o.rank && e.rank >= o.rank &&
          rng.Chance(static_cast<uint32_t>(o.uptake_bps))) {
        ScheduleIn(Within(o.within_days), Event{Ev::kIdentity, static_cast<uint8_t>(i), e.member});
      }
    }
  }

  // By value: a handler may schedule for today, which can move today's events.
  void Handle(const Event e) {
    switch (e.kind) {
      case Ev::kInvite: {
        if (!Active(e.id) || growth_stopped) return;
        const uint32_t n = scenario.invitees_min +
                           rng.Below(uint64_t{scenario.invitees_max - scenario.invitees_min} + 1);
        for (uint32_t i = 0; i < n && !growth_stopped; ++i) {
          Newcomer(Join(e.id), scenario.package_buy_bps, scenario.package_within_days);
          growth_stopped = engine.member_count() >= scenario.max_members;
        }
        if (!growth_stopped) ScheduleIn(invite.Draw(rng), e);
        return;
      }
      case Ev::kPackage: {
        if (scenario.everyone_shares && !Active(e.id)) return;
        package_order[e.id] = *Buy(e.id, package);
        ++package_buyers[day];
        if (!scenario.everyone_shares) Activate(e.id);
        if (repurchase_product) ScheduleIn(repurchase.Draw(rng), Event{Ev::kRepurchase, 0, e.id});
        return;
      }
      case Ev::kRepurchase:
        if (!Active(e.id)) return;
        Buy(e.id, *repurchase_product);
        ScheduleIn(repurchase.Draw(rng), e);
        return;
      case Ev::kIdentity:
        if (!Active(e.id)) return;
        Buy(e.id, identity_products[e.arg]);
        return;
      case Ev::kSettle: {
        const auto s = engine.Settle(e.id, nullptr);
        assert(s.ok());
        (void)s;
        return;
      }
      case Ev::kRefund: {
        const core::OrderView o = engine.order(e.id);
        const auto s = engine.Refund(e.id, &effects);
        assert(s.ok());
        (void)s;
        --products[o.product].units;
        --products[o.product].orders;
        spent[o.buyer] -= o.paid;
        Absorb(o.product);
        // Who returns the package quits: it shares and buys no more.
        if (package_order[o.buyer] == e.id && Active(o.buyer)) StopOn(o.buyer, day);
        return;
      }
    }
  }

  void Founders() {
    for (uint32_t i = 0; i < scenario.start_members; ++i) {
      Newcomer(Join(core::kNone), scenario.start_buy_bps, 0);
    }
    growth_stopped = engine.member_count() >= scenario.max_members;
  }

  void EndOfDay() {
    const auto s = engine.CloseDay(&effects);
    assert(s.ok());
    (void)s;
    Absorb(std::nullopt);
    for (size_t r = 0; r < by_rank.size(); ++r)
      by_rank[r][day] = engine.rank_count(static_cast<core::RankId>(r));
    uint64_t stopped = 0;
    for (uint32_t d = 0; d <= day; ++d) stopped += stopped_on[d];
    active[day] = static_cast<uint32_t>(activated - stopped);
    Fen paid_out = 0;
    for (const std::vector<Fen>& p : payouts) paid_out += p[day];
    margin[day] =
        sales[day] - refunds[day] - paid_out + clawbacks[day] - pool_in[day] + pool_refunds[day];
  }
};

Simulation::Simulation(core::Plan plan, Scenario scenario)
    : s_(std::make_unique<State>(std::move(plan), std::move(scenario))) {}

Simulation::~Simulation() = default;

const core::Engine& Simulation::engine() const { return s_->engine; }

bool Simulation::Run(const ProgressFn& progress) {
  State& s = *s_;
  for (s.day = 0; s.day < s.scenario.days; ++s.day) {
    if (s.day == 0) s.Founders();
    std::vector<Event>& today = s.calendar[s.day];
    for (size_t i = 0; i < today.size(); ++i) s.Handle(today[i]);  // handlers may append to today
    std::vector<Event>().swap(today);
    s.EndOfDay();
    s.days_run = s.day + 1;
    if (progress && !progress(Progress{s.days_run, s.scenario.days, s.engine.member_count(),
                                       s.engine.order_count()})) {
      return false;
    }
  }
  return true;
}

namespace {

// Earnings of the members who paid for something, against what they paid.
json::object EarningsJson(std::vector<std::pair<Fen, Fen>> earn_spent) {
  const size_t n = earn_spent.size();
  json::object out{{"participants", n}};
  if (n == 0) return out;
  std::sort(earn_spent.begin(), earn_spent.end());
  Int128 total = 0, weighted = 0;
  size_t recovered = 0, zero = 0;
  for (size_t i = 0; i < n; ++i) {
    const Fen e = earn_spent[i].first;
    total += e;
    weighted += Int128{e} * static_cast<int64_t>(i + 1);
    recovered += e >= earn_spent[i].second ? 1u : 0u;
    zero += e == 0 ? 1u : 0u;
  }
  const auto at = [&](size_t permille) {
    return earn_spent[std::min(n - 1, n * permille / 1000)].first;
  };
  const size_t top = std::max<size_t>(1, n / 100);
  Int128 top_sum = 0;
  for (size_t i = n - top; i < n; ++i) top_sum += earn_spent[i].first;
  const double dtotal = static_cast<double>(total);
  // Gini of sorted x_1 ≤ … ≤ x_n: 2 Σ i·x_i / (n Σ x) − (n + 1) / n.
  const double gini =
      total <= 0 ? 0.0
                 : 2.0 * static_cast<double>(weighted) / (static_cast<double>(n) * dtotal) -
                       (static_cast<double>(n) + 1.0) / static_cast<double>(n);
  json::array lorenz;  // share of all earnings held by the poorest 0%, 5% … 100%
  Int128 running = 0;
  size_t next = 0;
  for (int step = 0; step <= 20; ++step) {
    const size_t upto = n * static_cast<size_t>(step) / 20;
    while (next < upto) running += earn_spent[next++].first;
    lorenz.emplace_back(total <= 0 ? 0.0 : static_cast<double>(running) / dtotal);
  }
  out["total"] = static_cast<Fen>(total);
  out["mean"] = static_cast<double>(total) / static_cast<double>(n);
  out["median"] = at(500);
  out["p90"] = at(900);
  out["p99"] = at(990);
  out["max"] = earn_spent.back().first;
  out["top1_share"] = total <= 0 ? 0.0 : static_cast<double>(top_sum) / dtotal;
  out["gini"] = gini;
  out["zero_earners"] = zero;
  out["lorenz"] = std::move(lorenz);
  out["recovered"] = recovered;
  out["recovered_share"] = static_cast<double>(recovered) / static_cast<double>(n);
  out["never_recovered_share"] = static_cast<double>(n - recovered) / static_cast<double>(n);
  return out;
}

}  // namespace

json::value Simulation::Report() const {
  const State& s = *s_;
  const core::Engine& eng = s.engine;
  const core::Plan& plan = eng.plan();
  const core::Ledger& ledger = eng.ledger();
  const size_t days = s.days_run;
  const auto head = [days](const auto& v) {
    return Array(std::vector<typename std::decay_t<decltype(v)>::value_type>(
        v.begin(), v.begin() + static_cast<long>(days)));
  };

  // Totals from the effects the run saw.
  Fen sales = 0, refunds = 0, rewards_gross = 0, clawbacks = 0, pool_in = 0, pool_refunds = 0,
      pool_out = 0, margin = 0;
  for (size_t d = 0; d < days; ++d) {
    sales += s.sales[d];
    refunds += s.refunds[d];
    clawbacks += s.clawbacks[d];
    pool_in += s.pool_in[d];
    pool_refunds += s.pool_refunds[d];
    pool_out += s.pool_out[d];
    margin += s.margin[d];
  }
  json::object rewards_by_rule, daily_payouts;
  for (size_t e = 0; e < plan.earned.size(); ++e) {
    Fen gross = 0;
    for (size_t d = 0; d < days; ++d) gross += s.payouts[e][d];
    rewards_gross += gross;
    if (plan.earned[e] == "pool")
      continue;  // pool payouts are a series of their own (pool_payouts)
    rewards_by_rule[plan.earned[e]] = gross - s.clawed_by_earned[e];
    daily_payouts[plan.earned[e]] = head(s.payouts[e]);
  }
  const Fen net_sales = sales - refunds;
  const Fen rewards_net = rewards_gross - clawbacks;
  const Fen pool_net = pool_in - pool_refunds;

  // The engine's books.
  core::Balances held;
  Fen pools_held = 0;
  for (MemberId m = 0; m < eng.member_count(); ++m) {
    const core::Balances b = eng.balances(m);
    held.pending += b.pending;
    held.available += b.available;
    held.frozen += b.frozen;
    held.withdrawing += b.withdrawing;
  }
  for (uint32_t p = 0; p < ledger.pool_count(); ++p) pools_held += ledger.pool(p);
  const Fen members_hold = held.pending + held.available + held.frozen + held.withdrawing;
  const Fen buyers = ledger.platform(core::PlatformAccount::kBuyers);
  const Fen revenue = ledger.platform(core::PlatformAccount::kRevenue);
  const Fen ledger_sum = ledger.Sum();
  const bool sales_ok = net_sales == -buyers;
  const bool margin_ok = margin == revenue && margin == net_sales - rewards_net - pool_net;
  const bool pools_ok = pool_net - pool_out == pools_held;
  const bool members_ok = rewards_net + pool_out == members_hold;

  // Per member: earnings (the engine's, net of refunds), spend, depth and directs.
  std::vector<std::pair<Fen, Fen>> participants;
  uint32_t max_depth = 0;
  uint64_t depth_sum = 0;
  constexpr size_t kDepthBuckets = 31;  // 0..29, then 30 and deeper
  std::vector<uint64_t> depth_hist(kDepthBuckets, 0);
  const std::vector<std::pair<uint32_t, const char*>> kDirectBuckets = {
      {0, "0"}, {1, "1"}, {2, "2"}, {3, "3"}, {4, "4-9"}, {10, "10-99"}, {100, "100+"}};
  std::vector<uint64_t> directs_hist(kDirectBuckets.size(), 0);
  uint32_t max_directs = 0;
  uint64_t earners_without_purchase = 0, two_member_directs = 0;
  for (MemberId m = 0; m < eng.member_count(); ++m) {
    Fen earned = 0;
    for (size_t e = 0; e < plan.earned.size(); ++e)
      earned += eng.earned(m, static_cast<core::EarnedId>(e));
    if (s.spent[m] > 0) {
      participants.emplace_back(earned, s.spent[m]);
    } else if (earned > 0) {
      ++earners_without_purchase;
    }
    const uint32_t depth = eng.depth(m);
    max_depth = std::max(max_depth, depth);
    depth_sum += depth;
    ++depth_hist[std::min<size_t>(depth, kDepthBuckets - 1)];
    const core::TeamSummary t = eng.team(m);
    max_directs = std::max(max_directs, t.directs);
    size_t b = 0;
    while (b + 1 < kDirectBuckets.size() && t.directs >= kDirectBuckets[b + 1].first) ++b;
    ++directs_hist[b];
    two_member_directs += t.member_directs >= 2 ? 1u : 0u;
  }
  const uint32_t members = eng.member_count();
  json::object directs;
  for (size_t b = 0; b < kDirectBuckets.size(); ++b)
    directs[kDirectBuckets[b].second] = directs_hist[b];

  const LintReport lint = Lint(plan);
  json::array products;
  for (size_t p = 0; p < s.products.size(); ++p) {
    const ProductTotals& t = s.products[p];
    if (t.orders == 0 && t.units == 0 && t.paid == 0) continue;
    const core::Product& def = eng.product(static_cast<ProductId>(p));
    json::object o{{"sku", def.sku},
                   {"price", def.price},
                   {"orders", t.orders},
                   {"units", t.units},
                   {"paid", t.paid},
                   {"rewards", t.rewards},
                   {"pool_contributions", t.pool},
                   {"margin", t.paid - t.rewards - t.pool}};
    o["margin_per_unit"] = t.units == 0 ? 0.0
                                        : static_cast<double>(t.paid - t.rewards - t.pool) /
                                              static_cast<double>(t.units);
    Fen nominal = def.price;
    for (const ProductPayout& pp : lint.payouts)
      nominal = pp.sku == def.sku ? def.price - pp.max_per_unit : nominal;
    o["nominal_margin_per_unit"] = nominal;  // the price less the most the plan can pay on a unit
    products.push_back(std::move(o));
  }

  json::object by_rank;
  for (size_t r = 0; r < plan.ranks.size(); ++r) by_rank[plan.ranks[r].name] = head(s.by_rank[r]);
  json::object end_ranks;
  for (size_t r = 0; r < plan.ranks.size(); ++r)
    end_ranks[plan.ranks[r].name] = eng.rank_count(static_cast<core::RankId>(r));

  json::object earnings = EarningsJson(std::move(participants));
  json::object report;
  report["notice"] = kNotLegalAdvice;
  report["plan"] = plan.name;
  report["scenario"] = {{"name", s.scenario.name},
                        {"days", s.scenario.days},
                        {"seed", s.scenario.seed},
                        {"max_members", s.scenario.max_members}};
  report["days_run"] = days;
  report["summary"] = {
      {"members", members},
      {"ranks", std::move(end_ranks)},
      {"orders", eng.order_count()},
      {"net_sales", net_sales},
      {"payout_ratio", Ratio(rewards_net + pool_net, net_sales)},
      {"paid_to_members_ratio", Ratio(rewards_net + pool_out, net_sales)},
      {"platform_margin", margin},
      {"margin_ratio", Ratio(margin, net_sales)},
      {"recovered_share",
       earnings.contains("recovered_share") ? earnings["recovered_share"] : json::value(0.0)},
      {"never_recovered_share", earnings.contains("never_recovered_share")
                                    ? earnings["never_recovered_share"]
                                    : json::value(0.0)},
  };
  report["totals"] = {{"sales", sales},
                      {"refunds", refunds},
                      {"net_sales", net_sales},
                      {"rewards_gross", rewards_gross},
                      {"clawbacks", clawbacks},
                      {"rewards", std::move(rewards_by_rule)},
                      {"rewards_net", rewards_net},
                      {"pool_contributions", pool_net},
                      {"pool_payouts", pool_out},
                      {"pools_held", pool_net - pool_out},
                      {"members_hold", rewards_net + pool_out},
                      {"platform_margin", margin}};
  report["ledger"] = {{"buyers", buyers},
                      {"revenue", revenue},
                      {"payouts", ledger.platform(core::PlatformAccount::kPayouts)},
                      {"pools", pools_held},
                      {"members",
                       {{"pending", held.pending},
                        {"available", held.available},
                        {"frozen", held.frozen},
                        {"withdrawing", held.withdrawing},
                        {"total", members_hold}}},
                      {"sum", ledger_sum}};
  report["conservation"] = {
      {"net_sales_equal_buyers", sales_ok},
      {"margin_equals_revenue", margin_ok},
      {"pools_equal", pools_ok},
      {"members_equal", members_ok},
      {"ledger_sums_to_zero", ledger_sum == 0},
      {"ok", sales_ok && margin_ok && pools_ok && members_ok && ledger_sum == 0}};
  report["products"] = std::move(products);
  report["earnings"] = std::move(earnings);
  report["earners_without_purchase"] = earners_without_purchase;
  report["depth"] = {{"max", max_depth},
                     {"mean", members == 0 ? 0.0 : static_cast<double>(depth_sum) / members},
                     {"histogram", Array(depth_hist)},
                     {"histogram_note", "members at depth 0, 1, … 29, then 30 and deeper"}};
  report["legs"] = {{"directs", std::move(directs)},
                    {"max_directs", max_directs},
                    {"two_or_more_member_directs", two_member_directs}};
  report["lint"] = LintJson(lint);
  report["daily"] = {{"joined", head(s.joined)},
                     {"package_buyers", head(s.package_buyers)},
                     {"active", head(s.active)},
                     {"members_by_rank", std::move(by_rank)},
                     {"sales", head(s.sales)},
                     {"refunds", head(s.refunds)},
                     {"payouts", std::move(daily_payouts)},
                     {"clawbacks", head(s.clawbacks)},
                     {"pool_contributions", head(s.pool_in)},
                     {"pool_refunds", head(s.pool_refunds)},
                     {"pool_payouts", head(s.pool_out)},
                     {"margin", head(s.margin)}};
  return report;
}

}  // namespace guanxi::sim
