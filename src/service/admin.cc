// Staff operations on members, the plan, pools and the ledger (the audit log they write to is read in
// audit.cc).
#include <string>
#include <string_view>

#include "service/api.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;

unsigned HttpStatus(const core::Error& e) {
  const std::string& c = e.code;
  if (c == "unauthorized") return 401;
  if (c == "forbidden") return 403;
  if (c == "not_found" || c == "unknown_order" || c == "unknown_withdrawal" || c == "unknown_intent") return 404;
  if (c == "too_many_attempts") return 429;
  if (c == "invalid_plan" || c == "plan_incompatible" || c == "idempotency_key_reused") return 422;
  if (c == "internal") return 500;
  if (c == "store_unavailable" || c == "overloaded") return 503;
  if (c == "not_a_fan" || c == "has_directs" || c == "same_referrer" || c == "sku_taken") return 409;
  if (c == "phone_taken" || c == "already_paid" || c == "out_of_stock" || c == "invalid_state" || c == "insufficient_balance" ||
      c == "withdrawal_closed" || c == "order_expired" || c == "order_refunded" || c == "order_settled" ||
      c == "day_already_closed" || c == "referrer_fixed") {
    return 409;
  }
  return 400;
}

namespace {
core::Error Denied(const Caller& caller) { return caller.account < 0 ? Unauthorized() : Forbidden(); }

// The operator's text as a LIKE prefix that matches it literally: "%" and "_" are characters here,
// not wildcards (issue #18), and so is the escape character itself. The query says ESCAPE '\'
// explicitly so SQLite (which has no default escape) and PostgreSQL (whose default is the same
// backslash) read the pattern alike.
std::string LikePrefix(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (char ch : text) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '%';
  return out;
}
}  // namespace

Reply SearchMembers(ReadCtx& c, const Caller& caller, const std::string& q, int64_t after, int limit) {
  if (!HasRole(caller, {"operator", "finance", "sales"})) return Denied(caller);
  limit = ClampLimit(limit);
  // By id ("#12" or "12"), invite code, or phone prefix.
  store::Stmt& s = c.db.Cached(
      "SELECT m.id FROM members m LEFT JOIN accounts a ON a.id = m.account "
      "WHERE m.id > ?1 AND (?2 = '' OR CAST(m.id AS TEXT) = ltrim(?2, '#') OR m.invite_code = upper(?2) "
      "OR a.phone LIKE ?4 ESCAPE '\\') ORDER BY m.id LIMIT ?3");
  s.Bind(1, after).Bind(2, q).Bind(3, int64_t{limit} + 1).Bind(4, LikePrefix(q));
  std::vector<int64_t> ids;
  while (s.Step()) ids.push_back(s.Int(0));
  s.Reset();
  std::vector<core::MemberId> page;
  for (size_t i = 0; i < ids.size() && static_cast<int>(i) < limit; ++i) page.push_back(static_cast<core::MemberId>(ids[i]));
  json::array items;
  for (json::object& o : MemberBriefs(c.db, c.engine, page, SeesFullPhones(caller))) items.push_back(std::move(o));
  json::object out{{"items", std::move(items)}};
  if (static_cast<int>(ids.size()) > limit) out["next"] = ids[static_cast<size_t>(limit) - 1];
  return json::value(std::move(out));
}

Reply MemberDetail(ReadCtx& c, Shop& shop, const Caller& caller, int64_t member) {
  if (!HasRole(caller, {"operator", "finance", "sales"})) return Denied(caller);
  if (member < 0 || member >= static_cast<int64_t>(c.engine.member_count())) return NotFound("member", "member");
  const auto m = static_cast<core::MemberId>(member);
  const bool full_phone = SeesFullPhones(caller);
  json::object o = MemberBrief(c.db, c.engine, m, full_phone);
  auto link = [&](core::MemberId x) -> json::value {
    if (x == core::kNone) return nullptr;
    return MemberBrief(c.db, c.engine, x, full_phone);
  };
  o["referrer"] = link(c.engine.referrer(m));
  o["leader"] = link(c.engine.leader(m));
  o["mentor"] = link(c.engine.mentor(m));
  o["position"] = c.engine.position(m);
  o["depth"] = c.engine.depth(m);
  store::Stmt& s = c.db.Cached("SELECT invite_code, first_paid_at FROM members WHERE id = ?");
  s.Bind(1, member);
  if (s.Step()) {
    o["invite_code"] = s.Text(0);
    o["has_bought"] = !s.IsNull(1);
  }
  s.Reset();
  Reply wallet = Wallet(c, shop, caller, member);
  if (wallet) o["wallet"] = wallet.value();
  Reply team = TeamSummary(c, shop, caller, member);
  if (team) o["team"] = team.value();
  return json::value(std::move(o));
}

