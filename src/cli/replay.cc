#include "cli/replay.h"

#include <sstream>

#include "core/text.h"
#include "guanxi/limits.h"

namespace guanxi::cli {

namespace json = boost::json;
using core::Error;
using core::MakeError;

namespace {

Error Malformed(std::string message, std::string field = {}) {
  return MakeError("malformed", std::move(message), std::move(field));
}

core::Result<std::string> GetString(const json::object& cmd, const char* field) {
  const json::value* v = cmd.if_contains(field);
  if (v == nullptr) return Malformed(std::string("missing field \"") + field + "\"", field);
  if (!v->is_string() || v->as_string().empty()) {
    return Malformed(std::string("\"") + field + "\" must be a non-empty string", field);
  }
  return std::string(v->as_string());
}

// Integers only: money is fen and a float is refused rather than rounded.
core::Result<int64_t> GetInt(const json::object& cmd, const char* field, std::optional<int64_t> fallback = {}) {
  const json::value* v = cmd.if_contains(field);
  if (v == nullptr) {
    if (fallback) return *fallback;
    return Malformed(std::string("missing field \"") + field + "\"", field);
  }
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64() && v->as_uint64() <= static_cast<uint64_t>(INT64_MAX)) return static_cast<int64_t>(v->as_uint64());
  return Malformed(std::string("\"") + field + "\" must be an integer (amounts are fen)", field);
}

core::Status CheckFields(const json::object& cmd, std::initializer_list<const char*> allowed) {
  for (const auto& kv : cmd) {
    if (kv.key() == "cmd" || kv.key() == "comment") continue;
    bool known = false;
    for (const char* a : allowed) known = known || kv.key() == a;
    if (!known) return Malformed("unknown field \"" + std::string(kv.key()) + "\"", std::string(kv.key()));
  }
  return core::Ok{};
}

}  // namespace

Replay::Replay(core::Plan plan) : engine_(std::move(plan)) {
  names_.member = [this](core::MemberId m) { return members_.names[m]; };
  names_.order = [this](core::OrderId o) { return orders_.names[o]; };
  names_.withdrawal = [this](core::WithdrawalId w) { return withdrawals_.names[w]; };
  names_.product = [this](core::ProductId p) { return engine_.product(p).sku; };
}

void Replay::Remember(Registry& r, const std::string& name, uint32_t id) {
  if (r.names.size() <= id) r.names.resize(id + 1);
  r.names[id] = name;
  r.ids.emplace(name, id);
}

core::Result<uint32_t> Replay::Lookup(const Registry& r, const json::object& cmd, const char* field,
                                      const char* code) const {
  auto name = GetString(cmd, field);
  if (!name) return name.error();
  auto it = r.ids.find(*name);
  if (it == r.ids.end()) return MakeError(code, "no such " + std::string(field) + " \"" + *name + "\"", field);
  return it->second;
}

core::Result<std::string> Replay::NewName(const Registry& r, const json::object& cmd, const char* field,
                                          const char* code) const {
  auto name = GetString(cmd, field);
  if (!name) return name;
  if (r.ids.count(*name) != 0) return MakeError(code, "\"" + *name + "\" already exists", field);
  return name;
}

core::Status Replay::Apply(std::string_view json_line, size_t line) {
  line_ = line;
  boost::system::error_code ec;
  json::value v = json::parse(json_line, ec);
  if (ec) return Malformed("not valid JSON: " + ec.message());
  if (!v.is_object()) return Malformed("a command is a JSON object");
  scratch_.clear();
  core::Status s = Dispatch(v.as_object());
  for (const core::Effect& e : scratch_) log_.push_back(Logged{line_, e});
  return s;
}

