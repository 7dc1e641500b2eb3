// Wallets (pending, available, frozen, withdrawing), explained earnings and withdrawals. Withdrawals
// go through the single writer, so concurrent requests never spend the same fen twice.
#include <algorithm>
#include <string>

#include "core/explain.h"
#include "service/api.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;

namespace {

// Rebuilds an effect from its stored row (columns as in AppendCommand).
core::Effect EffectFromRow(const store::Stmt& s, int first) {
  core::Effect e;
  int i = first;
  auto next = [&] { return s.Int(i++); };
  auto opt = [&] {
    const bool null = s.IsNull(i);
    const int64_t v = s.Int(i++);
    return null ? core::kNone : static_cast<uint32_t>(v);
  };
  e.member = opt();
  e.kind = static_cast<core::EffectKind>(next());
  e.reason = static_cast<core::Reason>(next());
  e.relation = static_cast<core::Relation>(next());
  e.rank = static_cast<core::RankId>(next());
  e.old_rank = static_cast<core::RankId>(next());
  e.earned = static_cast<core::EarnedId>(next());
  e.by_admin = next() != 0;
  e.activity = static_cast<uint16_t>(next());
  e.rule = static_cast<uint16_t>(next());
  e.from.kind = static_cast<core::Account::Kind>(next());
  e.from.sub = static_cast<uint8_t>(next());
  e.from.id = static_cast<uint32_t>(next());
  e.to.kind = static_cast<core::Account::Kind>(next());
  e.to.sub = static_cast<uint8_t>(next());
  e.to.id = static_cast<uint32_t>(next());
  e.amount = next();
  e.buyer = opt();
  e.via = opt();
  e.order = opt();
  e.generation = static_cast<uint32_t>(next());
  e.units = static_cast<uint32_t>(next());
  return e;
}

constexpr const char* kEffectColumns =
    "member, kind, reason, relation, rank, old_rank, earned, by_admin, activity, rule, from_kind, from_sub, "
    "from_id, to_kind, to_sub, to_id, amount, buyer, via, ref, generation, units";

int64_t ShopOrderOf(store::Db& db, uint32_t engine_order) {
  store::Stmt& s = db.Cached("SELECT order_id FROM order_items WHERE engine_order = ?");
  s.Bind(1, int64_t{engine_order});
  const int64_t id = s.Step() ? s.Int(0) : -1;
  s.Reset();
  return id;
}

}  // namespace

Reply Wallet(ReadCtx& c, const Caller& caller, int64_t member) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  const auto m = static_cast<core::MemberId>(*who);
  const core::Plan& plan = c.engine.plan();
  json::object earned;
  core::Fen total = 0;
  for (size_t e = 0; e < plan.earned.size(); ++e) {
    const core::Fen v = c.engine.earned(m, static_cast<core::EarnedId>(e));
    earned[plan.earned[e]] = v;
    total += v;
  }
  return json::value{{"member", *who},
                     {"rank", plan.ranks[c.engine.rank(m)].name},
                     {"balances", BalancesJson(c.engine.balances(m))},
                     {"earned", std::move(earned)},
                     {"earned_total", total},
                     {"fund_locked", plan.fund.enabled && c.engine.fund_locked(m)}};
}

Reply Earnings(ReadCtx& c, const Shop& shop, const Caller& caller, int64_t member, int64_t before, int limit) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  limit = ClampLimit(limit);
  // Newest first from the in-memory index; an id whose row this read's snapshot lacks (its batch is not
  // committed yet) is passed over.
  const std::vector<int64_t>& ids = shop.EarningIds(static_cast<core::MemberId>(*who));
  auto it = before > 0 ? std::lower_bound(ids.begin(), ids.end(), before) : ids.end();
  store::Stmt& s = c.db.Cached(std::string("SELECT id, at, ") + kEffectColumns + " FROM effects WHERE id = ?");
  struct Row {
    int64_t id, at;
    core::Effect e;
  };
  std::vector<Row> rows;
  while (it != ids.begin() && static_cast<int>(rows.size()) <= limit) {
    s.Bind(1, *--it);
    if (s.Step()) rows.push_back(Row{s.Int(0), s.Int(1), EffectFromRow(s, 2)});
    s.Reset();
  }
  core::Names names;
  // Built with append: GCC 12 warns wrongly (-Wrestrict) on "#" + std::to_string(…) here.
  auto numbered = [](int64_t id) {
    std::string text = "#";
    text.append(std::to_string(id));
    return text;
  };
  names.member = [&](core::MemberId m) { return m == caller.member ? std::string("you") : numbered(m); };
  names.order = [&](core::OrderId o) { return numbered(ShopOrderOf(c.db, o)); };
  names.withdrawal = [&](core::WithdrawalId w) { return numbered(w); };
  json::array items;
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < limit; ++i) {
    const core::Effect& e = rows[i].e;
    json::object item{{"id", rows[i].id},
                      {"at", rows[i].at},
                      {"type", core::EffectType(e)},
                      {"amount", e.amount},
                      {"why", core::Explain(e, c.engine, names)}};
    if (e.order != core::kNone && (e.reason == core::Reason::kReward || e.reason == core::Reason::kSettled ||
                                   e.reason == core::Reason::kHeld || e.reason == core::Reason::kRefundReward)) {
      item["order"] = ShopOrderOf(c.db, e.order);
      item["earned"] = c.engine.plan().earned[e.earned];
    }
    items.push_back(std::move(item));
  }
  json::object out{{"items", std::move(items)}};
  if (static_cast<int>(rows.size()) > limit) out["next"] = rows[static_cast<size_t>(limit) - 1].id;
  return json::value(std::move(out));
}