Reply SetRank(Tx& tx, const Caller& caller, int64_t member, const std::string& rank, const std::string& reason) {
  if (!HasRole(caller, {"operator"})) return Denied(caller);
  auto why = CheckReason(reason);
  if (!why) return why.error();
  if (member < 0 || member >= static_cast<int64_t>(tx.engine.member_count())) return NotFound("member", "member");
  const auto m = static_cast<core::MemberId>(member);
  const std::string before = tx.engine.plan().ranks[tx.engine.rank(m)].name;
  auto r = tx.Engine(Command{Op::kSetRank, member, 0, 0, rank});
  if (!r) return r.error();
  tx.Audit(caller, "set_rank", "member:" + std::to_string(member), {{"from", before}, {"to", rank}, {"reason", *why}});
  return json::value(MemberBrief(tx.db, tx.engine, m, true));
}

Reply Rebind(Tx& tx, const Caller& caller, int64_t member, int64_t referrer, const std::string& reason) {
  if (!HasRole(caller, {"operator"})) return Denied(caller);
  auto why = CheckReason(reason);
  if (!why) return why.error();
  const auto count = static_cast<int64_t>(tx.engine.member_count());
  if (member < 0 || member >= count) return NotFound("member", "member");
  if (referrer < -1 || referrer >= count) return NotFound("referrer", "referrer");
  store::Stmt& s = tx.db.Cached("SELECT referrer, first_paid_at FROM members WHERE id = ?");
  s.Bind(1, member);
  s.Step();
  const std::optional<int64_t> before = s.OptInt(0);
  const bool bought = !s.IsNull(1);
  s.Reset();
  // 推荐关系锁定: the referrer is fixed once the member has bought.
  if (bought) return core::MakeError("referrer_fixed", "the member has bought: its referrer is fixed", "member");
  auto r = tx.Engine(Command{Op::kRebind, member, referrer});
  if (!r) return r.error();
  tx.db.Cached("UPDATE members SET referrer = ? WHERE id = ?")
      .Bind(1, referrer < 0 ? std::optional<int64_t>() : std::optional<int64_t>(referrer))
      .Bind(2, member)
      .Run();
  tx.Audit(caller, "rebind", "member:" + std::to_string(member),
           {{"from", before ? json::value(*before) : json::value(nullptr)},
            {"to", referrer < 0 ? json::value(nullptr) : json::value(referrer)},
            {"reason", *why}});
  return json::value(MemberBrief(tx.db, tx.engine, static_cast<core::MemberId>(member), true));
}

Reply CloseDayNow(Tx& tx, const Caller& caller) {
  if (!HasRole(caller, {"finance"})) return Denied(caller);
  const int64_t today = ShopDay(tx.now, tx.shop.config().utc_offset_minutes);
  store::Stmt& s = tx.db.Cached("SELECT 1 FROM day_closes WHERE day = ?");
  s.Bind(1, today);
  const bool closed = s.Step();
  s.Reset();
  if (closed) return core::MakeError("day_already_closed", "today's pools are already shared out");
  // Days that ended without a close are closed first, in order.
  Reply pass = SchedulerPass(tx, tx.shop.config().utc_offset_minutes);
  if (!pass) return pass;
  auto r = tx.Engine(Command{Op::kCloseDay});
  if (!r) return r.error();
  tx.db.Cached("INSERT INTO day_closes (day, closed_at, seq) VALUES (?, ?, (SELECT max(seq) FROM engine_log))")
      .Bind(1, today)
      .Bind(2, tx.now)
      .Run();
  tx.Audit(caller, "close_day", "day:" + std::to_string(today), {});
  return json::value{{"day", today}, {"closed", true}};
}

Reply LedgerReport(ReadCtx& c, const Caller& caller, int utc_offset_minutes) {
  if (!HasRole(caller, {"finance"})) return Denied(caller);
  // Business days are shop days (days since 1970-01-01 in the shop's zone), the numbers day_closes and
  // the close-day reply use; the engine's day() only counts the closes it has applied.
  store::Stmt& closes = c.db.Cached("SELECT day, closed_at FROM day_closes ORDER BY day DESC LIMIT 1");
  json::value last_closed = nullptr;
  if (closes.Step()) last_closed = json::object{{"day", closes.Int(0)}, {"closed_at", closes.Int(1)}};
  closes.Reset();
  const core::Ledger& l = c.engine.ledger();
  const core::Balances members = SumOfMemberBalances(c.engine);
  json::object pools;
  for (size_t p = 0; p < l.pool_count(); ++p) pools[c.engine.plan().pools[p].name] = l.pool(static_cast<uint32_t>(p));
  const core::Plan& plan = c.engine.plan();
  json::object ranks;
  for (size_t r = 0; r < plan.ranks.size(); ++r) ranks[plan.ranks[r].name] = c.engine.rank_count(static_cast<core::RankId>(r));
  return json::value{{"platform",
                      {{"buyers", l.platform(core::PlatformAccount::kBuyers)},
                       {"revenue", l.platform(core::PlatformAccount::kRevenue)},
                       {"payouts", l.platform(core::PlatformAccount::kPayouts)}}},
                     {"members", BalancesJson(members)},
                     {"pools", std::move(pools)},
                     {"ledger_sum", l.Sum()},
                     {"member_count", c.engine.member_count()},
                     {"orders", c.engine.order_count()},
                     {"ranks", std::move(ranks)},
                     {"closed_days", c.engine.day()},
                     {"last_closed", std::move(last_closed)},
                     {"business_day", ShopDay(c.now, utc_offset_minutes)}};
}