core::Status Replay::Dispatch(const json::object& cmd) {
  auto name = GetString(cmd, "cmd");
  if (!name) return name.error();
  const std::string& c = *name;
  core::Effects* out = &scratch_;

  if (c == "join") {
    if (auto s = CheckFields(cmd, {"member", "referrer"}); !s) return s;
    auto member = NewName(members_, cmd, "member", "duplicate_member");
    if (!member) return member.error();
    core::MemberId referrer = core::kNone;
    const json::value* r = cmd.if_contains("referrer");
    if (r != nullptr && !r->is_null()) {
      auto ref_name = GetString(cmd, "referrer");
      if (!ref_name) return ref_name.error();
      if (*ref_name == *member) return MakeError("self_referral", "a member cannot refer itself", "referrer");
      auto ref = Lookup(members_, cmd, "referrer", "unknown_member");
      if (!ref) return ref.error();
      referrer = *ref;
    }
    auto id = engine_.Join(referrer, out);
    if (!id) return id.error();
    Journal(core::Command(core::Op::kJoin, Id(referrer)));
    Remember(members_, *member, *id);
    return core::Ok{};
  }
  if (c == "set_rank") {
    if (auto s = CheckFields(cmd, {"member", "rank"}); !s) return s;
    auto m = Lookup(members_, cmd, "member", "unknown_member");
    if (!m) return m.error();
    auto rank_name = GetString(cmd, "rank");
    if (!rank_name) return rank_name.error();
    auto rank = engine_.plan().FindRank(*rank_name);
    if (!rank) return MakeError("unknown_rank", "the plan has no rank \"" + *rank_name + "\"", "rank");
    return Journal(engine_.SetRank(*m, *rank, out), core::Command(core::Op::kSetRank, *m, 0, 0, *rank_name));
  }
  if (c == "rebind") {
    if (auto s = CheckFields(cmd, {"member", "referrer"}); !s) return s;
    auto m = Lookup(members_, cmd, "member", "unknown_member");
    if (!m) return m.error();
    core::MemberId referrer = core::kNone;
    const json::value* r = cmd.if_contains("referrer");
    if (r != nullptr && !r->is_null()) {
      auto ref = Lookup(members_, cmd, "referrer", "unknown_member");
      if (!ref) return ref.error();
      referrer = *ref;
    }
    return Journal(engine_.Rebind(*m, referrer, out), core::Command(core::Op::kRebind, *m, Id(referrer)));
  }
  if (c == "product") {
    if (auto s = CheckFields(cmd, {"sku", "price"}); !s) return s;
    auto sku = GetString(cmd, "sku");
    if (!sku) return sku.error();
    auto price = GetInt(cmd, "price");
    if (!price) return price.error();
    auto id = engine_.UpsertProduct(*sku, *price, out);
    if (!id) return id.error();
    Journal(core::Command(core::Op::kProduct, -1, 0, *price, *sku));
    return core::Ok{};
  }
  if (c == "order") {
    if (auto s = CheckFields(cmd, {"order", "member", "sku", "qty", "price"}); !s) return s;
    auto order = NewName(orders_, cmd, "order", "duplicate_order");
    if (!order) return order.error();
    auto m = Lookup(members_, cmd, "member", "unknown_member");
    if (!m) return m.error();
    auto sku = GetString(cmd, "sku");
    if (!sku) return sku.error();
    auto product = engine_.FindProduct(*sku);
    if (!product) return MakeError("unknown_product", "no product \"" + *sku + "\"", "sku");
    auto qty = GetInt(cmd, "qty", 1);
    if (!qty) return qty.error();
    if (*qty < 1 || *qty > limits::kEngineQtyMax) {
      return MakeError("invalid_qty", core::RangeMessage("qty", 1, limits::kEngineQtyMax), "qty");
    }
    std::optional<core::Fen> price;
    if (cmd.contains("price")) {
      auto p = GetInt(cmd, "price");
      if (!p) return p.error();
      price = *p;
    }
    auto id = engine_.PayOrder(*m, *product, static_cast<uint32_t>(*qty), price, out);
    if (!id) return id.error();
    Journal(core::Command(core::Op::kOrder, *m, *qty, price.value_or(engine_.product(*product).price), *sku));
    Remember(orders_, *order, *id);
    return core::Ok{};
  }
  if (c == "refund" || c == "settle") {
    if (auto s = CheckFields(cmd, {"order"}); !s) return s;
    auto o = Lookup(orders_, cmd, "order", "unknown_order");
    if (!o) return o.error();
    return c == "refund" ? Journal(engine_.Refund(*o, out), core::Command(core::Op::kRefund, *o))
                         : Journal(engine_.Settle(*o, out), core::Command(core::Op::kSettle, *o));
  }
  if (c == "close_day") {
    if (auto s = CheckFields(cmd, {}); !s) return s;
    return Journal(engine_.CloseDay(out), core::Command(core::Op::kCloseDay));
  }
  if (c == "withdraw") {
    if (auto s = CheckFields(cmd, {"id", "member", "amount", "fee"}); !s) return s;
    auto id = NewName(withdrawals_, cmd, "id", "duplicate_withdrawal");
    if (!id) return id.error();
    auto m = Lookup(members_, cmd, "member", "unknown_member");
    if (!m) return m.error();
    auto amount = GetInt(cmd, "amount");
    if (!amount) return amount.error();
    auto fee = GetInt(cmd, "fee", 0);
    if (!fee) return fee.error();
    auto w = engine_.Withdraw(*m, *amount, *fee, out);
    if (!w) return w.error();
    Journal(core::Command(core::Op::kWithdraw, *m, *fee, *amount));
    Remember(withdrawals_, *id, *w);
    return core::Ok{};
  }
  if (c == "withdraw_paid" || c == "withdraw_rejected") {
    if (auto s = CheckFields(cmd, {"id"}); !s) return s;
    auto w = Lookup(withdrawals_, cmd, "id", "unknown_withdrawal");
    if (!w) return w.error();
    return c == "withdraw_paid" ? Journal(engine_.WithdrawPaid(*w, out), core::Command(core::Op::kWithdrawPaid, *w))
                                : Journal(engine_.WithdrawRejected(*w, out),
                                          core::Command(core::Op::kWithdrawRejected, *w));
  }
  return MakeError("unknown_command", "unknown cmd \"" + c + "\"", "cmd");
}