Reply RequestWithdrawal(Tx& tx, const Caller& caller, core::Fen amount) {
  if (caller.account < 0) return Unauthorized();
  if (caller.member < 0) return Forbidden();
  const ShopConfig& cfg = tx.shop.config();
  if (amount < cfg.withdraw_min || amount > core::kMaxPlanAmount * 1000) {
    return Invalid("amount", "the smallest withdrawal is " + core::FormatYuan(cfg.withdraw_min) + " yuan");
  }
  const core::Fen fee = cfg.withdraw_fee_fixed + core::ApplyBps(amount, cfg.withdraw_fee_bps);
  if (fee >= amount) return Invalid("amount", "the amount does not cover the fee of " + core::FormatYuan(fee));
  auto id = tx.Engine(Command{Op::kWithdraw, caller.member, fee, amount});
  if (!id) return id.error();
  tx.db.Cached("INSERT INTO withdrawals (id, member, amount, fee, status, requested_at) VALUES (?,?,?,?,'requested',?)")
      .Bind(1, int64_t{*id})
      .Bind(2, caller.member)
      .Bind(3, amount)
      .Bind(4, fee)
      .Bind(5, tx.now)
      .Run();
  return json::value{{"id", int64_t{*id}}, {"amount", amount}, {"fee", fee}, {"net", amount - fee}, {"status", "requested"}};
}

Reply ListWithdrawals(ReadCtx& c, const Caller& caller, int64_t member, const std::string& status, int64_t after,
                      int limit) {
  if (caller.account < 0) return Unauthorized();
  if (!caller.staff()) {
    if (caller.member < 0) return Forbidden();
    member = caller.member;
  } else if (!HasRole(caller, {"finance"})) {
    return Forbidden();
  }
  limit = ClampLimit(limit);
  // Withdrawal ids start at 0, so `after` 0 is a cursor too; no cursor is after < 0.
  store::Stmt& s = NewestFirst(c.db,
                               "SELECT id, member, amount, fee, status, requested_at, decided_at, reference, note "
                               "FROM withdrawals",
                               after < 0 ? INT64_MAX : after, member, status, limit);
  return Page(s, limit, [](const store::Stmt& r) {
    json::object w{{"id", r.Int(0)},      {"member", r.Int(1)}, {"amount", r.Int(2)},
                   {"fee", r.Int(3)},     {"net", r.Int(2) - r.Int(3)},
                   {"status", r.Text(4)}, {"requested_at", r.Int(5)}};
    if (!r.IsNull(6)) w["decided_at"] = r.Int(6);
    if (!r.IsNull(7)) w["reference"] = r.Text(7);
    if (!r.IsNull(8)) w["note"] = r.Text(8);
    return w;
  });
}

Reply DecideWithdrawal(Tx& tx, const Caller& caller, int64_t id, bool paid, const std::string& reference) {
  if (!HasRole(caller, {"finance"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  store::Stmt& s = tx.db.Cached("SELECT status FROM withdrawals WHERE id = ?");
  s.Bind(1, id);
  if (!s.Step()) {
    s.Reset();
    return NotFound("withdrawal", "id");
  }
  const std::string status = s.Text(0);
  s.Reset();
  if (status != "requested") {
    return core::MakeError("withdrawal_closed", "the withdrawal is already " + status, "id");
  }
  if (paid && reference.empty()) return Invalid("reference", "a paid withdrawal needs the transfer's reference");
  if (reference.size() > 200) return Invalid("reference", "at most 200 bytes");
  auto r = tx.Engine(Command{paid ? Op::kWithdrawPaid : Op::kWithdrawRejected, id});
  if (!r) return r.error();
  tx.db.Cached(paid ? "UPDATE withdrawals SET status = 'paid', decided_at = ?, decided_by = ?, reference = ? WHERE id = ?"
                    : "UPDATE withdrawals SET status = 'rejected', decided_at = ?, decided_by = ?, note = ? WHERE id = ?")
      .Bind(1, tx.now)
      .Bind(2, caller.account)
      .Bind(3, reference)
      .Bind(4, id)
      .Run();
  tx.Audit(caller, paid ? "withdrawal_paid" : "withdrawal_rejected", "withdrawal:" + std::to_string(id),
           {{"reference", reference}});
  return json::value{{"id", id}, {"status", paid ? "paid" : "rejected"}};
}

}  // namespace guanxi::service
