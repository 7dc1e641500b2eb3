// Read-only reports for the web console: the shop's public settings, dashboard aggregates over a
// period (sales, refunds and net sales; payouts, claw-backs and net payouts, by shop day and by rule;
// orders; new members; pools; members by rank for the fan → member → partner funnel), where members'
// commissions stand now (pending, settled), the staff's to-do counts, and the staff list. Each is one
// read on the reader connection plus the engine's counters; nothing here writes.
#include <map>
#include <string>

#include "service/api.h"
#include "service/clock.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;

namespace {
constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kMaxReportDays = 366;

int64_t Count(ReadCtx& c, const char* sql) {
  store::Stmt& s = c.db.Cached(sql);
  const int64_t n = s.Step() ? s.Int(0) : 0;
  s.Reset();
  return n;
}

// Where the commissions members have been paid (rewards and pool payouts, net of claw-backs, since
// the shop opened) stand now, from the ledger: still pending (待结算: the order may yet be refunded),
// or settled: available, frozen by the assistance fund, being withdrawn, or withdrawn (paid to the
// bank, the fee included). pending + settled is every commission ever paid, net of claw-backs.
// O(members): the same walk as the ledger report; a dashboard is read by a few staff, not per order.
json::object CommissionsNow(ReadCtx& c) {
  const core::Balances b = SumOfMemberBalances(c.engine);
  // The ledger books a paid withdrawal as payouts (amount − fee) and revenue (the fee); the member
  // gave up the whole amount.
  const int64_t withdrawn = Count(c, "SELECT coalesce(sum(amount), 0) FROM withdrawals WHERE status = 'paid'");
  return json::object{{"pending", b.pending},
                      {"available", b.available},
                      {"frozen", b.frozen},
                      {"withdrawing", b.withdrawing},
                      {"withdrawn", withdrawn},
                      {"settled", b.available + b.frozen + b.withdrawing + withdrawn}};
}

// What waits for staff now, each one count on an index (orders_status, withdrawals_status): paid
// orders to ship (待发货), refund requests to decide (待审核退款), withdrawals to pay (待打款提现).
json::object ToDoCounts(ReadCtx& c) {
  return json::object{
      {"to_ship", Count(c, "SELECT count(*) FROM orders WHERE status = 'paid'")},
      {"refund_requests", Count(c, "SELECT count(*) FROM orders WHERE status = 'refund_requested'")},
      {"withdrawals_to_pay", Count(c, "SELECT count(*) FROM withdrawals WHERE status = 'requested'")}};
}
}  // namespace

json::value ShopInfo(const ShopConfig& config) {
  return json::value{{"utc_offset_minutes", config.utc_offset_minutes},
                     {"withdraw_min", config.withdraw_min},
                     {"withdraw_fee_fixed", config.withdraw_fee_fixed},
                     {"withdraw_fee_bps", config.withdraw_fee_bps},
                     {"sandbox_payments", config.sandbox_payments}};
}

