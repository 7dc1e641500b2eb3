// The designer (src/sim): calculators against hand-computed values, the lint findings of every
// shipped plan, scenario refusals with their lines, and simulations on the real engine: the same
// seed gives the same bytes, and the report's totals are the engine ledger's to the fen.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "plan/plan_file.h"
#include "sim/calculators.h"
#include "sim/jobs.h"
#include "sim/lint.h"
#include "sim/scenario.h"
#include "sim/simulation.h"

namespace guanxi::sim {
namespace {

namespace json = boost::json;

core::Plan LoadPlan(const std::string& name) {
  auto plan = plan::LoadPlanFile(std::string(GUANXI_SOURCE_DIR) + "/plans/" + name + ".toml");
  EXPECT_TRUE(plan.ok()) << (plan.ok() ? "" : plan.error().message);
  return *plan;
}

// ---- calculators ----

TEST(Calculators, MembersTruncatesEachStage) {
  auto r = CalcMembers({100000, 3000, 2000, 5000});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->fans, 30000);
  EXPECT_EQ(r->buyers, 6000);
  EXPECT_EQ(r->members, 3000);
  // 12345 × 33.33% = 4114.58 → 4114; × 12.5% = 514.25 → 514; × 45% = 231.3 → 231.
  auto odd = CalcMembers({12345, 3333, 1250, 4500});
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->fans, 4114);
  EXPECT_EQ(odd->buyers, 514);
  EXPECT_EQ(odd->members, 231);
  EXPECT_EQ(CalcMembers({100, 10001, 0, 0}).error().field, "fan_bps");
  EXPECT_EQ(CalcMembers({-1, 0, 0, 0}).error().field, "reach");
}

TEST(Calculators, LifetimeSpendInFen) {
  auto r = CalcLifetime({400, 250, 19900});  // 4 a year × 2.5 years × 199.00
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->purchases_centi, 1000);
  EXPECT_EQ(r->spend, 199000);
  // 3.5 × 1.25 × 99.99 = 437.45625 yuan → 43745 fen; 4.375 purchases → 4.37.
  auto odd = CalcLifetime({350, 125, 9999});
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->spend, 43745);
  EXPECT_EQ(odd->purchases_centi, 437);
  EXPECT_EQ(CalcLifetime({100, 100, -5}).error().field, "ticket");
}

TEST(Calculators, FissionBesideTheNaiveFormula) {
  FissionInput in{300, 1, 5, 100, 2000, 0};  // 3 invites each, 20% join, 100 seeds
  auto r = CalcFission(in);
  ASSERT_TRUE(r.ok());
  EXPECT_DOUBLE_EQ(r->naive, 243.0);  // 3^5
  EXPECT_DOUBLE_EQ(r->growth_factor, 0.6);
  const std::vector<int64_t> joined = {60, 36, 21, 12,
                                       7};  // 300×.2, 180×.2, 108×.2=21.6, 63×.2=12.6, 36×.2=7.2
  const std::vector<int64_t> total = {160, 196, 217, 229, 236};
  ASSERT_EQ(r->rows.size(), 5u);
  for (size_t g = 0; g < 5; ++g) {
    SCOPED_TRACE(g + 1);
    EXPECT_EQ(r->rows[g].joined, joined[g]);
    EXPECT_EQ(r->rows[g].total, total[g]);
  }
  // The merchants' formula with 裂变级数 3: (3 × 3)^4 = 6561.
  auto merchant = CalcFission({300, 3, 4, 1, 10000, 0});
  ASSERT_TRUE(merchant.ok());
  EXPECT_DOUBLE_EQ(merchant->naive, 6561.0);
  // A market of 1,000: 10 seeds, 10 invites each, everyone joins: 100 × 990/1000 = 99; then 990 ×
  // 891/1000 = 882.
  auto market = CalcFission({1000, 1, 2, 10, 10000, 1000});
  ASSERT_TRUE(market.ok());
  EXPECT_EQ(market->rows[0].joined, 99);
  EXPECT_EQ(market->rows[1].invited, 990);
  EXPECT_EQ(market->rows[1].joined, 882);
  EXPECT_EQ(market->rows[1].total, 991);
}

