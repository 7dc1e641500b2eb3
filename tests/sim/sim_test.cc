// The designer (src/sim): calculators against hand-computed values, the lint findings of every
// shipped plan, scenario refusals with their lines, and simulations on the real engine: the same
// seed gives the same bytes, and the report's totals are the engine ledger's to the fen.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "plan/plan_file.h"
#include "sim/calculators.h"
#include "sim/jobs.h"
#include "sim/json_check.h"
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
  EXPECT_DOUBLE_EQ(r->naive.value(), 243.0);  // 3^5
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
  EXPECT_DOUBLE_EQ(merchant->naive.value(), 6561.0);
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
// totals overflowed int64 (undefined behaviour). They are refused now, naming the input to lower.
TEST(Calculators, FissionRefusesTotalsThatWouldOverflow) {
  auto unbounded = CalcFission({300, 1, 100, 1, 10000, 0});  // 3^N people, no market
  ASSERT_FALSE(unbounded.ok());
  EXPECT_EQ(unbounded.error().field, "generations");
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

// Issue #18, item 8: what does not fit is refused naming what to lower; what fits is exact.

// True when no number anywhere in `v` is Infinity or NaN (JSON has neither).
bool AllFinite(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_:
      return std::isfinite(v.get_double());
    case json::kind::array:
      for (const json::value& e : v.get_array())
        if (!AllFinite(e)) return false;
      return true;
    case json::kind::object:
      for (const auto& kv : v.get_object())
        if (!AllFinite(kv.value())) return false;
      return true;
    default:
      return true;
  }
}

