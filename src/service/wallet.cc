// Wallets (pending, available, frozen, withdrawing), explained earnings and withdrawals. Withdrawals
// go through the single writer, so concurrent requests never spend the same fen twice.
#include <algorithm>
#include <iterator>
#include <map>
#include <optional>
#include <unordered_map>
#include <string>

#include "i18n/explain.h"
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


}  // namespace

namespace {

// When the member's pending money settles: its pending rewards by their orders' settlement dates,
// newest orders first until the pending balance is accounted for. A received order settles on its
// settle_at; a shipped one at the latest after the automatic confirmation and the return window
// (estimated); an order not yet shipped has no date (it settles a return window after receipt). Any
// pending money no order explains (a plan's own rule) is shown without a date, so the rows always sum
// to the pending balance.
json::array PendingSchedule(ReadCtx& c, const Shop& shop, core::MemberId m, core::Fen pending) {
  const ShopConfig& cfg = shop.config();
  std::map<std::pair<int64_t, bool>, core::Fen> by_date;  // (settle_at or INT64_MAX, estimated) → fen
  core::Fen found = 0;
  const std::vector<int64_t>& ids = shop.EarningIds(m);
  store::Stmt& s = c.db.Cached("SELECT to_kind, to_sub, to_id, amount, ref, reason FROM effects WHERE id = ?");
  store::Stmt& o = c.db.Cached(
      "SELECT o.status, o.settle_at, o.shipped_at FROM order_items i JOIN orders o ON o.id = i.order_id "
      "WHERE i.engine_order = ?");
  constexpr int kMaxScan = 5000;
  int scanned = 0;
  for (auto it = ids.end(); it != ids.begin() && found < pending && scanned < kMaxScan; ++scanned) {
    s.Bind(1, *--it);
    const bool row = s.Step();
    const bool reward = row && s.Int(5) == static_cast<int64_t>(core::Reason::kReward) &&
                        s.Int(0) == static_cast<int64_t>(core::Account::Kind::kMember) &&
                        s.Int(1) == static_cast<int64_t>(core::Bucket::kPending) && s.Int(2) == int64_t{m} && !s.IsNull(4);
    const core::Fen amount = row ? s.Int(3) : 0;
    const int64_t engine_order = row && !s.IsNull(4) ? s.Int(4) : -1;
    s.Reset();
    if (!reward) continue;
    o.Bind(1, engine_order);
    if (o.Step()) {
      const std::string status = o.Text(0);
      if (status == "received" && !o.IsNull(1)) {
        by_date[{o.Int(1), false}] += amount;
        found += amount;
      } else if (status == "shipped" && !o.IsNull(2)) {
        by_date[{o.Int(2) + cfg.auto_confirm_ms + cfg.return_window_ms, true}] += amount;
        found += amount;
      } else if (status == "paid" || status == "refund_requested") {
        by_date[{INT64_MAX, false}] += amount;
        found += amount;
      }
    }
    o.Reset();
  }
  if (found != pending) by_date[{INT64_MAX, false}] += pending - found;
  json::array out;
  for (const auto& [key, amount] : by_date) {
    if (amount == 0) continue;
    json::object row{{"amount", amount}};
    if (key.first != INT64_MAX) {
      row["settle_at"] = key.first;
      row["date"] = ShopDate(ShopDay(key.first, cfg.utc_offset_minutes));
      row["estimated"] = key.second;
    } else {
      row["after_receipt_days"] = cfg.return_window_ms / 86'400'000;
    }
    out.push_back(std::move(row));
  }
  return out;
}

// What the member has paid for orders that stand (paid, not refunded): for 回本, what earnings must reach.
core::Fen Spent(ReadCtx& c, const Shop& shop, core::MemberId m) {
  core::Fen spent = 0;
  store::Stmt& s = c.db.Cached("SELECT total, status FROM orders WHERE id = ?");
  for (int64_t id : shop.BuyerOrderIds(m)) {
    s.Bind(1, id);
    if (s.Step()) {
      const std::string status = s.Text(1);
      if (status != "created" && status != "expired" && status != "cancelled" && status != "refunded") spent += s.Int(0);
    }
    s.Reset();
  }
  return spent;
}

}  // namespace

