// The audit log as people read it: each entry's action, operator, target and changes rendered in the
// reader's language from the stored row (whose detail keeps money in fen and ranks by their names).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "i18n/catalogue.h"
#include "service/api.h"
#include "service/clock.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;

namespace {

struct Row {
  int64_t id = 0;
  int64_t at = 0;
  std::optional<int64_t> actor;
  std::string action;
  std::string target;
  json::value detail;
};

std::string Str(const json::value* v) {
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  return json::serialize(*v);
}

std::optional<int64_t> Int(const json::value* v) {
  if (v != nullptr && v->is_int64()) return v->as_int64();
  if (v != nullptr && v->is_uint64()) return static_cast<int64_t>(v->as_uint64());
  return std::nullopt;
}

// Renders one reader's entries; names looked up once per page.
class Renderer {
 public:
  Renderer(ReadCtx& c, i18n::Lang lang, int utc_offset_minutes)
      : c_(c), lang_(lang), offset_(utc_offset_minutes), people_(c.db, lang, -1) {}

  json::object Render(const Row& r) {
    json::object o{{"id", r.id}, {"at", r.at}, {"action", r.action}, {"target", r.target}, {"detail", r.detail}};
    o["actor"] = r.actor ? json::value(*r.actor) : json::value(nullptr);
    o["action_label"] = i18n::TextOr(lang_, "audit.action." + r.action, r.action);
    o["actor_name"] = r.actor ? Staff(*r.actor) : i18n::Text(lang_, "audit.system");
    o["target_label"] = Target(r);
    const json::object* d = r.detail.if_object();
    const json::value* reason = d != nullptr ? d->if_contains("reason") : nullptr;
    o["reason"] = reason != nullptr && reason->is_string() ? json::value(reason->as_string()) : json::value(nullptr);
    o["changes"] = d != nullptr ? Changes(r.action, *d) : json::array();
    return o;
  }

 private:
  std::string Label(std::string_view field) { return i18n::TextOr(lang_, "fields." + std::string(field), field); }
  std::string Date(int64_t ms) { return ShopDate(ShopDay(ms, offset_)); }

  // A staff account by its name, else its login; a member account by PersonName.
  std::string Staff(int64_t account) {
    auto it = staff_.find(account);
    if (it != staff_.end()) return it->second;
    store::Stmt& s = c_.db.Cached("SELECT name, phone, role FROM accounts WHERE id = ?");
    s.Bind(1, account);
    std::string name;
    if (s.Step()) {
      name = s.Text(2) == "member" ? PersonName(s.Text(0), s.Text(1)) : s.Text(0).empty() ? s.Text(1) : s.Text(0);
    }
    s.Reset();
    if (name.empty()) name = i18n::Text(lang_, "audit.unknownStaff");
    return staff_.emplace(account, std::move(name)).first->second;
  }

  std::string Rank(const std::string& name) {
    for (const core::RankDef& r : c_.engine.plan().ranks) {
      if (r.name == name) return r.label.empty() ? r.name : r.label;
    }
    return name;
  }

  std::string Member(const json::value* id) {
    const std::optional<int64_t> m = Int(id);
    return m ? people_.Name(*m) : i18n::Text(lang_, "people.nobody");
  }

  std::string Order(int64_t id) {
    store::Stmt& s = c_.db.Cached("SELECT no, created_at FROM orders WHERE id = ?");
    s.Bind(1, id);
    std::string no;
    if (s.Step()) no = s.IsNull(0) || s.Text(0).empty() ? OrderNumber(s.Int(1), id, offset_) : s.Text(0);
    s.Reset();
    if (no.empty()) return i18n::Text(lang_, "audit.target.gone");
    return i18n::Text(lang_, "audit.target.order", {{"no", no}});
  }

  std::string Withdrawal(int64_t id) {
    store::Stmt& s = c_.db.Cached("SELECT member, amount, requested_at FROM withdrawals WHERE id = ?");
    s.Bind(1, id);
    std::string out;
    if (s.Step()) {
      const int64_t member = s.Int(0), amount = s.Int(1), at = s.Int(2);
      s.Reset();
      out = i18n::Text(lang_, "audit.target.withdrawal",
                       {{"member", people_.Name(member)}, {"amount", i18n::Yuan(amount)}, {"date", Date(at)}});
    } else {
      s.Reset();
      out = i18n::Text(lang_, "audit.target.gone");
    }
    return out;
  }

  std::string Product(const std::string& sku) {
    store::Stmt& s = c_.db.Cached("SELECT name FROM products WHERE sku = ?");
    s.Bind(1, sku);
    std::string name = s.Step() ? s.Text(0) : std::string();
    s.Reset();
    return name.empty() ? sku : name;
  }