// The issue's input: each member invites 1,000, 裂变级数 1,000, 100 generations, 10^11 seeds,
// everyone joins. Generation 3 would be 10^20 people, past int64: refused, naming generations (the
// one input whose lowering always helps: even one seed passes int64 by generation 7) with how many
// fit. Two generations of the same answer exact integers.
TEST(Calculators, FissionThatDoesNotFitIsRefusedNamingGenerations) {
  auto r = CalcFission({100'000, 1000, 100, 100'000'000'000, 10000, 0});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "generations");
  EXPECT_EQ(r.error().code, "invalid_generations");
  EXPECT_EQ(r.error().message.rfind("generations must be at most 2 with these inputs", 0), 0u)
      << r.error().message;

  auto two = CalcFission({100'000, 1000, 2, 100'000'000'000, 10000, 0});
  ASSERT_TRUE(two.ok()) << two.error().message;
  ASSERT_EQ(two->rows.size(), 2u);
  EXPECT_EQ(two->rows[0].invited, 100'000'000'000'000);
  EXPECT_EQ(two->rows[0].total, 100'100'000'000'000);
  EXPECT_EQ(two->rows[1].invited, 100'000'000'000'000'000);
  EXPECT_EQ(two->rows[1].joined, 100'000'000'000'000'000);
  EXPECT_EQ(two->rows[1].total, 100'100'100'000'000'000);
  EXPECT_DOUBLE_EQ(two->naive.value(), 1e12);  // (1,000 × 1,000)^2
}

// The formula's value is capped, not refused: past 10^18 it is "more than 10^18", and the
// projection beside it still answers (here: nobody joins).
TEST(Calculators, NaiveFormulaPastTheCapIsSaidInWords) {
  const FissionInput in{100'000, 1000, 100, 1, 0, 0};
  auto r = CalcFission(in);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_DOUBLE_EQ(r->rows[2].naive.value(), 1e18);  // (10^6)^3: at the cap, still a number
  EXPECT_FALSE(r->rows[3].naive.has_value());
  EXPECT_FALSE(r->naive.has_value());
  EXPECT_EQ(NaiveText(r->naive), "more than 10^18");
  EXPECT_EQ(NaiveText(r->rows[0].naive), "1e+06");
  EXPECT_EQ(r->rows.back().total, 1);
  const json::value j = FissionJson(in, *r);
  EXPECT_EQ(j.at("naive"), "more than 10^18");
  EXPECT_EQ(j.at("generations").at(2).at("naive"), 1e18);
  EXPECT_EQ(j.at("generations").at(99).at("naive"), "more than 10^18");
}

// With a market, nobody joins beyond it: the total stops at the market, never above, never below
// zero (10 seeds inviting 1,000 each would be 10,000 joiners in a market of 1,000).
TEST(Calculators, FissionTotalsStopAtTheMarket) {
  auto r = CalcFission({100'000, 1, 3, 10, 10000, 1000});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->rows.size(), 3u);
  EXPECT_EQ(r->rows[0].invited, 10'000);
  EXPECT_EQ(r->rows[0].joined, 990);
  EXPECT_EQ(r->rows[0].total, 1000);
  EXPECT_EQ(r->rows[1].joined, 0);
  EXPECT_EQ(r->rows[2].total, 1000);
}

// Every extreme input: either refused naming a field, or answered with JSON that parses back, has
// no Infinity or NaN, and whose totals never fall and never go below the seeds.
TEST(Calculators, ExtremeFissionInputsGiveFiniteJsonOrARefusal) {
  constexpr int64_t kPeople = 100'000'000'000;
  const FissionInput cases[] = {
      {100'000, 1000, 100, kPeople, 10000, 0},        // the issue's
      {100'000, 1000, 100, 1, 0, 0},                  // nobody joins; the formula is 10^600
      {100'000, 1000, 100, kPeople, 10000, kPeople},  // the market is full from the start
      {100'000, 1000, 100, 1, 10000, kPeople},        // the market fills within a few generations
      {100'000, 1, 100, 1, 100, 0},                   // 1% of 1,000: ×10 a generation
      {1, 1, 100, 1, 10000, 0},                       // 0.01 invites: the formula is 10^-200
      {0, 1000, 100, kPeople, 10000, 0},
      {100'000, 1000, 1, kPeople, 10000, 0},
      {150, 1000, 100, kPeople, 9999, kPeople},
  };
  for (const FissionInput& in : cases) {
    SCOPED_TRACE(std::to_string(in.referrals_centi) + " " + std::to_string(in.levels) + " " +
                 std::to_string(in.generations) + " " + std::to_string(in.seeds) + " " +
                 std::to_string(in.conversion_bps) + " " + std::to_string(in.market));
    auto r = CalcFission(in);
    if (!r.ok()) {
      EXPECT_FALSE(r.error().field.empty());
      EXPECT_EQ(r.error().message.rfind(r.error().field, 0), 0u) << r.error().message;
      continue;
    }
    const std::string text = json::serialize(FissionJson(in, *r));
    boost::system::error_code ec;
    const json::value back = json::parse(text, ec);
    ASSERT_FALSE(ec) << text.substr(0, 300);
    EXPECT_TRUE(AllFinite(back)) << text.substr(0, 300);
    int64_t total = in.seeds;
    for (const json::value& row : back.at("generations").as_array()) {
      EXPECT_GE(row.at("total").as_int64(), total);
      EXPECT_GE(row.at("joined").as_int64(), 0);
      total = row.at("total").as_int64();
    }
    EXPECT_EQ(back.at("total").as_int64(), total);
    if (in.market > 0) {
      EXPECT_LE(total, in.market);
    }
  }
}

// Each message states the real limit, in the unit the caller writes (referrals are people, not
// hundredths of people).
TEST(Calculators, MessagesStateTheRealLimits) {
  struct Case {
    const char* what;
    core::Error error;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {"reach", CalcMembers({100'000'000'001, 0, 0, 0}).error(), "reach",
       "reach must be a whole number between 0 and 100000000000"},
      {"fan_bps", CalcMembers({1, 10001, 0, 0}).error(), "fan_bps",
       "fan_bps must be a whole number of bps between 0 and 10000 (0%..100%)"},
      {"frequency", CalcLifetime({100'000'001, 100, 100}).error(), "frequency",
       "frequency must be a number between 0 and 1000000 with at most two decimals"},
      {"lifetime", CalcLifetime({100, -1, 100}).error(), "lifetime",
       "lifetime must be a number between 0 and 1000000 with at most two decimals"},
      {"ticket", CalcLifetime({100, 100, 10'000'000'001}).error(), "ticket",
       "ticket must be a whole number of fen between 0 and 10000000000 (at most 100000000.00 "
       "yuan)"},
      {"referrals", CalcFission({100'001, 1, 1, 1, 0, 0}).error(), "referrals",
       "referrals must be a number between 0 and 1000 with at most two decimals"},
      {"levels", CalcFission({100, 0, 1, 1, 0, 0}).error(), "levels",
       "levels must be a whole number between 1 and 1000"},
      {"generations", CalcFission({100, 1, 101, 1, 0, 0}).error(), "generations",
       "generations must be a whole number between 1 and 100"},
      {"seeds", CalcFission({100, 1, 1, 0, 0, 0}).error(), "seeds",
       "seeds must be a whole number between 1 and 100000000000"},
      {"conversion_bps", CalcFission({100, 1, 1, 1, 10001, 0}).error(), "conversion_bps",
       "conversion_bps must be a whole number of bps between 0 and 10000 (0%..100%)"},
      {"market", CalcFission({100, 1, 1, 1, 0, -1}).error(), "market",
       "market must be a whole number between 0 and 100000000000"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    EXPECT_EQ(c.error.field, c.field);
    EXPECT_EQ(c.error.message, c.message);
  }
}

// Over every limit: the calculator refuses one past either end with exactly the limit's message,
// in the caller's unit, and takes both ends; `guanxi calc` says the same with its option's name.
TEST(Calculators, EveryLimitIsCheckedAndStatedFromOneConstant) {
  // Each input with the calculator it belongs to, every other input valid and this one at v.
  const auto status = [](const auto& result) {
    return result.ok() ? core::Status(core::Ok{}) : core::Status(result.error());
  };
  const auto members = [&](int64_t MembersInput::*input) {
    return [=](int64_t v) {
      MembersInput in{1000, 5000, 5000, 5000};
      in.*input = v;
      return status(CalcMembers(in));
    };
  };
  const auto lifetime = [&](int64_t LifetimeInput::*input) {
    return [=](int64_t v) {
      LifetimeInput in{100, 100, 100};
      in.*input = v;
      return status(CalcLifetime(in));
    };
  };
  const auto fission = [&](int64_t FissionInput::*input) {
    return [=](int64_t v) {
      FissionInput in{100, 1, 1, 1, 5000, 0};
      in.*input = v;
      return status(CalcFission(in));
    };
  };
  const std::map<std::string_view, std::function<core::Status(int64_t)>> run = {
      {"reach", members(&MembersInput::reach)},
      {"fan_bps", members(&MembersInput::fan_bps)},
      {"deal_bps", members(&MembersInput::deal_bps)},
      {"member_bps", members(&MembersInput::member_bps)},
      {"frequency", lifetime(&LifetimeInput::frequency_centi)},
      {"lifetime", lifetime(&LifetimeInput::lifetime_centi)},
      {"ticket", lifetime(&LifetimeInput::ticket)},
      {"referrals", fission(&FissionInput::referrals_centi)},
      {"levels", fission(&FissionInput::levels)},
      {"generations", fission(&FissionInput::generations)},
      {"seeds", fission(&FissionInput::seeds)},
      {"conversion_bps", fission(&FissionInput::conversion_bps)},
      {"market", fission(&FissionInput::market)},
  };
  ASSERT_EQ(std::size(kCalculatorLimits), run.size());
  for (const Limit& limit : kCalculatorLimits) {
    SCOPED_TRACE(limit.field);
    ASSERT_TRUE(run.contains(limit.field));
    const auto& calc = run.at(limit.field);
    EXPECT_TRUE(calc(limit.min).ok());
    EXPECT_TRUE(calc(limit.max).ok());
    for (int64_t bad : {limit.min - 1, limit.max + 1}) {
      const core::Status s = calc(bad);
      ASSERT_FALSE(s.ok()) << bad;
      EXPECT_EQ(s.error().field, limit.field);
      EXPECT_EQ(s.error().code, "invalid_" + std::string(limit.field));
      EXPECT_EQ(s.error().message, LimitMessage(limit));
    }
    // The command line: the option's name, the unit typed, and what was typed.
    const std::string cli = LimitMessage(limit, Naming::kCli);
    EXPECT_EQ(cli.rfind(std::string(limit.option) + " must be ", 0), 0u) << cli;
    EXPECT_EQ(ParseOption("99999999999999", limit).error().message,
              cli + ", not \"99999999999999\"");
    EXPECT_EQ(ParseOption("x", limit).error().field, limit.field);
  }
  // The units as written: percent and bps, hundredths as decimals, fen with yuan.
  EXPECT_EQ(LimitMessage(kConversionBps, Naming::kCli),
            "--conversion must be a percentage between 0% and 100% with at most two decimals");
  EXPECT_EQ(LimitMessage(kReferrals, Naming::kCli),
            "--referrals must be a number between 0 and 1000 with at most two decimals");
  EXPECT_EQ(LimitMessage(kTicket, Naming::kCli),
            "--ticket-fen must be a whole number of fen between 0 and 10000000000 (at most "
            "100000000.00 yuan)");
  EXPECT_EQ(*ParseOption("20%", kConversionBps), 2000);
  EXPECT_EQ(*ParseOption("2.5", kConversionBps), 250);
  EXPECT_EQ(*ParseOption("999.99", kReferrals), 99'999);
  EXPECT_EQ(*ParseOption("100000000000", kSeeds), 100'000'000'000);
  EXPECT_EQ(ParseOption("1000.01", kReferrals).error().message,
            "--referrals must be a number between 0 and 1000 with at most two decimals, not "
            "\"1000.01\"");
  EXPECT_EQ(ParseOption("1.5", kGenerations).error().message,
            "--generations must be a whole number between 1 and 100, not \"1.5\"");
  EXPECT_EQ(ParseOption("101%", kFanBps).error().field, "fan_bps");
}

// The check every designer output passes before it is sent: where the first Infinity or NaN is.
TEST(Calculators, FindNonFiniteSaysWhere) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(FindNonFinite(json::value{{"a", 1.5}, {"b", {1, 2}}}), std::nullopt);
  EXPECT_EQ(FindNonFinite(json::value(inf)), "");
  EXPECT_EQ(FindNonFinite(json::value{{"naive", inf}}), "naive");
  EXPECT_EQ(
      FindNonFinite(json::value{
          {"generations", {json::object{{"naive", 1.0}}, json::object{{"naive", std::nan("")}}}}}),
      "generations[1].naive");
  EXPECT_EQ(FindNonFinite(json::array{json::array{0, -inf}}), "[0][1]");
}

// docs/designer.md's table of limits is the constants' own text, so the documentation cannot
// drift from the checks either.
TEST(Calculators, DocumentedLimitsAreTheConstants) {
  std::ifstream in(std::string(GUANXI_SOURCE_DIR) + "/docs/designer.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(doc.empty());
  for (const Limit& limit : kCalculatorLimits) {
    SCOPED_TRACE(limit.field);
    const std::string message = LimitMessage(limit);
    const std::string must = std::string(limit.field) + " must be ";
    ASSERT_EQ(message.rfind(must, 0), 0u);
    // "| `levels` | `--levels` | a whole number between 1 and 1000 |", followed by a space so that
    // "… and 1000" does not pass for "… and 10000".
    const std::string row = "| `" + std::string(limit.field) + "` | `" + std::string(limit.option) +
                            "` | " + message.substr(must.size()) + " ";
    EXPECT_NE(doc.find(row), std::string::npos) << row;
  }
}

// A lifetime spend past int64 fen is refused naming the ticket, with the largest ticket that fits.
TEST(Calculators, LifetimeThatDoesNotFitIsRefusedNamingTicket) {
  auto r = CalcLifetime({100'000'000, 100'000'000, 10'000'000'000});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().field, "ticket");
  // 10^12 purchases: at most INT64_MAX / 10^12 = 9,223,372 fen a ticket.
  EXPECT_NE(r.error().message.find("at most 9223372 fen"), std::string::npos) << r.error().message;
  auto fits = CalcLifetime({100'000'000, 100'000'000, 9'223'372});
  ASSERT_TRUE(fits.ok()) << fits.error().message;
  EXPECT_EQ(fits->spend, 9'223'372'000'000'000'000);
  EXPECT_EQ(fits->purchases_centi, 100'000'000'000'000);
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
