// The designer's staff routes on the real server: lint of the shop's plan and of a posted one, the
// calculators, and a simulation from start to report (JSON and HTML), with the limits that keep one
// request from exhausting the machine.
#include <chrono>
#include <cmath>
#include <thread>

#include "guanxi/limits.h"
#include "http/api_fixture.h"
#include "sim/scenario.h"

namespace guanxi::test {
namespace {

constexpr const char* kBase = "/api/v1/admin/designer";

std::vector<std::string> Codes(const json::value& lint) {
  std::vector<std::string> out;
  for (const json::value& f : lint.at("findings").as_array())
    out.emplace_back(f.at("code").as_string());
  return out;
}

std::string SimulationBody(const std::string& scenario) {
  return json::serialize(json::value{{"scenario", scenario}});
}

constexpr const char* kScenario = R"(name = "api"
days = 30
seed = 11
max_members = 500
[start]
members = 5
[invite]
daily_bps = 1500
invitees = [1, 2]
[package]
sku = "pkg699"
buy_bps = 6000
[orders]
refund_bps = 500
settle_after_days = 10
)";

class DesignerApiTest : public ApiTest {
 protected:
  std::string Url(const std::string& path) const { return std::string(kBase) + path; }

  // Polls the job until it leaves "running" (bounded), and returns its status.
  json::value WaitFor(int64_t id) {
    json::value st;
    for (int i = 0; i < 3000; ++i) {
      auto r = client_->Get(Url("/simulations/" + std::to_string(id)), staff_tokens_["operator"]);
      EXPECT_EQ(r.status, 200u) << r.body;
      st = r.Json();
      if (st.at("state") != "running") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return st;
  }
};

TEST_F(DesignerApiTest, LintsTheShopsPlanOrAPostedOne) {
  auto r = client_->Post(Url("/lint"), "", staff_tokens_["sales"]);
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(r.Json().at("plan"), "chain-2plus1-699");
  EXPECT_EQ(Codes(r.Json()),
            (std::vector<std::string>{"entry_fee", "recruitment", "team_pay", "depth",
                                      "wechat_levels", "payout_over_30"}));
  EXPECT_NE(std::string(r.Json().at("notice").as_string()).find("not legal advice"),
            std::string::npos);
  EXPECT_EQ(r.Json().at("payouts").at(0).at("max_per_unit"), 52000);

  auto no_wechat = client_->Post(Url("/lint"), R"({"wechat":false})", owner_token_);
  ASSERT_EQ(no_wechat.status, 200u);
  EXPECT_EQ(Codes(no_wechat.Json()).size(), 5u);

  const std::string one_level = ReadText(std::string(GUANXI_SOURCE_DIR) + "/plans/one-level.toml");
  auto posted =
      client_->Post(Url("/lint"), json::serialize(json::value{{"plan", one_level}}), owner_token_);
  ASSERT_EQ(posted.status, 200u) << posted.body;
  EXPECT_EQ(posted.Json().at("plan"), "one-level");
  EXPECT_TRUE(posted.Json().at("findings").as_array().empty());

  auto bad = client_->Post(
      Url("/lint"),
      json::serialize(json::value{{"plan", "name = \"x\"\n[[ranks]]\nnam = \"a\"\n"}}),
      owner_token_);
  ASSERT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.Json().at("error").at("code"), "invalid_plan");
  EXPECT_EQ(bad.Json().at("error").at("field"), "plan");
  EXPECT_EQ(std::string(bad.Json().at("error").at("message").as_string())
                .rfind("plan:3: unknown key 'nam'", 0),
            0u)
      << bad.body;
  EXPECT_EQ(client_->Post(Url("/lint"), R"({"wechat":"yes"})", owner_token_).status, 400u);
}

TEST_F(DesignerApiTest, Calculators) {
  const std::string token = staff_tokens_["finance"];
  auto m =
      client_->Post(Url("/calc/members"),
                    R"({"reach":100000,"fan_bps":3000,"deal_bps":2000,"member_bps":5000})", token);
  ASSERT_EQ(m.status, 200u) << m.body;
  EXPECT_EQ(m.Json(),
            (json::value{{"reach", 100000}, {"fans", 30000}, {"buyers", 6000}, {"members", 3000}}));
  auto l = client_->Post(Url("/calc/lifetime"), R"({"frequency":4,"lifetime":2.5,"ticket":19900})",
                         token);
  ASSERT_EQ(l.status, 200u) << l.body;
  EXPECT_EQ(l.Json().at("spend"), 199000);
  EXPECT_EQ(l.Json().at("purchases"), "10.00");
  auto f =
      client_->Post(Url("/calc/fission"),
                    R"({"referrals":3,"generations":5,"seeds":100,"conversion_bps":2000})", token);
  ASSERT_EQ(f.status, 200u) << f.body;
  EXPECT_EQ(f.Json().at("total"), 236);
  EXPECT_EQ(f.Json().at("naive"), 243.0);
  auto bad = client_->Post(Url("/calc/members"),
                           R"({"reach":100,"fan_bps":20000,"deal_bps":1,"member_bps":1})", token);
  ASSERT_EQ(bad.status, 400u);
  EXPECT_EQ(bad.Json().at("error").at("field"), "fan_bps");
  auto decimals = client_->Post(Url("/calc/lifetime"),
                                R"({"frequency":4.125,"lifetime":1,"ticket":100})", token);
  ASSERT_EQ(decimals.status, 400u);
  EXPECT_EQ(decimals.Json().at("error").at("field"), "frequency");
  auto missing = client_->Post(Url("/calc/fission"), R"({"referrals":3})", token);
  ASSERT_EQ(missing.status, 400u);
  EXPECT_EQ(missing.Json().at("error").at("field"), "generations");
}

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

// Issue #18, item 8: the issue's own input answered 200 with "naive":Infinity (not JSON) and a
// negative total. Now a projection that does not fit is a 400 naming generations and how many fit;
// what fits is exact; every answer parses as JSON.
TEST_F(DesignerApiTest, FissionThatDoesNotFitIsRefusedAndEveryAnswerIsJson) {
  const std::string token = staff_tokens_["operator"];
  auto issue = client_->Post(
      Url("/calc/fission"),
      R"({"referrals":1000,"generations":100,"seeds":100000000000,"levels":1000,"conversion_bps":10000})",
      token);
  ASSERT_EQ(issue.status, 400u) << issue.body;
  EXPECT_EQ(issue.Json().at("error").at("code"), "invalid_generations");
  EXPECT_EQ(issue.Json().at("error").at("field"), "generations");
  EXPECT_EQ(std::string(issue.Json().at("error").at("message").as_string())
                .rfind("generations must be at most 2 with these inputs", 0),
            0u)
      << issue.body;

  // The same with 2 generations: 10^11 seeds, 10^14 and 10^17 joiners, to the person.
  auto big = client_->Post(
      Url("/calc/fission"),
      R"({"referrals":1000,"generations":2,"seeds":100000000000,"levels":1000,"conversion_bps":10000})",
      token);
  ASSERT_EQ(big.status, 200u) << big.body;
  EXPECT_EQ(big.Json().at("total"), 100'100'100'000'000'000);
  EXPECT_EQ(big.Json().at("generations").at(1).at("joined"), 100'000'000'000'000'000);
  EXPECT_EQ(big.Json().at("naive"), 1e12);  // (1000 × 1000)^2

  const char* const bodies[] = {
      R"({"referrals":1000,"generations":100,"seeds":1,"levels":1000,"conversion_bps":0})",
      R"({"referrals":1000,"generations":100,"seeds":1,"levels":1000,"market":100000000000})",
      R"({"referrals":1000,"generations":100,"seeds":100000000000,"market":100000000000})",
      R"({"referrals":0.01,"generations":100,"levels":1})",
      R"({"referrals":1000,"generations":100,"conversion_bps":100})",
      R"({"referrals":999.99,"generations":100,"seeds":100000000000,"levels":1000,"conversion_bps":9999})",
      R"({"referrals":1e308,"generations":1})",
      R"({"referrals":1000,"generations":18446744073709551615})",
  };
  for (const char* body : bodies) {
    SCOPED_TRACE(body);
    auto r = client_->Post(Url("/calc/fission"), body, token);
    boost::system::error_code ec;
    const json::value v = json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body.substr(0, 300);
    EXPECT_TRUE(AllFinite(v)) << r.body.substr(0, 300);
    if (r.status != 200) {
      EXPECT_EQ(r.status, 400u);
      EXPECT_FALSE(v.at("error").at("field").as_string().empty());
      continue;
    }
    int64_t total = v.at("seeds").as_int64();
    for (const json::value& row : v.at("generations").as_array()) {
      EXPECT_GE(row.at("total").as_int64(), total);
      total = row.at("total").as_int64();
    }
    EXPECT_EQ(v.at("total").as_int64(), total);
  }
}

// Each refusal states the real limit, in the unit of the field the caller sent (referrals in
// people, not hundredths), whether the value is out of range, too large for an integer, or of the
// wrong kind.
TEST_F(DesignerApiTest, LimitMessagesStateTheRealLimits) {
  struct Case {
    const char* path;
    const char* body;
    const char* field;
    const char* message;
  };
  constexpr const char* kReferrals =
      "referrals must be a number between 0 and 1000 with at most two decimals";
  constexpr const char* kFan =
      "fan_bps must be a whole number of bps between 0 and 10000 (0%..100%)";
  constexpr const char* kFrequency =
      "frequency must be a number between 0 and 1000000 with at most two decimals";
  const Case cases[] = {
      {"/calc/fission", R"({"referrals":1001,"generations":1})", "referrals", kReferrals},
      {"/calc/fission", R"({"referrals":1000.01,"generations":1})", "referrals", kReferrals},
      {"/calc/fission", R"({"referrals":1e300,"generations":1})", "referrals", kReferrals},
      {"/calc/fission", R"({"referrals":-0.5,"generations":1})", "referrals", kReferrals},
      {"/calc/fission", R"({"referrals":3,"generations":101})", "generations",
       "generations must be a whole number between 1 and 100"},
      {"/calc/fission", R"({"referrals":3,"generations":1.5})", "generations",
       "generations must be a whole number between 1 and 100"},
      {"/calc/fission", R"({"referrals":3,"generations":1,"levels":1001})", "levels",
       "levels must be a whole number between 1 and 1000"},
      {"/calc/fission", R"({"referrals":3,"generations":1,"seeds":18446744073709551615})", "seeds",
       "seeds must be a whole number between 1 and 100000000000"},
      {"/calc/fission", R"({"referrals":3,"generations":1,"conversion_bps":4294977296})",
       "conversion_bps",
       "conversion_bps must be a whole number of bps between 0 and 10000 (0%..100%)"},
      {"/calc/fission", R"({"referrals":3,"generations":1,"market":-1})", "market",
       "market must be a whole number between 0 and 100000000000"},
      {"/calc/members", R"({"reach":100,"fan_bps":20000,"deal_bps":1,"member_bps":1})", "fan_bps",
       kFan},
      {"/calc/members", R"({"reach":100,"fan_bps":"30%","deal_bps":1,"member_bps":1})", "fan_bps",
       kFan},
      {"/calc/members", R"({"reach":1e12,"fan_bps":1,"deal_bps":1,"member_bps":1})", "reach",
       "reach must be a whole number between 0 and 100000000000"},
      {"/calc/lifetime", R"({"frequency":1000000.01,"lifetime":1,"ticket":100})", "frequency",
       kFrequency},
      {"/calc/lifetime", R"({"frequency":-1,"lifetime":1,"ticket":100})", "frequency", kFrequency},
      {"/calc/lifetime", R"({"frequency":4.125,"lifetime":1,"ticket":100})", "frequency",
       kFrequency},
      {"/calc/lifetime", R"({"frequency":4,"lifetime":1,"ticket":10000000001})", "ticket",
       "ticket must be a whole number of fen between 0 and 10000000000 (at most 100000000.00 "
       "yuan)"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto r = client_->Post(Url(c.path), c.body, staff_tokens_["sales"]);
    ASSERT_EQ(r.status, 400u) << r.body;
    EXPECT_EQ(r.Json().at("error").at("field"), c.field);
    EXPECT_EQ(std::string(r.Json().at("error").at("message").as_string()), c.message);
  }
}

TEST_F(DesignerApiTest, SimulationFromStartToReport) {
  auto start =
      client_->Post(Url("/simulations"), SimulationBody(kScenario), staff_tokens_["operator"]);
  ASSERT_EQ(start.status, 202u) << start.body;
  const int64_t id = start.Json().at("id").as_int64();
  const json::value st = WaitFor(id);
  ASSERT_EQ(st.at("state"), "done") << json::serialize(st);
  EXPECT_EQ(st.at("progress").at("day"), 30);
  EXPECT_EQ(st.at("progress").at("members"), 500);

  auto report = client_->Get(Url("/simulations/" + std::to_string(id) + "/report"), owner_token_);
  ASSERT_EQ(report.status, 200u);
  const json::value rep = report.Json();
  EXPECT_TRUE(rep.at("conservation").at("ok").as_bool());
  EXPECT_EQ(rep.at("plan"), "chain-2plus1-699");
  EXPECT_EQ(rep.at("summary").at("members"), 500);
  EXPECT_EQ(rep.at("ledger").at("sum"), 0);
  auto html =
      client_->Get(Url("/simulations/" + std::to_string(id) + "/report.html"), owner_token_);
  ASSERT_EQ(html.status, 200u);
  EXPECT_EQ(html.Header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(html.body.find("<svg"), std::string::npos);

  auto list = client_->Get(Url("/simulations"), owner_token_);
  ASSERT_EQ(list.status, 200u);
  EXPECT_EQ(list.Json().at("items").at(0).at("id"), id);
  EXPECT_EQ(list.Json().at("limits").at("max_members"), 200000);
  EXPECT_EQ(client_->Get(Url("/simulations/999"), owner_token_).status, 404u);
  EXPECT_EQ(client_->Get(Url("/simulations/x/report"), owner_token_).status, 404u);

  // The same scenario under a posted plan that sells no pkg699: refused, with the scenario's line.
  const std::string one_level = ReadText(std::string(GUANXI_SOURCE_DIR) + "/plans/one-level.toml");
  auto refused = client_->Post(
      Url("/simulations"),
      json::serialize(json::value{{"scenario", kScenario}, {"plan", one_level}}), owner_token_);
  ASSERT_EQ(refused.status, 400u) << refused.body;
  EXPECT_EQ(refused.Json().at("error").at("code"), "invalid_scenario");
  EXPECT_EQ(
      std::string(refused.Json().at("error").at("message").as_string()).rfind("scenario:11:", 0),
      0u)
      << refused.body;
}

// A merchant names a scenario in Chinese (issue #19): it runs, and its name comes back as written in
// the job list, the report and (escaped) the HTML report. Names that could break a page, a path or a
// quoted field are refused, naming the rule and the limit in characters.
TEST_F(DesignerApiTest, AScenarioNamedInChineseRuns) {
  std::string named = kScenario;
  named.replace(0, std::string_view("name = \"api\"").size(), "name = \"春节裂变\"");
  auto start = client_->Post(Url("/simulations"), SimulationBody(named), staff_tokens_["operator"]);
  ASSERT_EQ(start.status, 202u) << start.body;
  const int64_t id = start.Json().at("id").as_int64();
  const json::value st = WaitFor(id);
  ASSERT_EQ(st.at("state"), "done") << json::serialize(st);
  EXPECT_EQ(st.at("scenario"), "春节裂变");
  auto list = client_->Get(Url("/simulations"), owner_token_);
  EXPECT_EQ(list.Json().at("items").at(0).at("scenario"), "春节裂变");
  auto report = client_->Get(Url("/simulations/" + std::to_string(id) + "/report"), owner_token_);
  EXPECT_EQ(report.Json().at("scenario").at("name"), "春节裂变");
  auto html = client_->Get(Url("/simulations/" + std::to_string(id) + "/report.html"), owner_token_);
  EXPECT_NE(html.body.find("春节裂变"), std::string::npos);

  // 64 characters (192 bytes) is within the limit; 65 is not.
  std::string longest;
  for (int i = 0; i < limits::kScenarioNameMaxChars; ++i) longest += "裂";
  const std::string limit_message = "name has 1 to " + std::to_string(limits::kScenarioNameMaxChars) +
                                    " characters: letters and digits (any script), '.', '-', '_' and spaces";
  for (const std::string& bad : {longest + "变", std::string("a/b"), std::string("a\\\"b"), std::string("a\\u0007b"),
                                 std::string("<script>"), std::string("   ")}) {
    SCOPED_TRACE(bad);
    std::string toml = kScenario;
    toml.replace(0, std::string_view("name = \"api\"").size(), "name = \"" + bad + "\"");
    auto r = client_->Post(Url("/simulations"), SimulationBody(toml), owner_token_);
    ASSERT_EQ(r.status, 400u) << r.body;
    EXPECT_EQ(r.Json().at("error").at("code"), "invalid_scenario");
    EXPECT_EQ(std::string(r.Json().at("error").at("message").as_string()), "scenario:1: " + limit_message);
  }
  EXPECT_TRUE(sim::CheckScenarioName(longest));
  EXPECT_TRUE(sim::CheckScenarioName("Spring launch 2027_v1.2"));
}

TEST_F(DesignerApiTest, LimitsBoundWhatARequestMayRun) {
  std::string too_long = kScenario;
  too_long.replace(too_long.find("days = 30"), 9, "days = 731");
  auto r = client_->Post(Url("/simulations"), SimulationBody(too_long), owner_token_);
  ASSERT_EQ(r.status, 400u) << r.body;
  EXPECT_EQ(r.Json().at("error").at("code"), "scenario_too_large");
  auto missing = client_->Post(Url("/simulations"), "{}", owner_token_);
  ASSERT_EQ(missing.status, 400u);
  EXPECT_EQ(missing.Json().at("error").at("field"), "scenario");

  // A long run (200,000 members over two years) is running: a second start is refused with 429, and
  // its report is not there yet. Stopping the server cancels it.
  std::string big = kScenario;
  big.replace(big.find("days = 30"), 9, "days = 730");
  big.replace(big.find("max_members = 500"), 17, "max_members = 200000");
  auto first = client_->Post(Url("/simulations"), SimulationBody(big), owner_token_);
  ASSERT_EQ(first.status, 202u) << first.body;
  auto second =
      client_->Post(Url("/simulations"), SimulationBody(kScenario), staff_tokens_["operator"]);
  ASSERT_EQ(second.status, 429u) << second.body;
  EXPECT_EQ(second.Json().at("error").at("code"), "too_many_simulations");
  auto early = client_->Get(
      Url("/simulations/" + std::to_string(first.Json().at("id").as_int64()) + "/report"),
      owner_token_);
  EXPECT_EQ(early.status, 409u);
  EXPECT_EQ(early.Json().at("error").at("code"), "no_report");
}

}  // namespace
}  // namespace guanxi::test
