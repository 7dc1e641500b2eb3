#include "service/journal.h"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "core/text.h"
#include "guanxi/limits.h"
#include "plan/plan_file.h"

namespace guanxi::service {

using core::Effects;
using core::MemberId;
using core::Result;

namespace {

uint32_t Id(int64_t v) { return v < 0 ? core::kNone : static_cast<uint32_t>(v); }

template <typename T>
Result<uint32_t> Created(const Result<T>& r) {
  if (!r) return r.error();
  return static_cast<uint32_t>(*r);
}

Result<uint32_t> Done(const core::Status& s) {
  if (!s) return s.error();
  return uint32_t{0};
}

constexpr size_t kEffectColumns = 25;
constexpr size_t kEffectsPerInsert = 16;

// The INSERT of `rows` effects (1..kEffectsPerInsert), one text per count, made once.
const std::string& EffectsInsert(size_t rows) {
  static const std::array<std::string, kEffectsPerInsert + 1> sql = [] {
    std::array<std::string, kEffectsPerInsert + 1> out;
    std::string row = "(?";
    for (size_t c = 1; c < kEffectColumns; ++c) row += ",?";
    row += ")";
    for (size_t n = 1; n <= kEffectsPerInsert; ++n) {
      out[n] =
          "INSERT INTO effects (id, seq, at, member, kind, reason, relation, rank, old_rank, earned, by_admin, activity, "
          "rule, from_kind, from_sub, from_id, to_kind, to_sub, to_id, amount, buyer, via, ref, generation, units) "
          "VALUES " + row;
      for (size_t i = 1; i < n; ++i) out[n] += "," + row;
    }
    return out;
  }();
  return sql[rows];
}

}  // namespace

Result<uint32_t> ApplyCommand(core::Engine& engine, const Command& c, Effects* out) {
  switch (c.op) {
    case Op::kJoin:
      return Created(engine.Join(Id(c.a), out));
    case Op::kSetRank: {
      const auto rank = engine.plan().FindRank(c.text);
      if (!rank) return core::MakeError("unknown_rank", "the plan has no rank " + c.text, "rank");
      if (Id(c.a) >= engine.member_count()) return core::MakeError("unknown_member", "no such member", "member");
      return Done(engine.SetRank(Id(c.a), *rank, out));
    }
    case Op::kProduct:
      return Created(engine.UpsertProduct(c.text, c.amount, out));
    case Op::kOrder: {
      const auto product = engine.FindProduct(c.text);
      if (!product) return core::MakeError("unknown_product", "the engine has no product " + c.text, "sku");
      if (c.n <= 0 || c.n > limits::kEngineQtyMax) {
        return core::MakeError("invalid_qty", core::RangeMessage("qty", 1, limits::kEngineQtyMax), "qty");
      }
      return Created(engine.PayOrder(Id(c.a), *product, static_cast<uint32_t>(c.n), c.amount, out));
    }
    case Op::kRefund:
      return Done(engine.Refund(Id(c.a), out));
    case Op::kSettle:
      return Done(engine.Settle(Id(c.a), out));
    case Op::kCloseDay:
      return Done(engine.CloseDay(out));
    case Op::kWithdraw:
      return Created(engine.Withdraw(Id(c.a), c.amount, c.n, out));
    case Op::kWithdrawPaid:
      return Done(engine.WithdrawPaid(Id(c.a), out));
    case Op::kWithdrawRejected:
      return Done(engine.WithdrawRejected(Id(c.a), out));
    case Op::kRebind:
      return Done(engine.Rebind(Id(c.a), Id(c.n), out));
    case Op::kPlan: {
      auto plan = plan::ParsePlan(c.text, kPlanSourceName);
      if (!plan) return plan.error();
      return Done(engine.AdoptPlan(std::move(*plan), out));
    }
  }
  return core::MakeError("unknown_command", "unknown journal op");
}

int64_t AppendCommand(store::Db& db, const Command& c, const Effects& effects, int64_t at, int64_t* next_effect_id) {
  store::Stmt& log =
      db.Cached("INSERT INTO engine_log (at, kind, a, n, amount, text) VALUES (?,?,?,?,?,?) RETURNING seq");
  log.Bind(1, at).Bind(2, int64_t{static_cast<uint8_t>(c.op)});
  if (c.a >= 0) log.Bind(3, c.a);
  log.Bind(4, c.n).Bind(5, c.amount);
  if (!c.text.empty()) log.Bind(6, c.text);
  const int64_t seq = log.InsertReturningId();

  // Up to kEffectsPerInsert effects per statement: one round trip to a PostgreSQL server, not one each.
  for (size_t first = 0; first < effects.size(); first += kEffectsPerInsert) {
    const size_t rows = std::min(kEffectsPerInsert, effects.size() - first);
    store::Stmt& ins = db.Cached(EffectsInsert(rows));
    for (size_t r = 0; r < rows; ++r) {
      const core::Effect& e = effects[first + r];
      const int b = static_cast<int>(r * kEffectColumns);
      auto opt = [&](int i, uint32_t v) {
        if (v != core::kNone) ins.Bind(b + i, int64_t{v});
      };
      ins.Bind(b + 1, (*next_effect_id)++).Bind(b + 2, seq).Bind(b + 3, at);
      opt(4, e.member);
      ins.Bind(b + 5, int64_t{static_cast<uint8_t>(e.kind)})
          .Bind(b + 6, int64_t{static_cast<uint8_t>(e.reason)})
          .Bind(b + 7, int64_t{static_cast<uint8_t>(e.relation)})
          .Bind(b + 8, int64_t{e.rank})
          .Bind(b + 9, int64_t{e.old_rank})
          .Bind(b + 10, int64_t{e.earned})
          .Bind(b + 11, int64_t{e.by_admin})
          .Bind(b + 12, int64_t{e.activity})
          .Bind(b + 13, int64_t{e.rule})
          .Bind(b + 14, int64_t{static_cast<uint8_t>(e.from.kind)})
          .Bind(b + 15, int64_t{e.from.sub})
          .Bind(b + 16, int64_t{e.from.id})
          .Bind(b + 17, int64_t{static_cast<uint8_t>(e.to.kind)})
          .Bind(b + 18, int64_t{e.to.sub})
          .Bind(b + 19, int64_t{e.to.id})
          .Bind(b + 20, e.amount);
      opt(21, e.buyer);
      opt(22, e.via);
      opt(23, e.order);
      ins.Bind(b + 24, int64_t{e.generation}).Bind(b + 25, int64_t{e.units});
    }
    ins.Run();
  }
  return seq;
}

int64_t NextEffectId(store::Db& db) {
  store::Stmt s = db.Prepare("SELECT coalesce(max(id), 0) + 1 FROM effects");
  s.Step();
  return s.Int(0);
}

static_assert(static_cast<int>(core::EffectKind::kPosting) == 5 && static_cast<int>(core::Reason::kOrderPaid) == 1 &&
              static_cast<int>(core::Reason::kRefundPayment) == 9);
const char* const kIsEarningSql = "kind = 5 AND member IS NOT NULL AND reason NOT IN (1, 9)";

bool IsEarning(const core::Effect& e) {
  return e.kind == core::EffectKind::kPosting && e.member != core::kNone && e.reason != core::Reason::kOrderPaid &&
         e.reason != core::Reason::kRefundPayment;
}

int64_t ReplayJournal(store::Db& db, core::Engine& engine) {
  store::Stmt s = db.Prepare("SELECT seq, kind, a, n, amount, text FROM engine_log ORDER BY seq");
  Command c(Op::kCloseDay);
  int64_t count = 0;
  while (s.Step()) {
    c.op = static_cast<Op>(s.Int(1));
    c.a = s.IsNull(2) ? -1 : s.Int(2);
    c.n = s.Int(3);
    c.amount = s.Int(4);
    c.text = s.Text(5);
    const auto r = ApplyCommand(engine, c, nullptr);
    if (!r) {
      throw std::runtime_error("journal entry " + std::to_string(s.Int(0)) + " refused on replay: " +
                               r.error().code + ": " + r.error().message);
    }
    ++count;
  }
  return count;
}

std::unique_ptr<core::Engine> RebuildEngine(store::Db& db, int64_t* commands, std::pmr::memory_resource* memory) {
  store::Stmt first = db.Prepare("SELECT source FROM plans ORDER BY version LIMIT 1");
  if (!first.Step()) throw std::runtime_error("the shop has no plan");
  auto plan = plan::ParsePlan(first.Text(0), kPlanSourceName);
  if (!plan) throw std::runtime_error("the shop's first plan version: " + plan.error().message);
  auto engine = std::make_unique<core::Engine>(std::move(*plan), memory);
  {
    store::Stmt n = db.Prepare(
        "SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM order_items WHERE engine_order IS NOT NULL)");
    n.Step();
    // Room for half as many members again: without it the first join after every restart copies the
    // whole member array and doubles it (116–129 ms of the writer at 1,000,000 members, and three times
    // the array's memory for the moment). Until members join, the room is address space, not memory.
    const int64_t members = n.Int(0);
    engine->Reserve(static_cast<uint32_t>(std::min<int64_t>(members + members / 2 + 1024, UINT32_MAX)),
                    static_cast<uint32_t>(n.Int(1)));
  }
  const int64_t replayed = ReplayJournal(db, *engine);
  if (commands != nullptr) *commands = replayed;
  if (engine->ledger().Sum() != 0) throw std::runtime_error("the rebuilt ledger does not sum to zero");
  return engine;
}

EngineComparison CompareEngines(const core::Engine& a, const core::Engine& b, const std::string& a_name,
                                const std::string& b_name) {
  EngineComparison out;
  auto note = [&](const std::string& what, int64_t x, int64_t y) {
    if (x != y && out.differences.size() < 20) {
      out.differences.push_back(what + ": " + std::to_string(x) + " in " + a_name + ", " + std::to_string(y) +
                                " in " + b_name);
    }
  };
  auto account = [&](const std::string& what, core::Fen x, core::Fen y) {
    ++out.accounts;
    note(what, x, y);
  };
  if (a.member_count() != b.member_count()) {
    note("members", a.member_count(), b.member_count());
    return out;
  }
  for (MemberId m = 0; m < a.member_count(); ++m) {
    const std::string who = "member " + std::to_string(m);
    note(who + " rank", a.rank(m), b.rank(m));
    note(who + " referrer", a.referrer(m), b.referrer(m));
    const core::Balances x = a.ledger().member(m), y = b.ledger().member(m);
    account(who + " pending", x.pending, y.pending);
    account(who + " available", x.available, y.available);
    account(who + " frozen", x.frozen, y.frozen);
    account(who + " withdrawing", x.withdrawing, y.withdrawing);
  }
  for (uint32_t p = 0; p < a.ledger().pool_count(); ++p) {
    account("pool " + std::to_string(p), a.ledger().pool(p), b.ledger().pool(p));
  }
  for (int p = 0; p < core::kPlatformAccountCount; ++p) {
    const auto acc = static_cast<core::PlatformAccount>(p);
    account("platform account " + std::to_string(p), a.ledger().platform(acc), b.ledger().platform(acc));
  }
  for (const auto& [e, name] : {std::pair{&a, &a_name}, std::pair{&b, &b_name}}) {
    if (e->ledger().Sum() != 0) {
      out.differences.push_back("the ledger in " + *name + " sums to " + std::to_string(e->ledger().Sum()));
    }
  }
  return out;
}

}  // namespace guanxi::service
