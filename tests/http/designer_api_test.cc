// The designer's staff routes on the real server: lint of the shop's plan and of a posted one, the
// calculators, and a simulation from start to report (JSON and HTML), with the limits that keep one
// request from exhausting the machine.
#include <chrono>
#include <thread>

#include "http/api_fixture.h"

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