core::Status Replay::Journal(core::Status applied, const core::Command& c) {
  if (applied) Journal(c);
  return applied;
}

void Replay::Journal(const core::Command& c) {
  if (journal_) journal_(c, scratch_);
}

json::value Replay::NameOrNull(core::MemberId m) const {
  if (m == core::kNone) return nullptr;
  return json::value(members_.names[m]);
}

json::object Replay::MemberJson(core::MemberId m) const {
  const core::Plan& plan = engine_.plan();
  json::object o;
  o["rank"] = plan.ranks[engine_.rank(m)].name;
  o["referrer"] = NameOrNull(engine_.referrer(m));
  o["leader"] = NameOrNull(engine_.leader(m));
  o["mentor"] = NameOrNull(engine_.mentor(m));
  o["position"] = engine_.position(m);
  if (plan.fund.enabled) o["fund"] = engine_.fund_locked(m) ? "locked" : "unlocked";
  const core::Balances b = engine_.balances(m);
  o["balances"] = {{"pending", b.pending}, {"available", b.available}, {"frozen", b.frozen},
                   {"withdrawing", b.withdrawing}};
  json::object earned;
  core::Fen total = 0;
  for (size_t e = 0; e < plan.earned.size(); ++e) {
    const core::Fen v = engine_.earned(m, static_cast<core::EarnedId>(e));
    earned[plan.earned[e]] = v;
    total += v;
  }
  earned["total"] = total;
  o["earned"] = std::move(earned);
  const core::TeamSummary t = engine_.team(m);
  o["team"] = {{"size", t.size}, {"units", t.units}, {"amount", t.amount}, {"directs", t.directs},
               {"member_directs", t.member_directs}};
  return o;
}