Reply PlanView(ReadCtx& c, const Caller& caller) {
  if (caller.account < 0) return Unauthorized();
  const core::Plan& plan = c.engine.plan();
  json::array ranks;
  for (const core::RankDef& r : plan.ranks) ranks.push_back({{"name", r.name}, {"label", r.label}});
  json::array activities;
  for (const core::Activity& a : plan.activities) {
    json::array skus;
    for (const auto& s : a.skus) skus.push_back(json::string(s));
    activities.push_back({{"name", a.name}, {"skus", std::move(skus)}, {"all_products", a.all_products}});
  }
  json::object out{{"name", plan.name}, {"ranks", std::move(ranks)}, {"activities", std::move(activities)}};
  if (caller.staff()) {
    store::Stmt& s = c.db.Cached("SELECT version, source, uploaded_at, note FROM plans ORDER BY version DESC LIMIT 1");
    if (s.Step()) {
      out["version"] = s.Int(0);
      out["source"] = s.Text(1);
      out["uploaded_at"] = s.Int(2);
      out["note"] = s.Text(3);
    }
    s.Reset();
  }
  return json::value(std::move(out));
}

Reply UploadPlan(Tx& tx, const Caller& caller, const std::string& source, const std::string& note,
                 const std::string& reason, const json::value& lint_shown) {
  if (!HasRole(caller, {"operator"})) return Denied(caller);
  auto why = CheckReason(reason);
  if (!why) return why.error();
  store::Stmt& last = tx.db.Cached("SELECT max(version) FROM plans");
  last.Step();
  const int64_t version = last.Int(0) + 1;
  last.Reset();
  // The engine parses and checks it (a bad line or an incompatible change is refused here, unchanged).
  auto r = tx.Engine(Command{Op::kPlan, version, 0, 0, source});
  if (!r) return r.error();
  const std::string& name = tx.engine.plan().name;
  tx.db.Cached("INSERT INTO plans (version, name, source, uploaded_at, uploaded_by, note) VALUES (?,?,?,?,?,?)")
      .Bind(1, version)
      .Bind(2, name)
      .Bind(3, source)
      .Bind(4, tx.now)
      .Bind(5, caller.account)
      .Bind(6, note)
      .Run();
  json::object detail{{"name", name}, {"note", note}, {"reason", *why}};
  // What the console showed before the upload was confirmed (the lint findings' codes, or their count).
  if (!lint_shown.is_null()) detail["lint_shown"] = lint_shown;
  tx.Audit(caller, "plan_uploaded", "plan:" + std::to_string(version), detail);
  return json::value{{"version", version}, {"name", name}, {"uploaded_at", tx.now}};
}

Reply PlanVersions(ReadCtx& c, const Caller& caller) {
  if (!caller.staff()) return Denied(caller);
  store::Stmt& s = c.db.Cached(
      "SELECT version, name, uploaded_at, uploaded_by, note, version = (SELECT max(version) FROM plans) "
      "FROM plans ORDER BY version DESC");
  json::array items;
  while (s.Step()) {
    json::object v{{"version", s.Int(0)}, {"name", s.Text(1)}, {"uploaded_at", s.Int(2)},
                   {"note", s.Text(4)},   {"active", s.Int(5) != 0}};
    v["uploaded_by"] = s.IsNull(3) ? json::value(nullptr) : json::value(s.Int(3));
    items.push_back(std::move(v));
  }
  s.Reset();
  return json::value{{"items", std::move(items)}};
}

Reply PlanVersion(ReadCtx& c, const Caller& caller, int64_t version) {
  if (!caller.staff()) return Denied(caller);
  store::Stmt& s = c.db.Cached("SELECT name, source, uploaded_at, note FROM plans WHERE version = ?");
  s.Bind(1, version);
  if (!s.Step()) {
    s.Reset();
    return NotFound("plan version", "version");
  }
  json::value out{{"version", version}, {"name", s.Text(0)}, {"source", s.Text(1)}, {"uploaded_at", s.Int(2)},
                  {"note", s.Text(3)}};
  s.Reset();
  return out;
}

}  // namespace guanxi::service
