// My team: an O(1) summary from the engine's counters, and three lists, each with its counts by rank:
// directs (直推: my direct referrals), the team (我的 2+1 团队: the placed members whose leader is me,
// the plan's team; only when the plan places members) and the whole downline (全部下级: everyone
// below me in the referral tree). Lists page through the engine's child lists (no SQL scan, so a
// team of 100,000 pages as fast as a team of 10).
#include <optional>
#include <string>
#include <string_view>
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

// In root's team (团队): placed, and root is its leader. A leader is always a referral ancestor (a
// member's leader is its referrer or its referrer's leader, and a partner leads itself), so the team
// is the part of root's downline that passes this test: what Shop::TeamByRank counts.
bool InTeam(const core::Engine& e, MemberId root, MemberId x) {
  return x != root && e.placed(x) && e.leader(x) == root;
}

enum class Scope { kDirects, kTeam, kDownline };

std::optional<Scope> ParseScope(const core::Engine& e, std::string_view scope) {
  if (scope.empty() || scope == "downline") return Scope::kDownline;
  if (scope == "directs") return Scope::kDirects;
  if (scope == "team" && e.plan().placement.enabled) return Scope::kTeam;
  return std::nullopt;
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

Reply TeamMembers(ReadCtx& c, const Caller& caller, int64_t member, int64_t after, int limit,
                  std::string_view scope) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  const std::optional<Scope> sc = ParseScope(c.engine, scope);
  if (!sc) {
    return Invalid("scope", c.engine.plan().placement.enabled ? "scope is directs, team or downline"
                                                              : "scope is directs or downline (this plan has no teams)");
  }
  if (*sc == Scope::kDirects) return TeamDirects(c, caller, member, after, limit);
  const auto root = static_cast<MemberId>(*who);
  const bool team = *sc == Scope::kTeam;
  const auto keep = [&](MemberId x) { return !team || InTeam(c.engine, root, x); };
  limit = ClampLimit(limit);
  MemberId x;
  if (after >= 0) {
    if (!InSubtree(c.engine, root, static_cast<MemberId>(after)) || !keep(static_cast<MemberId>(after))) {
      return Invalid("after", "after must be a member of the list");
    }
    x = NextInSubtree(c.engine, root, static_cast<MemberId>(after));
  } else {
    x = c.engine.first_child(root);
  }
  // The team is a filter on the downline walk: a page may walk past members of other teams (the cost
  // is the downline's size at worst, as for counting it).
  while (x != kNone && !keep(x)) x = NextInSubtree(c.engine, root, x);
  std::vector<MemberId> page;
  while (x != kNone && static_cast<int>(page.size()) < limit) {
    page.push_back(x);
    do {
      x = NextInSubtree(c.engine, root, x);
    } while (x != kNone && !keep(x));
  }
  json::object out{{"items", Rows(c, page, c.engine.depth(root))}};
  if (x != kNone) out["next"] = int64_t{page.back()};
  return json::value(std::move(out));
}

Reply TeamCounts(ReadCtx& c, Shop& shop, const Caller& caller, int64_t member) {
  auto who = SubjectMember(caller, member, c.engine);
  if (!who) return who.error();
  const auto root = static_cast<MemberId>(*who);
  const core::Engine& e = c.engine;
  const core::Plan& plan = e.plan();
  const auto scope_json = [&](const char* name, const std::vector<uint32_t>& by_rank) {
    json::object ranks;
    int64_t count = 0;
    for (size_t r = 0; r < plan.ranks.size(); ++r) {
      ranks[plan.ranks[r].name] = by_rank[r];
      count += by_rank[r];
    }
    return json::object{{"scope", name}, {"count", count}, {"by_rank", std::move(ranks)}};
  };
  json::array scopes;
  std::vector<uint32_t> directs(plan.ranks.size(), 0);
  for (MemberId x = e.first_child(root); x != kNone; x = e.next_sibling(x)) ++directs[e.rank(x)];
  scopes.push_back(scope_json("directs", directs));
  if (plan.placement.enabled) scopes.push_back(scope_json("team", shop.TeamByRank(root)));
  // The downline is counted by walking it: the engine keeps no subtree sizes (that would cost every
  // join a walk up a chain that may be 100,000 deep). O(downline), on the reader.
  std::vector<uint32_t> downline(plan.ranks.size(), 0);
  for (MemberId x = e.first_child(root); x != kNone; x = NextInSubtree(e, root, x)) ++downline[e.rank(x)];
  scopes.push_back(scope_json("downline", downline));
  return json::value{{"member", *who}, {"scopes", std::move(scopes)}};
}

Reply Invite(ReadCtx& c, const Caller& caller, const std::string& base_url) {
  if (caller.account < 0) return Unauthorized();
  if (caller.member < 0) return Forbidden();
  store::Stmt& s = c.db.Cached(
      "SELECT m.invite_code, a.name, a.phone FROM members m LEFT JOIN accounts a ON a.id = m.account WHERE m.id = ?");
  s.Bind(1, caller.member);
  std::string code, name;
  if (s.Step()) {
    code = s.Text(0);
    name = PersonName(s.Text(1), s.Text(2));
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
  if (s.Step()) name = PersonName(s.Text(0), s.Text(1));
  s.Reset();
  if (!name) return unknown();
  return json::value{{"code", upper}, {"inviter", {{"name", *name}}}};
}

}  // namespace guanxi::service