json::object Replay::Output(bool with_effects) const {
  const core::Plan& plan = engine_.plan();
  const core::Ledger& ledger = engine_.ledger();
  json::object doc;
  doc["plan"] = plan.name;
  json::object members;
  for (core::MemberId m = 0; m < engine_.member_count(); ++m) members[members_.names[m]] = MemberJson(m);
  doc["members"] = std::move(members);
  json::object pools;
  for (size_t p = 0; p < plan.pools.size(); ++p) pools[plan.pools[p].name] = ledger.pool(static_cast<uint32_t>(p));
  doc["pools"] = std::move(pools);
  doc["platform"] = {{"buyers", ledger.platform(core::PlatformAccount::kBuyers)},
                     {"revenue", ledger.platform(core::PlatformAccount::kRevenue)},
                     {"payouts", ledger.platform(core::PlatformAccount::kPayouts)}};
  doc["ledger_sum"] = ledger.Sum();
  doc["counts"] = {{"members", engine_.member_count()}, {"orders", engine_.order_count()},
                   {"withdrawals", withdrawals_.names.size()}, {"days_closed", engine_.day()}};
  if (with_effects) {
    json::array effects;
    for (const Logged& l : log_) {
      const core::Effect& e = l.effect;
      json::object j;
      j["line"] = l.line;
      j["type"] = core::EffectType(e);
      if (e.member != core::kNone && e.kind != core::EffectKind::kProduct) j["member"] = members_.names[e.member];
      if (e.kind == core::EffectKind::kPosting) {
        j["amount"] = e.amount;
        if (e.reason == core::Reason::kReward) j["rule"] = plan.earned[e.earned];
        if (e.order != core::kNone && e.reason != core::Reason::kWithdrawRequested &&
            e.reason != core::Reason::kWithdrawPaid && e.reason != core::Reason::kWithdrawRejected &&
            e.reason != core::Reason::kWithdrawFee &&
            e.reason != core::Reason::kPoolPayout) {
          j["order"] = orders_.names[e.order];
        }
      }
      if (e.kind == core::EffectKind::kRankChanged) j["rank"] = plan.ranks[e.rank].name;
      j["text"] = i18n::Explain(e, engine_, names_, lang_);
      effects.push_back(std::move(j));
    }
    doc["effects"] = std::move(effects);
  }
  return doc;
}

ReplayOutcome ReplayStream(const core::Plan& plan, std::istream& commands, bool with_effects, i18n::Lang lang) {
  Replay replay(plan);
  replay.SetLang(lang);
  return ReplayStream(replay, commands, with_effects);
}

ReplayOutcome ReplayStream(Replay& replay, std::istream& commands, bool with_effects) {
  ReplayOutcome outcome;
  std::string text;
  size_t line = 0;
  while (std::getline(commands, text)) {
    ++line;
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    core::Status s = replay.Apply(text, line);
    if (!s) {
      outcome.ok = false;
      outcome.line = line;
      outcome.error = s.error();
      break;
    }
  }
  outcome.output = replay.Output(with_effects);
  return outcome;
}

namespace {

void Pretty(std::ostringstream& os, const json::value& v, int indent) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<size_t>(indent + 1) * 2, ' ');
  if (v.is_object()) {
    const json::object& o = v.as_object();
    if (o.empty()) {
      os << "{}";
      return;
    }
    os << "{\n";
    bool first = true;
    for (const auto& kv : o) {
      if (!first) os << ",\n";
      first = false;
      os << inner << json::serialize(json::string(kv.key())) << ": ";
      Pretty(os, kv.value(), indent + 1);
    }
    os << "\n" << pad << "}";
  } else if (v.is_array()) {
    const json::array& a = v.as_array();
    if (a.empty()) {
      os << "[]";
      return;
    }
    os << "[\n";
    for (size_t i = 0; i < a.size(); ++i) {
      os << inner;
      Pretty(os, a[i], indent + 1);
      os << (i + 1 < a.size() ? ",\n" : "\n");
    }
    os << pad << "]";
  } else {
    os << json::serialize(v);
  }
}

}  // namespace

std::string PrettyJson(const json::value& v) {
  std::ostringstream os;
  Pretty(os, v, 0);
  os << "\n";
  return os.str();
}

}  // namespace guanxi::cli
