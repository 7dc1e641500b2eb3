// Helpers shared by the service's operations: refusals with the right code, role checks, paging and
// the small JSON views of members that many replies include. Internal to src/service.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/engine.h"
#include "core/result.h"
#include "core/text.h"
#include "guanxi/limits.h"
#include "service/shop.h"
#include "store/db.h"

namespace guanxi::service {

inline core::Error Unauthorized() { return core::MakeError("unauthorized", "log in first"); }
inline core::Error Forbidden() { return core::MakeError("forbidden", "this account may not do that"); }
inline core::Error NotFound(std::string_view what, std::string_view field) {
  return core::MakeError("not_found", "no such " + std::string(what), std::string(field));
}
inline core::Error Invalid(std::string_view field, std::string_view message) {
  return core::MakeError("invalid_" + std::string(field), std::string(message), std::string(field));
}

// A staff member's reason for a sensitive action (调整等级, 改绑推荐人, 同意/驳回退款, 确认打款/驳回提现,
// 上传方案): required, 1..limits::kReasonMaxChars characters once its surrounding spaces are trimmed; it
// goes into the audit entry (and, where the action concerns a member, to that member). Empty is
// missing_field, longer is invalid_reason; both name "reason". Checked before anything changes.
inline core::Result<std::string> CheckReason(const std::string& reason) {
  const auto space = [](std::string_view s, size_t i) {
    const auto c = static_cast<unsigned char>(s[i]);
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
  };
  size_t b = 0, e = reason.size();
  for (;;) {  // ASCII spaces and the full-width space U+3000 (E3 80 80) on both ends
    if (b < e && space(reason, b)) {
      ++b;
    } else if (e - b >= 3 && reason.compare(b, 3, "\xE3\x80\x80") == 0) {
      b += 3;
    } else if (b < e && space(reason, e - 1)) {
      --e;
    } else if (e - b >= 3 && reason.compare(e - 3, 3, "\xE3\x80\x80") == 0) {
      e -= 3;
    } else {
      break;
    }
  }
  std::string out = reason.substr(b, e - b);
  if (out.empty()) return core::MakeError("missing_field", "reason is required: say why", "reason");
  if (static_cast<int64_t>(core::CountChars(out)) > limits::kReasonMaxChars) {
    return Invalid("reason", core::LengthMessage("reason", 1, limits::kReasonMaxChars));
  }
  return out;
}

// True when the caller is staff with one of `roles` (the owner may do everything staff may).
inline bool HasRole(const Caller& c, std::initializer_list<std::string_view> roles) {
  if (c.role == "owner") return true;
  for (std::string_view r : roles) {
    if (c.role == r) return true;
  }
  return false;
}

// The member a request is about: a member asks about itself (member < 0 or its own id); staff may ask
// about anyone. Returns the member id or an error.
inline core::Result<int64_t> SubjectMember(const Caller& c, int64_t member, const core::Engine& engine) {
  if (c.account < 0) return Unauthorized();
  if (!c.staff()) {
    if (c.member < 0) return Forbidden();
    if (member >= 0 && member != c.member) return Forbidden();
    return c.member;
  }
  if (member < 0 || member >= static_cast<int64_t>(engine.member_count())) return NotFound("member", "member");
  return member;
}

inline int ClampLimit(int limit) { return limit <= 0 ? 20 : limit > 100 ? 100 : limit; }

// "138****5678"
inline std::string MaskPhone(const std::string& phone) {
  if (phone.size() < 7) return phone;
  return phone.substr(0, 3) + std::string(phone.size() - 7, '*') + phone.substr(phone.size() - 4);
}

// Whether staff may read members' full phone numbers: every staff role but sales (销售), which works
// with members without holding their contact data: it reads 138****5678, and exports nothing.
inline bool SeesFullPhones(const Caller& c) { return c.staff() && c.role != "sales"; }

// A person as others read them: the nickname they chose, else their masked phone ("138****5678").
inline std::string PersonName(const std::string& nickname, const std::string& phone) {
  return nickname.empty() ? MaskPhone(phone) : nickname;
}

// Members named for one reader, each looked up once: the reader itself is "你" ("you"), others by
// PersonName. For rendering lists of sentences (earnings, audit entries).
class People {
 public:
  People(store::Db& db, i18n::Lang lang, int64_t reader) : db_(db), lang_(lang), reader_(reader) {}
  std::string Name(int64_t member);

 private:
  store::Db& db_;
  i18n::Lang lang_;
  int64_t reader_;
  std::unordered_map<int64_t, std::string> names_;
};

// {"id","phone" (masked unless `full`),"name" (the nickname, may be empty),"display_name" (PersonName),
// "joined_at","channel","rank"}: a member as others see it.
boost::json::object MemberBrief(store::Db& db, const core::Engine& engine, core::MemberId m, bool full_phone);
// The same for a page of members, in the order of `ids` (distinct), from one query.
std::vector<boost::json::object> MemberBriefs(store::Db& db, const core::Engine& engine,
                                              const std::vector<core::MemberId>& ids, bool full_phone);

boost::json::object BalancesJson(const core::Balances& b);

// Every member's balances added up, by balance (O(members): for reports read by a few staff).
inline core::Balances SumOfMemberBalances(const core::Engine& engine) {
  core::Balances sum;
  for (core::MemberId m = 0; m < engine.member_count(); ++m) {
    const core::Balances b = engine.ledger().member(m);
    sum.pending += b.pending;
    sum.available += b.available;
    sum.frozen += b.frozen;
    sum.withdrawing += b.withdrawing;
  }
  return sum;
}

// `select_from` ("SELECT … FROM table") newest first: rows with id below `below` (INT64_MAX: from the
// newest), of one member (< 0: any) and in one status ("": any), at most limit + 1 of them; bound and
// ready to step. Each set of filters is a statement of its own, so that SQLite can use the index that
// starts with the filtered column: "(?1 < 0 OR member = ?1)" could not, and read the whole table.
inline store::Stmt& NewestFirst(store::Db& db, const std::string& select_from, int64_t below, int64_t member,
                                const std::string& status, int limit) {
  std::string sql = select_from + " WHERE id < ?";
  if (member >= 0) sql += " AND member = ?";
  // With a member, its index leads and the status is checked on its rows: "status || ''" keeps the
  // planner from walking every order of that status instead (SQLite has no statistics to tell).
  if (!status.empty()) sql += member >= 0 ? " AND status || '' = ?" : " AND status = ?";
  sql += " ORDER BY id DESC LIMIT ?";
  store::Stmt& s = db.Cached(sql);
  int i = 1;
  s.Bind(i++, below);
  if (member >= 0) s.Bind(i++, member);
  if (!status.empty()) s.Bind(i++, status);
  s.Bind(i, int64_t{limit} + 1);
  return s;
}

// One page of a query run with LIMIT limit + 1: each row becomes an item through `row` (an object
// with an "id"); {"items": […], "next": id of the last item} — "next" only when there are more rows.
template <typename RowFn>
boost::json::value Page(store::Stmt& s, int limit, RowFn row) {
  boost::json::array items;
  bool more = false;
  while (s.Step()) {
    if (static_cast<int>(items.size()) == limit) {
      more = true;
      break;
    }
    items.push_back(row(s));
  }
  s.Reset();
  boost::json::object out{{"items", std::move(items)}};
  if (more) out["next"] = out["items"].as_array().back().as_object().at("id");
  return out;
}

}  // namespace guanxi::service
