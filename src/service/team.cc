// My team: an O(1) summary from the engine's counters, directs and the whole downline paged through
// the engine's child lists (no SQL scan, so a team of 100,000 pages as fast as a team of 10).
#include <optional>
#include <string>
#include <vector>

#include "service/api.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;
using core::kNone;
using core::MemberId;

namespace {

// The page's rows: each member's brief (one query for the page), directs and depth below `base`
// (with "level" when base is given).
json::array Rows(ReadCtx& c, const std::vector<MemberId>& page, std::optional<uint32_t> base) {
  json::array rows;
  std::vector<json::object> briefs = MemberBriefs(c.db, c.engine, page, false);
  for (size_t i = 0; i < page.size(); ++i) {
    json::object& o = briefs[i];
    o["directs"] = c.engine.team(page[i]).directs;
    o["depth"] = c.engine.depth(page[i]);
    if (base) o["level"] = c.engine.depth(page[i]) - *base;
    rows.push_back(std::move(o));
  }
  return rows;
}

// Next member after x in a depth-first walk of root's subtree, or kNone.
MemberId NextInSubtree(const core::Engine& e, MemberId root, MemberId x) {
  if (e.first_child(x) != kNone) return e.first_child(x);
  while (x != root) {
    if (e.next_sibling(x) != kNone) return e.next_sibling(x);
    x = e.referrer(x);
  }
  return kNone;
}

bool InSubtree(const core::Engine& e, MemberId root, MemberId x) {
  if (x >= e.member_count() || x == root || e.depth(x) <= e.depth(root)) return false;
  while (e.depth(x) > e.depth(root)) x = e.referrer(x);
  return x == root;
}

}  // namespace

Reply TeamSummary(ReadCtx& c, Shop& shop, const Caller& caller, int64_t member) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  const auto m = static_cast<MemberId>(*who);
  const core::TeamSummary t = c.engine.team(m);
  const core::Plan& plan = c.engine.plan();
  json::object by_rank;
  const std::vector<uint32_t> counts = shop.TeamByRank(m);
  for (size_t r = 0; r < plan.ranks.size(); ++r) by_rank[plan.ranks[r].name] = counts[r];
  return json::value{{"member", *who},
                     {"rank", plan.ranks[c.engine.rank(m)].name},
                     {"team_size", t.size},
                     {"team_by_rank", std::move(by_rank)},
                     {"team_units", t.units},
                     {"team_sales", t.amount},
                     {"directs", t.directs},
                     {"member_directs", t.member_directs}};
}

Reply TeamDirects(ReadCtx& c, const Caller& caller, int64_t member, int64_t after, int limit) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  const auto m = static_cast<MemberId>(*who);
  limit = ClampLimit(limit);
  MemberId x = c.engine.first_child(m);
  if (after >= 0) {
    if (after >= static_cast<int64_t>(c.engine.member_count()) || c.engine.referrer(static_cast<MemberId>(after)) != m) {
      return Invalid("after", "after must be one of the member's directs");
    }
    x = c.engine.next_sibling(static_cast<MemberId>(after));
  }
  std::vector<MemberId> page;
  for (; x != kNone && static_cast<int>(page.size()) < limit; x = c.engine.next_sibling(x)) page.push_back(x);
  json::object out{{"items", Rows(c, page, std::nullopt)}};
  if (x != kNone) out["next"] = int64_t{page.back()};
  return json::value(std::move(out));
}

Reply TeamMembers(ReadCtx& c, const Caller& caller, int64_t member, int64_t after, int limit) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  const auto root = static_cast<MemberId>(*who);
  limit = ClampLimit(limit);
  MemberId x;
  if (after >= 0) {
    if (!InSubtree(c.engine, root, static_cast<MemberId>(after))) {
      return Invalid("after", "after must be a member of the team");
    }
    x = NextInSubtree(c.engine, root, static_cast<MemberId>(after));
  } else {
    x = c.engine.first_child(root);
  }
  std::vector<MemberId> page;
  for (; x != kNone && static_cast<int>(page.size()) < limit; x = NextInSubtree(c.engine, root, x)) page.push_back(x);
  json::object out{{"items", Rows(c, page, c.engine.depth(root))}};
  if (x != kNone) out["next"] = int64_t{page.back()};
  return json::value(std::move(out));
}

namespace {

// A member as someone it invites reads it: its nickname (accounts.name) when set, else its masked
// phone; never the full phone, never an id.
std::string InviterName(const std::string& nickname, const std::string& phone) {
  return nickname.empty() ? MaskPhone(phone) : nickname;
}

}  // namespace

Reply Invite(ReadCtx& c, const Caller& caller, const std::string& base_url) {
  if (caller.account < 0) return Unauthorized();
  if (caller.member < 0) return Forbidden();
  store::Stmt& s = c.db.Cached(
      "SELECT m.invite_code, a.name, a.phone FROM members m LEFT JOIN accounts a ON a.id = m.account WHERE m.id = ?");
  s.Bind(1, caller.member);
  std::string code, name;
  if (s.Step()) {
    code = s.Text(0);
    name = InviterName(s.Text(1), s.Text(2));
  }
  s.Reset();
  return json::value{{"code", code},
                     {"link", base_url + "/h5/?ref=" + code},
                     {"qr", "/api/v1/me/invite/qr.png"},
                     {"inviter", {{"name", name}}}};
}

Reply InviteInfo(ReadCtx& c, const std::string& code) {
  auto unknown = [] { return core::MakeError("unknown_invite_code", "no member has this invite code", "code"); };
  // Codes are short upper-case letters and digits (crypto.h InviteCode); anything else is unknown
  // without a query. Lower case typed by hand is read as upper case.
  if (code.empty() || code.size() > 32) return unknown();
  std::string upper;
  for (char ch : code) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'))) return unknown();
    upper += ch;
  }
  store::Stmt& s = c.db.Cached(
      "SELECT a.name, a.phone FROM members m LEFT JOIN accounts a ON a.id = m.account WHERE m.invite_code = ?");
  s.Bind(1, upper);
  std::optional<std::string> name;
  if (s.Step()) name = InviterName(s.Text(0), s.Text(1));
  s.Reset();
  if (!name) return unknown();
  return json::value{{"code", upper}, {"inviter", {{"name", *name}}}};
}

}  // namespace guanxi::service
