#include "sim/lint.h"

#include <algorithm>
#include <boost/json.hpp>
#include <optional>
#include <sstream>
#include <utility>

namespace guanxi::sim {
namespace {

namespace json = boost::json;
using core::Activity;
using core::Amount;
using core::Fen;
using core::Plan;
using core::RankId;
using core::Rule;
using core::RuleKind;

const char* KindName(RuleKind k) {
  switch (k) {
    case RuleKind::kReferral:
      return "referral";
    case RuleKind::kLeader:
      return "leader";
    case RuleKind::kDifferential:
      return "differential";
    case RuleKind::kPeer:
      return "peer";
    case RuleKind::kPool:
      return "pool";
  }
  return "?";
}

std::string EarnedOf(const Plan& plan, const Rule& r) {
  return r.kind == RuleKind::kPool ? plan.pools[r.pool].name : plan.earned[r.earned];
}

// "vip699 rule 1 (referral, direct)": rules are numbered from 1 as a merchant counts them in the
// file.
std::string RuleName(const Plan& plan, const Activity& a, size_t i) {
  const Rule& r = a.rules[i];
  return a.name + " rule " + std::to_string(i + 1) + " (" + KindName(r.kind) + ", " +
         EarnedOf(plan, r) + ")";
}

std::string Percent(double share) {
  std::ostringstream os;
  os.setf(std::ios::fixed);
  os.precision(1);
  os << share * 100 << "%";
  return os.str();
}

std::string RankName(const Plan& plan, RankId r) { return "\"" + plan.ranks[r].name + "\""; }

Fen AmountMax(const Amount& a, Fen price) {
  const int64_t v = a.by_rank.Max();
  return a.kind == Amount::Kind::kPerUnit ? v : core::ApplyBps(price, static_cast<core::Bps>(v));
}

// What a rule pays a recipient of rank s (amounts per unit, rates in bps), 0 when nothing; for
// comparing ranks, not for money.
int64_t PayAt(const Plan& plan, const Rule& r, RankId s) {
  switch (r.kind) {
    case RuleKind::kReferral:
    case RuleKind::kLeader:
      return s < r.min_rank ? 0 : r.amount.by_rank.For(s).value_or(0);
    case RuleKind::kDifferential:
      return r.targets.For(s).value_or(0);
    case RuleKind::kPeer:
      return s >= r.min_rank ? r.rate_bps : 0;
    case RuleKind::kPool:
      return s >= plan.pools[r.pool].min_rank ? r.amount.by_rank.Max() : 0;
  }
  return 0;
}

bool IsRate(const Rule& r) {
  return r.kind == RuleKind::kPeer ||
         (r.kind != RuleKind::kDifferential && r.amount.kind == Amount::Kind::kRateOfPaid);
}

std::string FormatPay(const Rule& r, int64_t v) {
  if (IsRate(r)) return Percent(static_cast<double>(v) / core::kWholeBps);
  return core::FormatYuan(v);
}

// The lowest rank the rule pays anything to; nullopt when it pays nobody.
std::optional<RankId> FirstPaid(const Plan& plan, const Rule& r) {
  for (size_t s = 0; s < plan.ranks.size(); ++s) {
    if (PayAt(plan, r, static_cast<RankId>(s)) > 0) return static_cast<RankId>(s);
  }
  return std::nullopt;
}

std::string Reaches(const Plan& plan, const Rule& r) {
  switch (r.kind) {
    case RuleKind::kReferral:
      return r.generation == 1 ? "the referrer (generation 1)"
                               : "generation " + std::to_string(r.generation);
    case RuleKind::kLeader:
      return "the buyer's leader (any depth)";
    case RuleKind::kDifferential:
      return "referral ancestors up to the first " +
             RankName(plan, r.targets.entries.back().first) + " (any depth)";
    case RuleKind::kPeer:
      return "the mentor of an earner (any depth)";
    case RuleKind::kPool:
      return RankName(plan, plan.pools[r.pool].min_rank) + " and above, shared at close_day";
  }
  return "";
}

bool WalksUp(const Rule& r) {
  return r.kind == RuleKind::kLeader || r.kind == RuleKind::kDifferential ||
         r.kind == RuleKind::kPeer;
}

std::string JoinList(const std::vector<std::string>& items, const char* sep = "; ") {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

// For each rule that pays someone, calls fn(activity, index, rule).
template <typename Fn>
void ForEachPayingRule(const Plan& plan, Fn fn) {
  for (const Activity& a : plan.activities) {
    for (size_t i = 0; i < a.rules.size(); ++i) {
      if (FirstPaid(plan, a.rules[i])) fn(a, i, a.rules[i]);
    }
  }
}

// Ranks in [from, to) and how each rule's pay changes there ("… 300.00 instead of 200.00").
std::vector<std::string> PayChanges(const Plan& plan, RankId from, RankId to) {
  std::vector<std::string> out;
  for (const Activity& a : plan.activities) {
    for (size_t i = 0; i < a.rules.size(); ++i) {
      const Rule& r = a.rules[i];
      for (RankId s = from; s < to; ++s) {
        const int64_t below = s == 0 ? 0 : PayAt(plan, r, static_cast<RankId>(s - 1));
        const int64_t at = PayAt(plan, r, s);
        if (at == below) continue;
        out.push_back(RuleName(plan, a, i) + " pays " + RankName(plan, s) + " " + FormatPay(r, at) +
                      " instead of " + FormatPay(r, below));
      }
    }
  }
  return out;
}

std::vector<ProductPayout> Payouts(const Plan& plan) {
  std::vector<ProductPayout> out;
  for (const core::Product& p : plan.products) {
    const core::ActivityId id = plan.ActivityFor(p.sku);
    if (id == core::kNoActivity) continue;
    const Activity& a = plan.activities[id];
    ProductPayout pp;
    pp.sku = p.sku;
    pp.activity = a.name;
    pp.price = p.price;
    std::vector<Fen> max_of(a.rules.size(), 0);
    for (size_t i = 0; i < a.rules.size(); ++i) {
      const Rule& r = a.rules[i];
      Fen m = 0;
      switch (r.kind) {
        case RuleKind::kReferral:
        case RuleKind::kLeader:
        case RuleKind::kPool:
          m = AmountMax(r.amount, p.price);
          break;
        case RuleKind::kDifferential:
          m = r.targets.Max();
          break;
        case RuleKind::kPeer:
          // Each matched reward of an earlier rule pays its earner's mentor rate_bps of it.
          for (size_t j = 0; j < i; ++j) {
            const Rule& earlier = a.rules[j];
            if (earlier.kind == RuleKind::kPeer || earlier.kind == RuleKind::kPool) continue;
            if (((r.of_mask >> earlier.earned) & 1u) != 0)
              m += core::ApplyBps(max_of[j], r.rate_bps);
          }
          break;
      }
      max_of[i] = m;
      pp.max_per_unit += m;
      pp.rules.push_back(RulePayout{i, KindName(r.kind), EarnedOf(plan, r), m, Reaches(plan, r)});
    }
    pp.share =
        p.price > 0 ? static_cast<double>(pp.max_per_unit) / static_cast<double>(p.price) : 0;
    out.push_back(std::move(pp));
  }
  return out;
}

void EntryFee(const Plan& plan, LintReport& rep) {
  std::vector<RankId> bought;
  for (size_t r = 0; r < plan.ranks.size(); ++r) {
    if (!plan.ranks[r].buy_any.empty()) bought.push_back(static_cast<RankId>(r));
  }
  std::vector<std::string> parts, ranks;
  for (size_t k = 0; k < bought.size(); ++k) {
    const RankId from = bought[k];
    const RankId to =
        k + 1 < bought.size() ? bought[k + 1] : static_cast<RankId>(plan.ranks.size());
    std::vector<std::string> unlocked;
    ForEachPayingRule(plan, [&](const Activity& a, size_t i, const Rule& r) {
      const RankId fp = *FirstPaid(plan, r);
      if (fp >= from && fp < to) unlocked.push_back(RuleName(plan, a, i));
    });
    if (unlocked.empty()) continue;
    std::string skus;
    for (const std::string& sku : plan.ranks[from].buy_any) {
      Fen price = 0;
      for (const core::Product& p : plan.products) price = p.sku == sku ? p.price : price;
      skus += (skus.empty() ? "" : " or ") + sku + " (" + core::FormatYuan(price) + ")";
    }
    ranks.push_back(RankName(plan, from));
    parts.push_back("rank " + RankName(plan, from) + " is bought: buy_any = " + skus +
                    "; only from " + RankName(plan, from) + " up does a member earn from " +
                    JoinList(unlocked, ", "));
  }
  if (parts.empty()) return;
  rep.findings.push_back(Finding{
      "entry_fee", "Entry fee: a rank bought with a package unlocks commissions",
      "《禁止传销条例》第七条第二项 (paying a fee, or buying goods as a disguised fee, to gain the "
      "right to join or to "
      "recruit others)",
      JoinList(parts),
      "Let members earn without buying the package: remove buy_any from rank " +
          JoinList(ranks, ", ") + ", or give the rules listed an amount for the first rank " +
          RankName(plan, 0) + " (min_rank and the amount table starting there)."});
}

void Recruitment(const Plan& plan, LintReport& rep) {
  std::vector<RankId> counted;
  for (size_t r = 0; r < plan.ranks.size(); ++r) {
    if (plan.ranks[r].directs || plan.ranks[r].legs) counted.push_back(static_cast<RankId>(r));
  }
  std::vector<std::string> parts, ranks;
  for (size_t k = 0; k < counted.size(); ++k) {
    const RankId from = counted[k];
    const RankId to =
        k + 1 < counted.size() ? counted[k + 1] : static_cast<RankId>(plan.ranks.size());
    std::vector<std::string> changes = PayChanges(plan, from, to);
    const core::Placement& pl = plan.placement;
    if (pl.enabled && pl.partner_rank >= from && pl.partner_rank < to) {
      changes.push_back(RankName(plan, pl.partner_rank) +
                        " heads its own team (placement partner_rank)");
    }
    if (changes.empty()) continue;
    const core::RankDef& d = plan.ranks[from];
    std::string how;
    if (d.directs) {
      how = "directs = { rank = " + RankName(plan, d.directs->rank) +
            ", count = " + std::to_string(d.directs->count) + " }";
    }
    if (d.legs) {
      how += std::string(how.empty() ? "" : " and ") +
             "legs = { rank = " + RankName(plan, d.legs->rank) +
             ", count = " + std::to_string(d.legs->count) + " }";
    }
    ranks.push_back(RankName(plan, from));
    parts.push_back("rank " + RankName(plan, from) +
                    " is reached by the number of people recruited (" + how + "), and there " +
                    JoinList(changes, ", "));
  }
  if (parts.empty()) return;
  rep.findings.push_back(Finding{"recruitment",
                                 "Recruitment-based reward: a rank that pays more is reached by "
                                 "the number of people recruited",
                                 "《禁止传销条例》第七条第一项 (the number of people recruited as "
                                 "the basis of pay or rebates)",
                                 JoinList(parts),
                                 "Reach rank " + JoinList(ranks, ", ") +
                                     " by the member's own sales or the merchant's decision "
                                     "instead of directs/legs counts, or pay those "
                                     "ranks the same as the rank below them."});
}

void TeamPay(const Plan& plan, LintReport& rep) {
  std::vector<std::string> rules;
  ForEachPayingRule(plan, [&](const Activity& a, size_t i, const Rule& r) {
    if (WalksUp(r) || (r.kind == RuleKind::kReferral && r.generation >= 2)) {
      rules.push_back(RuleName(plan, a, i) + " pays " + Reaches(plan, r));
    }
  });
  if (rules.empty()) return;
  rep.findings.push_back(Finding{
      "team_pay",
      "Team-based pay: uplines beyond the direct referrer are paid on a downline's purchase",
      "《禁止传销条例》第七条第三项 (the sales of downlines as the basis of the uplines' pay)",
      JoinList(rules),
      "Pay only the buyer's direct referrer (kind = \"referral\", generation = 1) and remove the "
      "rules listed."});
}

void Depth(const LintOptions& options, LintReport& rep) {
  const bool deep = rep.unbounded_depth || rep.deepest_generation >= 3;
  const std::string what = rep.unbounded_depth
                               ? "the plan pays without a depth limit: " + rep.depth_reason
                               : "the plan pays " + std::to_string(rep.deepest_generation) +
                                     " generations above the buyer";
  if (deep) {
    rep.findings.push_back(
        Finding{"depth", "Three or more paid levels",
                "最高人民法院、最高人民检察院、公安部《关于办理组织领导传销活动刑事案件适用法律若干"
                "问题的意见》(2013) 第一条 "
                "(criminal cases: 30 or more participants in three or more levels)",
                what,
                "Pay at most two generations: referral rules of generation 1 and 2 only, no "
                "leader, differential or peer rules."});
  }
  if (options.wechat && (rep.unbounded_depth || rep.deepest_generation > 2)) {
    rep.findings.push_back(Finding{"wechat_levels",
                                   "More than two paid levels in a shop that sells inside WeChat",
                                   "《微信外部链接内容管理规范》 (WeChat's platform rules forbid "
                                   "multi-level distribution, 多级分销)",
                                   what + " and the shop sells inside WeChat",
                                   "Pay at most two levels (the referrer and the referrer's "
                                   "referrer), or lint with --no-wechat if the shop "
                                   "does not sell inside WeChat."});
  }
}

void Over30(LintReport& rep) {
  std::vector<std::string> over, caps;
  for (const ProductPayout& p : rep.payouts) {
    // max / price > 30%, in integers.
    if (p.max_per_unit * core::kWholeBps <= p.price * 3000) continue;
    over.push_back(p.sku + " (activity " + p.activity + ") pays up to " +
                   core::FormatYuan(p.max_per_unit) + " per unit, " + Percent(p.share) +
                   " of its price " + core::FormatYuan(p.price));
    caps.push_back(core::FormatYuan(core::ApplyBps(p.price, 3000)) + " for " + p.sku);
  }
  if (over.empty()) return;
  rep.findings.push_back(Finding{"payout_over_30", "Total payout above 30% of the price",
                                 "《直销管理条例》第二十四条 (licensed direct sellers: total pay "
                                 "at most 30% of the seller's own sales)",
                                 JoinList(over),
                                 "Lower the amounts so that all rules together pay at most 30% of "
                                 "the price per unit: at most " +
                                     JoinList(caps, ", ") + "."});
}

}  // namespace

LintReport Lint(const Plan& plan, const LintOptions& options) {
  LintReport rep;
  rep.plan = plan.name;
  rep.payouts = Payouts(plan);
  std::vector<std::string> walkers;
  ForEachPayingRule(plan, [&](const Activity& a, size_t i, const Rule& r) {
    if (r.kind == RuleKind::kReferral)
      rep.deepest_generation = std::max(rep.deepest_generation, r.generation);
    if (WalksUp(r)) walkers.push_back(RuleName(plan, a, i));
  });
  rep.unbounded_depth = !walkers.empty();
  rep.depth_reason = JoinList(walkers, ", ");
  EntryFee(plan, rep);
  Recruitment(plan, rep);
  TeamPay(plan, rep);
  Depth(options, rep);
  Over30(rep);
  return rep;
}

json::value LintJson(const LintReport& rep) {
  json::array payouts;
  for (const ProductPayout& p : rep.payouts) {
    json::array rules;
    for (const RulePayout& r : p.rules) {
      rules.push_back({{"rule", r.rule + 1},
                       {"kind", r.kind},
                       {"earned", r.earned},
                       {"max_per_unit", r.max_per_unit},
                       {"reaches", r.reaches}});
    }
    payouts.push_back({{"sku", p.sku},
                       {"activity", p.activity},
                       {"price", p.price},
                       {"max_per_unit", p.max_per_unit},
                       {"share", p.share},
                       {"rules", std::move(rules)}});
  }
  json::array findings;
  for (const Finding& f : rep.findings) {
    findings.push_back({{"code", f.code},
                        {"title", f.title},
                        {"reference", f.reference},
                        {"trigger", f.trigger},
                        {"fix", f.fix}});
  }
  json::object depth{{"deepest_generation", rep.deepest_generation},
                     {"unbounded", rep.unbounded_depth}};
  if (rep.unbounded_depth) depth["because"] = rep.depth_reason;
  return json::object{{"plan", rep.plan},
                      {"payouts", std::move(payouts)},
                      {"depth", std::move(depth)},
                      {"findings", std::move(findings)},
                      {"notice", kNotLegalAdvice}};
}

std::string LintText(const LintReport& rep) {
  std::ostringstream os;
  os << "plan " << rep.plan << ": " << rep.findings.size()
     << (rep.findings.size() == 1 ? " finding" : " findings") << "\n\nMaximum payout per unit\n";
  for (const ProductPayout& p : rep.payouts) {
    os << "  " << p.sku << " (activity " << p.activity << ", price " << core::FormatYuan(p.price)
       << "): " << core::FormatYuan(p.max_per_unit) << ", " << Percent(p.share)
       << " of the price\n";
    for (const RulePayout& r : p.rules) {
      os << "    rule " << r.rule + 1 << " " << r.kind << " → " << r.earned << ": "
         << core::FormatYuan(r.max_per_unit) << " to " << r.reaches << "\n";
    }
  }
  os << "Deepest generation paid: ";
  if (rep.unbounded_depth) {
    os << "unbounded (" << rep.depth_reason << ")\n";
  } else {
    os << rep.deepest_generation << "\n";
  }
  for (size_t i = 0; i < rep.findings.size(); ++i) {
    const Finding& f = rep.findings[i];
    os << "\n"
       << i + 1 << ". [" << f.code << "] " << f.title << "\n   " << f.reference
       << "\n   Trigger: " << f.trigger << "\n   Change: " << f.fix << "\n";
  }
  os << "\n" << kNotLegalAdvice << "\n";
  return os.str();
}

}  // namespace guanxi::sim