// Found by the api_body fuzz target (POST /calc/fission {"referrals": 3, "generations": 100}): the
// totals overflowed int64 (undefined behaviour) without a market, and could pass the market with one.
TEST(Calculators, FissionStopsBeforeItsTotalsOverflow) {
  auto unbounded = CalcFission({300, 1, 100, 1, 10000, 0});  // 3^N people, no market
  ASSERT_TRUE(unbounded.ok());
  // The total after generation g is (3^(g+1) − 1)/2: 47,071,589,413 after 22, 141,214,768,240 after 23.
  ASSERT_EQ(unbounded->rows.size(), 23u);
  EXPECT_EQ(unbounded->rows[21].total, 47'071'589'413);
  EXPECT_EQ(unbounded->rows.back().total, 141'214'768'240);
  auto widest = CalcFission({100'000, 1000, 100, 100'000'000'000, 10000, 0});  // every input at its limit
  ASSERT_TRUE(widest.ok());
  EXPECT_EQ(widest->rows.size(), 1u);
  EXPECT_EQ(widest->rows[0].joined, 100'000'000'000'000);
}

TEST(Calculators, FissionNeverPassesTheMarket) {
  // 10 seeds inviting 1,000 each, all joining: 10,000 × 990/1000 = 9,900 would pass a market of
  // 1,000; the market's 990 places left are all that join, and nobody after.
  auto r = CalcFission({100'000, 1, 3, 10, 10000, 1000});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0].joined, 990);
  EXPECT_EQ(r->rows[0].total, 1000);
  EXPECT_EQ(r->rows[1].joined, 0);
  EXPECT_EQ(r->rows[2].total, 1000);
}

TEST(Calculators, DecimalInputs) {
  EXPECT_EQ(*ParseCenti("2.5", "x"), 250);
  EXPECT_EQ(*ParseCenti("12", "x"), 1200);
  EXPECT_EQ(*ParseCenti("0.05", "x"), 5);
  EXPECT_FALSE(ParseCenti("1.234", "x").ok());
  EXPECT_FALSE(ParseCenti("1e3", "x").ok());
  EXPECT_FALSE(ParseCenti("2.", "x").ok());
  EXPECT_EQ(*ParsePercent("30%", "x"), 3000);
  EXPECT_EQ(*ParsePercent("2.5", "x"), 250);
  EXPECT_FALSE(ParsePercent("101%", "x").ok());
}

// ---- lint ----

std::vector<std::string> Codes(const LintReport& r) {
  std::vector<std::string> out;
  for (const Finding& f : r.findings) out.push_back(f.code);
  return out;
}

TEST(Lint, ShippedPlans) {
  struct Case {
    const char* plan;
    std::vector<std::string> codes;
  };
  const std::vector<Case> cases = {
      {"chain-2plus1-699",
       {"entry_fee", "recruitment", "team_pay", "depth", "wechat_levels", "payout_over_30"}},
      {"one-level", {}},
      // Level 2 pays the referrer's referrer: team pay; two levels are neither "three or more" nor
      // above WeChat's two.
      {"two-level", {"team_pay"}},
      {"two-level-promoters", {"team_pay"}},  // promoters are made by the merchant, not bought
      {"unilevel-3", {"entry_fee", "team_pay", "depth", "wechat_levels"}},  // 18% in all: under 30%
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.plan);
    const LintReport r = Lint(LoadPlan(c.plan));
    EXPECT_EQ(Codes(r), c.codes) << LintText(r);
    for (const Finding& f : r.findings) {
      EXPECT_FALSE(f.trigger.empty());
      EXPECT_FALSE(f.fix.empty());
      EXPECT_FALSE(f.reference.empty());
    }
    EXPECT_NE(LintText(r).find("not legal advice"), std::string::npos);
  }
}

TEST(Lint, PayoutsPerUnit) {
  const LintReport chain = Lint(LoadPlan("chain-2plus1-699"));
  ASSERT_EQ(chain.payouts.size(), 2u);
  // 300 direct + 100 team point + 50 differential + 10% of (300 + 100) peer + 3 × 10 pools =
  // 520.00.
  EXPECT_EQ(chain.payouts[0].sku, "pkg699");
  EXPECT_EQ(chain.payouts[0].max_per_unit, 52000);
  EXPECT_EQ(chain.payouts[1].sku, "pkg499");
  EXPECT_EQ(chain.payouts[1].max_per_unit, 15000 + 5000 + 2000 + 500);
  EXPECT_TRUE(chain.unbounded_depth);
  const LintReport uni = Lint(LoadPlan("unilevel-3"));
  EXPECT_EQ(uni.deepest_generation, 3u);
  EXPECT_FALSE(uni.unbounded_depth);
  EXPECT_EQ(uni.payouts[0].max_per_unit,
            2990 + 1495 + 897);  // 10% + 5% + 3% of 299.00, each truncated
  // The 30% finding names the ceiling for each product.
  EXPECT_NE(chain.findings.back().fix.find("209.70 for pkg699"), std::string::npos);
}

TEST(Lint, WechatFindingOnlyWhenSellingInWechat) {
  const LintReport r = Lint(LoadPlan("unilevel-3"), LintOptions{false});
  EXPECT_EQ(Codes(r), (std::vector<std::string>{"entry_fee", "team_pay", "depth"}));
}

// ---- scenarios ----

constexpr const char* kSmall = R"(name = "small"
days = 60
seed = 7
max_members = 3000

[start]
members = 10

[invite]
daily_bps = 1200
invitees = [1, 3]

[package]
sku = "pkg699"
buy_bps = 6000
within_days = 2

[repurchase]
sku = "pkg499"
daily_bps = 100

[[identity]]
sku = "id999"
rank = "partner"
uptake_bps = 5000
within_days = 3

[orders]
refund_bps = 800
settle_after_days = 10

[churn]
daily_bps = 200
)";

TEST(Scenario, ReadsEveryKey) {
  auto s = ParseScenario(kSmall, "small.toml", LoadPlan("chain-2plus1-699"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->days, 60u);
  EXPECT_EQ(s->seed, 7u);
  EXPECT_EQ(s->invitees_min, 1u);
  EXPECT_EQ(s->invitees_max, 3u);
  EXPECT_EQ(s->repurchase_sku, "pkg499");
  ASSERT_EQ(s->identity.size(), 1u);
  EXPECT_EQ(s->identity[0].rank, 2);  // partner
  EXPECT_EQ(s->settle_after_days, 10u);
}

TEST(Scenario, RefusalsNameTheLine) {
  const core::Plan plan = LoadPlan("chain-2plus1-699");
  struct Case {
    std::string from, to;  // replace in kSmall
    std::string message;
  };
  const std::vector<Case> cases = {
      {"days = 60", "days = 60.5", "small.toml:2: days must be a whole number"},
      {"daily_bps = 1200", "daily_bps = 0.12",
       "small.toml:10: [invite]: daily_bps must be an integer: rates are integers in bps"},
      {"daily_bps = 1200", "daily_bps = 12000",
       "small.toml:10: [invite]: daily_bps must be between 0 and 10000, not 12000"},
      {"sku = \"pkg699\"", "sku = \"pkg799\"",
       "small.toml:14: [package]: sku names \"pkg799\", which plan \"chain-2plus1-699\" does not "
       "declare"},
      {"rank = \"partner\"", "rank = \"parter\"",
       "small.toml:24: [[identity]]: rank names no rank of plan"},
      {"within_days = 2", "within_dayz = 2",
       "small.toml:16: unknown key 'within_dayz' in [package]"},
      {"invitees = [1, 3]", "invitees = [3, 1]",
       "small.toml:11: [invite]: invitees [3, 1] has its maximum below its minimum"},
      {"[invite]", "[invitee]", "small.toml:9: unknown key 'invitee' in the top level"},
      {"seed = 7", "seed = 7\nseed = 8", "small.toml:4:"},  // TOML syntax: the parser's line
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.to);
    std::string text = kSmall;
    const size_t at = text.find(c.from);
    ASSERT_NE(at, std::string::npos);
    text.replace(at, c.from.size(), c.to);
    auto s = ParseScenario(text, "small.toml", plan);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, "invalid_scenario");
    EXPECT_EQ(s.error().message.rfind(c.message, 0), 0u) << s.error().message;
  }
  auto missing = LoadScenarioFile("/nonexistent/x.toml", plan);
  EXPECT_EQ(missing.error().code, "scenario_unreadable");
}

// ---- simulation ----

std::string RunReport(const core::Plan& plan, const std::string& scenario_text) {
  auto s = ParseScenario(scenario_text, "small.toml", plan);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  Simulation sim(plan, *s);
  EXPECT_TRUE(sim.Run());
  return json::serialize(sim.Report());
}

TEST(Simulation, SameSeedSameBytes) {
  const core::Plan plan = LoadPlan("chain-2plus1-699");
  const std::string a = RunReport(plan, kSmall);
  const std::string b = RunReport(plan, kSmall);
  EXPECT_EQ(a, b);
  std::string other = kSmall;
  other.replace(other.find("seed = 7"), 8, "seed = 8");
  EXPECT_NE(RunReport(plan, other), a);
}

// The report's totals against the engine's books, recomputed here from the engine, to the fen.
void ExpectConserved(const Simulation& sim, const json::value& report) {
  const core::Engine& eng = sim.engine();
  const core::Ledger& ledger = eng.ledger();
  EXPECT_EQ(ledger.Sum(), 0);
  core::Fen members = 0, earned = 0, pools = 0;
  for (core::MemberId m = 0; m < eng.member_count(); ++m) {
    const core::Balances b = eng.balances(m);
    members += b.pending + b.available + b.frozen + b.withdrawing;
    for (size_t e = 0; e < eng.plan().earned.size(); ++e)
      earned += eng.earned(m, static_cast<core::EarnedId>(e));
  }
  for (uint32_t p = 0; p < ledger.pool_count(); ++p) pools += ledger.pool(p);
  const json::object& t = report.at("totals").as_object();
  EXPECT_EQ(t.at("net_sales").to_number<int64_t>(),
            -ledger.platform(core::PlatformAccount::kBuyers));
  EXPECT_EQ(t.at("sales").to_number<int64_t>() - t.at("refunds").to_number<int64_t>(),
            t.at("net_sales").to_number<int64_t>());
  EXPECT_EQ(t.at("platform_margin").to_number<int64_t>(),
            ledger.platform(core::PlatformAccount::kRevenue));
  EXPECT_EQ(t.at("members_hold").to_number<int64_t>(), members);
  EXPECT_EQ(t.at("members_hold").to_number<int64_t>(), earned);
  EXPECT_EQ(t.at("rewards_net").to_number<int64_t>() + t.at("pool_payouts").to_number<int64_t>(),
            members);
  EXPECT_EQ(t.at("pools_held").to_number<int64_t>(), pools);
  core::Fen by_rule = 0;
  for (const auto& kv : t.at("rewards").as_object()) by_rule += kv.value().to_number<int64_t>();
  EXPECT_EQ(by_rule, t.at("rewards_net").to_number<int64_t>());
  // The daily series add up to the totals.
  core::Fen margin = 0;
  for (const json::value& v : report.at("daily").at("margin").as_array())
    margin += v.to_number<int64_t>();
  EXPECT_EQ(margin, t.at("platform_margin").to_number<int64_t>());
  EXPECT_TRUE(report.at("conservation").at("ok").as_bool());
  EXPECT_EQ(report.at("summary").at("members").to_number<int64_t>(), eng.member_count());
  EXPECT_EQ(report.at("summary").at("orders").to_number<int64_t>(), eng.order_count());
}

TEST(Simulation, ReportTotalsAreTheLedgers) {
  const core::Plan plan = LoadPlan("chain-2plus1-699");
  auto s = ParseScenario(kSmall, "small.toml", plan);
  ASSERT_TRUE(s.ok());
  Simulation sim(plan, *s);
  std::vector<uint32_t> days;
  ASSERT_TRUE(sim.Run([&](const Progress& p) {
    days.push_back(p.day);
    return true;
  }));
  EXPECT_EQ(days.size(), 60u);
  EXPECT_EQ(days.back(), 60u);
  const json::value report = sim.Report();
  ExpectConserved(sim, report);
  // Something happened: refunds, clawbacks, pools paid, ranks above member, identity packages
  // bought.
  const json::object& t = report.at("totals").as_object();
  EXPECT_GT(t.at("refunds").to_number<int64_t>(), 0);
  EXPECT_GT(t.at("clawbacks").to_number<int64_t>(), 0);
  EXPECT_GT(t.at("pool_payouts").to_number<int64_t>(), 0);
  EXPECT_GT(report.at("summary").at("ranks").at("district").to_number<int64_t>(), 0);
  bool identity = false;
  for (const json::value& p : report.at("products").as_array())
    identity = identity || p.at("sku") == "id999";
  EXPECT_TRUE(identity);
  const double recovered = report.at("earnings").at("recovered_share").as_double();
  EXPECT_DOUBLE_EQ(recovered + report.at("earnings").at("never_recovered_share").as_double(), 1.0);
  EXPECT_EQ(report.at("lint").at("findings").as_array().size(), 6u);
  EXPECT_NE(std::string(report.at("notice").as_string()).find("not legal advice"),
            std::string::npos);
  const std::string html = ReportHtml(report);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  // Self-contained: the SVG namespace is the only URL on the page.
  const auto count = [&html](const std::string& what) {
    size_t n = 0;
    for (size_t at = html.find(what); at != std::string::npos; at = html.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_GT(count("<svg"), 5u);
  EXPECT_EQ(count("http"), count("http://www.w3.org/2000/svg"));
  EXPECT_EQ(count("src="), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(Simulation, EveryoneSharesUnderTwoLevel) {
  const core::Plan plan = LoadPlan("two-level");
  auto s = ParseScenario(R"(name = "tea"
days = 40
seed = 3
max_members = 2000
[start]
members = 5
buy_bps = 5000
[invite]
who = "everyone"
daily_bps = 1500
invitees = 2
[package]
sku = "tea"
buy_bps = 4000
[repurchase]
sku = "tea"
daily_bps = 300
[orders]
refund_bps = 500
[churn]
daily_bps = 100
)",
                         "tea.toml", plan);
  ASSERT_TRUE(s.ok()) << s.error().message;
  Simulation sim(plan, *s);
  ASSERT_TRUE(sim.Run());
  const json::value report = sim.Report();
  ExpectConserved(sim, report);
  EXPECT_EQ(report.at("summary").at("members").to_number<int64_t>(), 2000);
  EXPECT_EQ(report.at("lint").at("findings").as_array().size(), 1u);
}

TEST(Simulation, StopsWhenProgressSaysSo) {
  const core::Plan plan = LoadPlan("chain-2plus1-699");
  auto s = ParseScenario(kSmall, "small.toml", plan);
  ASSERT_TRUE(s.ok());
  Simulation sim(plan, *s);
  EXPECT_FALSE(sim.Run([](const Progress& p) { return p.day < 5; }));
  EXPECT_EQ(sim.Report().at("days_run").to_number<int64_t>(), 5);
}

TEST(DaysUntil, GeometricDraws) {
  SplitMix rng(42);
  const DaysUntil never(0, 100), always(10000, 100), half(5000, 1000);
  EXPECT_EQ(never.Draw(rng), DaysUntil::kNever);
  EXPECT_EQ(always.Draw(rng), 1u);
  // P(D = 1) = 1/2, P(D = 2) = 1/4: counts of 100,000 draws within 1% of that.
  int ones = 0, twos = 0;
  for (int i = 0; i < 100000; ++i) {
    const uint32_t d = half.Draw(rng);
    ones += d == 1 ? 1 : 0;
    twos += d == 2 ? 1 : 0;
  }
  EXPECT_NEAR(ones, 50000, 1000);
  EXPECT_NEAR(twos, 25000, 1000);
}

// ---- jobs ----

core::Result<Scenario> Big(const core::Plan& plan, uint32_t members) {
  std::string text = kSmall;
  text.replace(text.find("max_members = 3000"), 18, "max_members = " + std::to_string(members));
  text.replace(text.find("days = 60"), 9, "days = 365");
  return ParseScenario(text, "big.toml", plan);
}

TEST(Jobs, LimitsAndReports) {
  const core::Plan plan = LoadPlan("chain-2plus1-699");
  SimulationJobs jobs(JobLimits{1, 2, 400, 2'000'000});
  auto small = ParseScenario(kSmall, "small.toml", plan);
  ASSERT_TRUE(small.ok());
  auto too_long = *small;
  too_long.days = 401;
  EXPECT_EQ(jobs.Start(plan, too_long).error().code, "scenario_too_large");

  auto first = jobs.Start(plan, *small);
  ASSERT_TRUE(first.ok());
  for (int i = 0; i < 500 && jobs.Status(first->id)->state == JobState::kRunning; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const JobStatus done = *jobs.Status(first->id);
  ASSERT_EQ(done.state, JobState::kDone);
  EXPECT_EQ(done.progress.day, 60u);
  auto out = jobs.Report(first->id);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->json, RunReport(plan, kSmall));  // the job's report is the simulation's
  EXPECT_NE(out->html.find("<svg"), std::string::npos);

  // A long job is running: a second is refused; destroying the registry cancels the first.
  auto big = Big(plan, 2'000'000);
  ASSERT_TRUE(big.ok()) << big.error().message;
  auto long_job = jobs.Start(plan, *big);
  ASSERT_TRUE(long_job.ok());
  EXPECT_EQ(jobs.Start(plan, *small).error().code, "too_many_simulations");
  EXPECT_EQ(jobs.Report(long_job->id), nullptr);
  EXPECT_EQ(jobs.List().front().id, long_job->id);
  EXPECT_FALSE(jobs.Status(999).has_value());
}

}  // namespace
}  // namespace guanxi::sim