  // "member:5" → the member's name, "order:5" → 订单 20261207000005, "day:20795" → 营业日 2026-12-07 …
  std::string Target(const Row& r) {
    const size_t colon = r.target.find(':');
    const std::string kind = r.target.substr(0, colon);
    const std::string value = colon == std::string::npos ? std::string() : r.target.substr(colon + 1);
    int64_t n = -1;
    try {
      if (!value.empty() && kind != "sku") n = std::stoll(value);
    } catch (const std::exception&) {
      n = -1;
    }
    const json::object* d = r.detail.if_object();
    if (kind == "member" && n >= 0) return people_.Name(n);
    if (kind == "order" && n >= 0) return Order(n);
    if (kind == "withdrawal" && n >= 0) return Withdrawal(n);
    if (kind == "sku") return Product(value);
    if (kind == "day" && n >= 0) return i18n::Text(lang_, "audit.target.day", {{"date", ShopDate(n)}});
    if (kind == "plan" && n >= 0) {
      const std::string name = d != nullptr ? Str(d->if_contains("name")) : "";
      return i18n::Text(lang_, "audit.target.plan", {{"version", std::to_string(n)}, {"name", name}});
    }
    if (kind == "account" && n >= 0) return Staff(n);
    return r.target;
  }

  // A value of `field` as a person reads it: money in yuan, ranks and states by their labels.
  std::string Value(std::string_view action, std::string_view field, const json::value* v) {
    if (v == nullptr || v->is_null()) return "";
    if (field == "price" || field == "amount") {
      const std::optional<int64_t> fen = Int(v);
      return fen ? i18n::Yuan(*fen) : Str(v);
    }
    if (field == "rank") return Rank(Str(v));
    if (field == "referrer") return Member(v);
    if (field == "role") return i18n::TextOr(lang_, "role." + Str(v), Str(v));
    if (field == "status") {
      const std::string s = Str(v);
      if (action == "create_product" || action == "edit_product") {
        return i18n::TextOr(lang_, "console.products." + s, s);
      }
      if (action.starts_with("withdrawal")) return i18n::TextOr(lang_, "withdrawal." + s, s);
      return i18n::TextOr(lang_, "order." + s, s);
    }
    if (field == "images") {
      const size_t n = v->is_array() ? v->as_array().size() : 0;
      return i18n::Text(lang_, "audit.images", {{"count", std::to_string(n)}});
    }
    if (field == "lint_shown") {
      const std::optional<int64_t> count = Int(v);
      const size_t n = count ? static_cast<size_t>(*count) : v->is_array() ? v->as_array().size() : 0;
      return i18n::Text(lang_, "audit.lintShown", {{"count", std::to_string(n)}});
    }
    std::string s = Str(v);
    if (core::CountChars(s) > 60) {  // a long description: its start
      size_t bytes = 0, chars = 0;
      while (bytes < s.size() && chars < 60) {
        ++bytes;
        while (bytes < s.size() && (static_cast<unsigned char>(s[bytes]) & 0xC0) == 0x80) ++bytes;
        ++chars;
      }
      s = s.substr(0, bytes) + "…";
    }
    return s;
  }

  void Add(json::array& out, std::string_view action, std::string_view field, const json::value* before,
           const json::value* after, const std::string& label = "") {
    out.push_back({{"field", field},
                   {"field_label", label.empty() ? Label(field) : label},
                   {"before", Value(action, field, before)},
                   {"after", Value(action, field, after)}});
  }

  // Member prices by rank ({"partner": 7900}) as one change per rank whose price differs.
  void MemberPrices(json::array& out, std::string_view action, const json::value* before, const json::value* after) {
    std::map<std::string, std::pair<const json::value*, const json::value*>> by_rank;
    if (before != nullptr && before->is_object()) {
      for (const auto& kv : before->as_object()) by_rank[std::string(kv.key())].first = &kv.value();
    }
    if (after != nullptr && after->is_object()) {
      for (const auto& kv : after->as_object()) by_rank[std::string(kv.key())].second = &kv.value();
    }
    for (const auto& [rank, ba] : by_rank) {
      if (ba.first != nullptr && ba.second != nullptr && *ba.first == *ba.second) continue;
      const std::string label = Label("member_prices") + "·" + Rank(rank);
      Add(out, action, "price", ba.first, ba.second, label);
      out.back().as_object()["field"] = "member_prices";
    }
  }