Reply DashboardReport(ReadCtx& c, const Caller& caller, int64_t from, int64_t to, int utc_offset_minutes) {
  if (caller.account < 0) return Unauthorized();
  if (!caller.staff()) return Forbidden();
  // Whole shop days: [first day's start, last day's end). Defaults: the last 30 days up to now.
  if (to <= 0) to = c.now;
  if (from <= 0) from = to - 29 * kDayMs;
  if (from > to) return Invalid("from", "from must not be after to");
  const int64_t first_day = ShopDay(from, utc_offset_minutes);
  const int64_t last_day = ShopDay(to, utc_offset_minutes);
  if (last_day - first_day + 1 > kMaxReportDays) return Invalid("from", "a report covers at most 366 days");
  const int64_t start = ShopDayStartMs(first_day, utc_offset_minutes);
  const int64_t end = ShopDayStartMs(last_day + 1, utc_offset_minutes);

  struct Day {
    int64_t sales = 0, orders = 0, new_members = 0, payouts = 0, refunded = 0, clawed_back = 0;
  };
  std::map<int64_t, Day> days;
  for (int64_t d = first_day; d <= last_day; ++d) days[d];
  const auto day_of = [&](int64_t at) { return ShopDay(at, utc_offset_minutes); };

  // Sales: orders paid in the period (refunded ones included: they were sales on that day). Refunds:
  // orders refunded in the period, on the day the money went back, as the ledger books them (an order
  // paid before the period and refunded in it lowers this period's net sales). A payment that came
  // after its order had closed and was returned at once (no paid_at) was never a sale nor a refund.
  {
    store::Stmt& s = c.db.Cached(
        "SELECT paid_at, total, refunded_at FROM orders WHERE paid_at IS NOT NULL AND "
        "((paid_at >= ?1 AND paid_at < ?2) OR (refunded_at >= ?1 AND refunded_at < ?2))");
    s.Bind(1, start).Bind(2, end);
    while (s.Step()) {
      const int64_t paid_at = s.Int(0);
      if (paid_at >= start && paid_at < end) {
        Day& d = days[day_of(paid_at)];
        d.sales += s.Int(1);
        d.orders += 1;
      }
      if (!s.IsNull(2) && s.Int(2) >= start && s.Int(2) < end) days[day_of(s.Int(2))].refunded += s.Int(1);
    }
    s.Reset();
  }
  {
    store::Stmt& s = c.db.Cached("SELECT joined_at FROM members WHERE joined_at >= ?1 AND joined_at < ?2");
    s.Bind(1, start).Bind(2, end);
    while (s.Step()) days[day_of(s.Int(0))].new_members += 1;
    s.Reset();
  }
  // Payouts: rewards and pool payouts posted to members, by day and by the plan's earned kind.
  const core::Plan& plan = c.engine.plan();
  std::map<int64_t, int64_t> by_rule, clawed_by_rule;
  {
    store::Stmt& s = c.db.Cached(
        "SELECT at, earned, amount, reason FROM effects WHERE kind = ?1 AND reason IN (?2, ?3, ?4) "
        "AND member IS NOT NULL AND at >= ?5 AND at < ?6");
    s.Bind(1, int64_t{static_cast<uint8_t>(core::EffectKind::kPosting)})
        .Bind(2, int64_t{static_cast<uint8_t>(core::Reason::kReward)})
        .Bind(3, int64_t{static_cast<uint8_t>(core::Reason::kPoolPayout)})
        .Bind(4, int64_t{static_cast<uint8_t>(core::Reason::kRefundReward)})
        .Bind(5, start)
        .Bind(6, end);
    while (s.Step()) {
      const int64_t amount = s.Int(2);
      if (s.Int(3) == static_cast<uint8_t>(core::Reason::kRefundReward)) {
        // A claw-back moves the reward back from the member (from pending before settlement, from
        // available and frozen after it): one posting per bucket, each positive.
        days[day_of(s.Int(0))].clawed_back += amount;
        clawed_by_rule[s.Int(1)] += amount;
        continue;
      }
      days[day_of(s.Int(0))].payouts += amount;
      by_rule[s.Int(1)] += amount;
    }
    s.Reset();
  }

  json::array series;
  Day total;
  for (const auto& [day, d] : days) {
    series.push_back({{"day", day},
                      {"start", ShopDayStartMs(day, utc_offset_minutes)},
                      {"sales", d.sales},
                      {"orders", d.orders},
                      {"new_members", d.new_members},
                      {"payouts", d.payouts},
                      {"refunded", d.refunded},
                      {"clawed_back", d.clawed_back},
                      {"net_sales", d.sales - d.refunded},
                      {"net_payouts", d.payouts - d.clawed_back}});
    total.sales += d.sales;
    total.orders += d.orders;
    total.new_members += d.new_members;
    total.payouts += d.payouts;
    total.refunded += d.refunded;
    total.clawed_back += d.clawed_back;
  }
  const auto by_name = [&](const std::map<int64_t, int64_t>& amounts) {
    json::object rules;
    for (const std::string& name : plan.earned) rules[name] = 0;
    for (const auto& [earned, amount] : amounts) {
      // Built with append: GCC 12 warns wrongly (-Wrestrict) on "#" + std::to_string(…).
      std::string name = "#";
      if (earned >= 0 && static_cast<size_t>(earned) < plan.earned.size()) {
        name = plan.earned[static_cast<size_t>(earned)];
      } else {
        name.append(std::to_string(earned));
      }
      rules[name] = rules[name].as_int64() + amount;
    }
    return rules;
  };
  json::object rules = by_name(by_rule);
  json::object clawed_rules = by_name(clawed_by_rule);
  json::object net_rules;
  for (const auto& [name, fen] : rules) net_rules[name] = fen.as_int64() - clawed_rules[name].as_int64();
  json::object pools;
  const core::Ledger& l = c.engine.ledger();
  for (size_t p = 0; p < l.pool_count(); ++p) pools[plan.pools[p].name] = l.pool(static_cast<uint32_t>(p));
  // Members by rank now, lowest rank first: the funnel (fan → member → partner in chain 2+1).
  json::array funnel;
  for (size_t r = 0; r < plan.ranks.size(); ++r) {
    funnel.push_back({{"rank", plan.ranks[r].name},
                      {"label", plan.ranks[r].label},
                      {"members", c.engine.rank_count(static_cast<core::RankId>(r))}});
  }
  return json::value{{"from", start},
                     {"to", end},
                     {"utc_offset_minutes", utc_offset_minutes},
                     {"days", std::move(series)},
                     {"totals",
                      {{"sales", total.sales},
                       {"orders", total.orders},
                       {"new_members", total.new_members},
                       {"payouts", total.payouts},
                       {"refunded", total.refunded},
                       {"clawed_back", total.clawed_back},
                       {"net_sales", total.sales - total.refunded},
                       {"net_payouts", total.payouts - total.clawed_back}}},
                     {"payouts_by_rule", std::move(rules)},
                     {"clawed_back_by_rule", std::move(clawed_rules)},
                     {"net_payouts_by_rule", std::move(net_rules)},
                     {"commissions", CommissionsNow(c)},
                     {"todo", ToDoCounts(c)},
                     {"pools", std::move(pools)},
                     {"funnel", std::move(funnel)},
                     {"member_count", c.engine.member_count()}};
}

