// My team: an O(1) summary from the engine's counters, directs and the whole downline paged through
// the engine's child lists (no SQL scan, so a team of 100,000 pages as fast as a team of 10).
#include <string>

#include "service/api.h"
#include "service/util.h"

namespace guanxi::service {

namespace json = boost::json;
using core::kNone;
using core::MemberId;

namespace {

json::object Row(ReadCtx& c, MemberId m) {
  json::object o = MemberBrief(c.db, c.engine, m, false);
  o["directs"] = c.engine.team(m).directs;
  o["depth"] = c.engine.depth(m);
  return o;
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
  json::array items;
  for (; x != kNone && static_cast<int>(items.size()) < limit; x = c.engine.next_sibling(x)) items.push_back(Row(c, x));
  json::object out{{"items", std::move(items)}};
  if (x != kNone) out["next"] = out["items"].as_array().back().as_object().at("id");
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
  json::array items;
  const uint32_t base = c.engine.depth(root);
  for (; x != kNone && static_cast<int>(items.size()) < limit; x = NextInSubtree(c.engine, root, x)) {
    json::object row = Row(c, x);
    row["level"] = c.engine.depth(x) - base;
    items.push_back(std::move(row));
  }
  json::object out{{"items", std::move(items)}};
  if (x != kNone) out["next"] = out["items"].as_array().back().as_object().at("id");
  return json::value(std::move(out));
}

Reply Invite(ReadCtx& c, const Caller& caller, const std::string& base_url) {
  if (caller.account < 0) return Unauthorized();
  if (caller.member < 0) return Forbidden();
  store::Stmt& s = c.db.Cached("SELECT invite_code FROM members WHERE id = ?");
  s.Bind(1, caller.member);
  const std::string code = s.Step() ? s.Text(0) : "";
  s.Reset();
  return json::value{{"code", code},
                     {"link", base_url + "/h5/?ref=" + code},
                     {"qr", "/api/v1/me/invite/qr.png"}};
}

}  // namespace guanxi::service