  json::array Changes(const std::string& action, const json::object& d) {
    json::array out;
    const auto at = [&](const char* key) { return d.if_contains(key); };
    if (action == "set_rank") {
      Add(out, action, "rank", at("from"), at("to"));
    } else if (action == "rebind") {
      // No referrer (the top of the tree) reads as "无", on either side.
      out.push_back({{"field", "referrer"},
                     {"field_label", Label("referrer")},
                     {"before", Member(at("from"))},
                     {"after", Member(at("to"))}});
    } else if (action == "edit_product") {
      const json::value* changes = at("changes");
      if (changes != nullptr && changes->is_object()) {
        for (const auto& kv : changes->as_object()) {
          const json::object* ch = kv.value().if_object();
          if (ch == nullptr) continue;
          if (kv.key() == "member_prices") {
            MemberPrices(out, action, ch->if_contains("before"), ch->if_contains("after"));
          } else {
            Add(out, action, kv.key(), ch->if_contains("before"), ch->if_contains("after"));
          }
        }
      }
    } else if (action == "create_product") {
      for (const char* f : {"name", "price", "stock", "status"}) {
        if (at(f) != nullptr) Add(out, action, f, nullptr, at(f));
      }
      MemberPrices(out, action, nullptr, at("member_prices"));
    } else if (action == "refund_order") {
      static const json::value kRefunded = "refunded";
      Add(out, action, "status", at("from"), &kRefunded);
    } else if (action == "reject_refund" || action == "withdrawal_paid" || action == "withdrawal_rejected") {
      if (at("from") != nullptr) Add(out, action, "status", at("from"), at("to"));
      if (at("reference") != nullptr) Add(out, action, "reference", nullptr, at("reference"));
      if (at("note") != nullptr) Add(out, action, "note", nullptr, at("note"));
    } else if (action == "ship_order") {
      static const json::value kPaid = "paid", kShipped = "shipped";
      Add(out, action, "status", &kPaid, &kShipped);
      Add(out, action, "tracking", nullptr, at("tracking"));
    } else if (action == "plan_uploaded") {
      Add(out, action, "plan", nullptr, at("name"));
      if (!Str(at("note")).empty()) Add(out, action, "note", nullptr, at("note"));
      if (at("lint_shown") != nullptr) Add(out, action, "lint_shown", nullptr, at("lint_shown"));
    } else if (action == "create_staff" || action == "create_owner") {
      if (at("role") != nullptr) Add(out, action, "role", nullptr, at("role"));
      if (at("phone") != nullptr) Add(out, action, "login", nullptr, at("phone"));
    } else if (action == "duplicate_payment") {
      Add(out, action, "amount", nullptr, at("amount"));
      Add(out, action, "txn", nullptr, at("txn"));
    } else if (action == "late_payment_refunded" || action == "payment_for_closed_order") {
      Add(out, action, "txn", nullptr, at("txn"));
    } else {
      // An action this renderer does not know: its detail's plain fields, each as it is stored.
      for (const auto& kv : d) {
        if (kv.key() == "reason" || kv.value().is_object() || kv.value().is_array()) continue;
        Add(out, action, kv.key(), nullptr, &kv.value());
      }
    }
    return out;
  }

  ReadCtx& c_;
  i18n::Lang lang_;
  int offset_;
  People people_;
  std::map<int64_t, std::string> staff_;
};

}  // namespace

Reply AuditLog(ReadCtx& c, const Caller& caller, int64_t before, int limit, int utc_offset_minutes) {
  if (!HasRole(caller, {})) return caller.account < 0 ? core::Error(Unauthorized()) : Forbidden();  // owner only
  limit = ClampLimit(limit);
  store::Stmt& s = NewestFirst(c.db, "SELECT id, at, actor, action, target, detail FROM audit_log",
                               before > 0 ? before : INT64_MAX, -1, "", limit);
  // The page's rows first: rendering them reads other tables.
  std::vector<Row> rows;
  bool more = false;
  while (s.Step()) {
    if (static_cast<int>(rows.size()) == limit) {
      more = true;
      break;
    }
    Row r{s.Int(0), s.Int(1), s.OptInt(2), s.Text(3), s.Text(4), nullptr};
    boost::system::error_code ec;
    r.detail = json::parse(s.Text(5), ec);
    if (ec) r.detail = json::object{};
    rows.push_back(std::move(r));
  }
  s.Reset();
  Renderer render(c, caller.lang, utc_offset_minutes);
  json::array items;
  for (const Row& r : rows) items.push_back(render.Render(r));
  json::object out{{"items", std::move(items)}};
  if (more) out["next"] = rows.back().id;
  return json::value(std::move(out));
}

}  // namespace guanxi::service