Reply Wallet(ReadCtx& c, const Shop& shop, const Caller& caller, int64_t member) {
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
  const core::Balances b = c.engine.balances(m);
  json::object out{{"member", *who},
                   {"rank", plan.ranks[c.engine.rank(m)].name},
                   {"rank_label", i18n::RankWord(plan, c.engine.rank(m), caller.lang)},
                   {"balances", BalancesJson(b)},
                   {"earned", std::move(earned)},
                   {"earned_total", total},
                   {"pending_schedule", PendingSchedule(c, shop, m, b.pending)},
                   {"break_even", {{"spent", Spent(c, shop, m)}, {"earned", total}}},
                   {"fund_locked", plan.fund.enabled && c.engine.fund_locked(m)}};
  if (plan.fund.enabled) {
    const core::FundProgress p = c.engine.fund_progress(m);
    out["fund"] = {{"locked", p.locked},
                   {"positions", p.positions},
                   {"positions_qualified", p.positions_qualified},
                   {"position_rank", i18n::RankWord(plan, plan.fund.position_min_rank, caller.lang)},
                   {"units", p.units},
                   {"units_needed", p.units_needed},
                   {"frozen", b.frozen}};
  }
  return json::value(std::move(out));
}

namespace {

constexpr const char* kBucketNames[] = {"pending", "available", "frozen", "withdrawing"};

// What an effect did to one member's balances: each bucket it took from (negative) or added to.
struct Move {
  core::Bucket bucket;
  core::Fen delta;
};
std::vector<Move> MovesOf(const core::Effect& e, core::MemberId m) {
  std::vector<Move> moves;
  const auto mine = [&](const core::Account& a) { return a.kind == core::Account::Kind::kMember && a.id == m; };
  if (mine(e.from)) moves.push_back({static_cast<core::Bucket>(e.from.sub), -e.amount});
  if (mine(e.to)) moves.push_back({static_cast<core::Bucket>(e.to.sub), e.amount});
  return moves;
}

std::optional<core::Bucket> BucketNamed(const std::string& name) {
  for (size_t b = 0; b < std::size(kBucketNames); ++b) {
    if (name == kBucketNames[b]) return static_cast<core::Bucket>(b);
  }
  return std::nullopt;
}

bool AboutOrder(const core::Effect& e) {
  return e.order != core::kNone && (e.reason == core::Reason::kReward || e.reason == core::Reason::kSettled ||
                                    e.reason == core::Reason::kHeld || e.reason == core::Reason::kRefundReward);
}

}  // namespace