Reply ListStaff(ReadCtx& c, const Caller& caller) {
  if (caller.account < 0) return Unauthorized();
  if (caller.role != "owner") return Forbidden();
  store::Stmt& s = c.db.Cached(
      "SELECT id, phone, role, name, created_at, disabled FROM accounts WHERE role <> 'member' ORDER BY id");
  json::array items;
  while (s.Step()) {
    items.push_back({{"account", s.Int(0)},
                     {"phone", s.Text(1)},
                     {"role", s.Text(2)},
                     {"name", s.Text(3)},
                     {"created_at", s.Int(4)},
                     {"disabled", s.Int(5) != 0}});
  }
  s.Reset();
  return json::value{{"items", std::move(items)}};
}

Reply RankHistory(ReadCtx& c, const Caller& caller, int64_t member) {
  if (caller.account < 0) return Unauthorized();
  if (!caller.staff()) return Forbidden();
  if (member < 0 || member >= static_cast<int64_t>(c.engine.member_count())) return NotFound("member", "member");
  const core::Plan& plan = c.engine.plan();
  const auto rank_name = [&](int64_t r) {
    return r >= 0 && static_cast<size_t>(r) < plan.ranks.size() ? plan.ranks[static_cast<size_t>(r)].name : std::string();
  };
  // kind = 2 (kRankChanged) written out, so the partial index effects_rank serves the query.
  static_assert(static_cast<int>(core::EffectKind::kRankChanged) == 2);
  store::Stmt& s =
      c.db.Cached("SELECT id, at, old_rank, rank, by_admin FROM effects WHERE member = ?1 AND kind = 2 ORDER BY id");
  s.Bind(1, member);
  json::array items;
  while (s.Step()) {
    items.push_back({{"id", s.Int(0)},
                     {"at", s.Int(1)},
                     {"from", rank_name(s.Int(2))},
                     {"to", rank_name(s.Int(3))},
                     {"by_admin", s.Int(4) != 0}});
  }
  s.Reset();
  return json::value{{"items", std::move(items)}};
}

}  // namespace guanxi::service