Reply Earnings(ReadCtx& c, const Shop& shop, const Caller& caller, int64_t member, int64_t before, int limit,
               const std::string& balance) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  const auto m = static_cast<core::MemberId>(*who);
  std::optional<core::Bucket> only;
  if (!balance.empty()) {
    only = BucketNamed(balance);
    if (!only) return Invalid("balance", "balance is one of pending, available, frozen, withdrawing");
  }
  limit = ClampLimit(limit);
  // Newest first from the in-memory index; an id whose row this read's snapshot lacks (its batch is not
  // committed yet) is passed over.
  const std::vector<int64_t>& ids = shop.EarningIds(m);
  auto it = before > 0 ? std::lower_bound(ids.begin(), ids.end(), before) : ids.end();
  store::Stmt& s = c.db.Cached(std::string("SELECT id, at, ") + kEffectColumns + " FROM effects WHERE id = ?");
  const core::Plan& plan = c.engine.plan();
  People people(c.db, caller.lang, caller.member);
  // Orders by their number; the order's id only where the reader may open it (its own, or staff).
  struct OrderRef {
    std::string no;
    int64_t id, buyer;
  };
  std::unordered_map<core::OrderId, OrderRef> orders;
  const auto order_of = [&](core::OrderId o) -> const OrderRef& {
    auto found = orders.find(o);
    if (found != orders.end()) return found->second;
    store::Stmt& q = c.db.Cached(
        "SELECT o.id, o.no, o.created_at, o.member FROM order_items i JOIN orders o ON o.id = i.order_id "
        "WHERE i.engine_order = ?");
    q.Bind(1, int64_t{o});
    OrderRef ref{"", -1, -1};
    if (q.Step()) {
      ref = {q.IsNull(1) ? OrderNumber(q.Int(2), q.Int(0), shop.config().utc_offset_minutes) : q.Text(1), q.Int(0),
             q.Int(3)};
    }
    q.Reset();
    return orders.emplace(o, std::move(ref)).first->second;
  };
  std::unordered_map<core::ProductId, std::string> products;
  i18n::Names names;
  names.member = [&](core::MemberId p) { return people.Name(p); };
  names.order = [&](core::OrderId o) { return order_of(o).no; };
  names.withdrawal = [&](core::WithdrawalId w) {
    store::Stmt& q = c.db.Cached("SELECT requested_at FROM withdrawals WHERE id = ?");
    q.Bind(1, int64_t{w});
    const int64_t at = q.Step() ? q.Int(0) : 0;
    q.Reset();
    return ShopDate(ShopDay(at, shop.config().utc_offset_minutes));
  };
  names.product = [&](core::ProductId p) {
    auto found = products.find(p);
    if (found != products.end()) return found->second;
    const std::string sku = c.engine.product(p).sku;
    store::Stmt& q = c.db.Cached("SELECT name FROM products WHERE sku = ?");
    q.Bind(1, sku);
    std::string name = q.Step() ? q.Text(0) : sku;
    q.Reset();
    return products.emplace(p, std::move(name)).first->second;
  };
  // One row per balance an effect moved: a settlement is two rows (pending −, available +), so the rows
  // of each balance sum to the wallet's figure for it.
  json::array items;
  int64_t last = 0;
  while (it != ids.begin() && static_cast<int>(items.size()) < limit) {
    s.Bind(1, *--it);
    if (!s.Step()) {
      s.Reset();
      continue;
    }
    const int64_t id = s.Int(0);
    const int64_t at = s.Int(1);
    const core::Effect e = EffectFromRow(s, 2);
    s.Reset();
    last = id;
    const std::vector<Move> moves = MovesOf(e, m);
    if (moves.empty()) continue;
    std::string why;
    for (const Move& mv : moves) {
      if (only && mv.bucket != *only) continue;
      if (why.empty()) why = i18n::Explain(e, c.engine, names, caller.lang);
      json::object item{{"id", id},
                        {"at", at},
                        {"type", core::EffectType(e)},
                        {"balance", kBucketNames[static_cast<size_t>(mv.bucket)]},
                        {"delta", mv.delta},
                        {"amount", e.amount},
                        {"why", why}};
      if (AboutOrder(e)) {
        const OrderRef& o = order_of(e.order);
        item["order_no"] = o.no;
        if (caller.staff() || o.buyer == m) item["order"] = o.id;
        item["earned"] = plan.earned[e.earned];
        item["earned_label"] = i18n::EarnedWord(plan, e.earned, caller.lang);
      }
      items.push_back(std::move(item));
    }
  }
  json::object out{{"items", std::move(items)}};
  if (it != ids.begin() && last > 0) out["next"] = last;
  return json::value(std::move(out));
}

Reply RequestWithdrawal(Tx& tx, const Caller& caller, core::Fen amount) {
  if (caller.account < 0) return Unauthorized();
  if (caller.member < 0) return Forbidden();
  const ShopConfig& cfg = tx.shop.config();
  if (amount < cfg.withdraw_min) {
    return Invalid("amount", "the smallest withdrawal is " + core::FormatYuan(cfg.withdraw_min) + " yuan");
  }
  if (amount > limits::kAmountMaxFen) {
    return Invalid("amount", "a withdrawal is at most " + core::FormatYuan(limits::kAmountMaxFen) + " yuan");
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

Reply DecideWithdrawal(Tx& tx, const Caller& caller, int64_t id, bool paid, const std::string& text,
                       const std::string& reason) {
  if (!HasRole(caller, {"finance"})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();
  auto why = CheckReason(reason);
  if (!why) return why.error();
  // Paid: the transfer's reference. Rejected: the note the member reads, else the reason.
  const std::string reference = paid || !text.empty() ? text : *why;
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
  if (text.size() > 200) return Invalid(paid ? "reference" : "note", "at most 200 bytes");
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
           {{"from", "requested"}, {"to", paid ? "paid" : "rejected"}, {paid ? "reference" : "note", reference},
            {"reason", *why}});
  return json::value{{"id", id}, {"status", paid ? "paid" : "rejected"}};
}

}  // namespace guanxi::service
