// Scenario files: tests/scenarios/NAME.jsonl (replay commands) beside NAME.expected.json (what must hold
// afterwards). The expected document names its plan ("plan": "chain-2plus1-699" → plans/<plan>.toml)
// and lists only what the scenario is about: every key it has must be in the output with the same value
// (objects are compared key by key, arrays and numbers exactly). An "error": {"line", "code"} entry says
// the replay must stop at that line with that code. Every scenario runs in both effect modes.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "cli/replay.h"
#include "plan/plan_file.h"
#include "service/journal.h"
#include "store/schema.h"
#include "support/test_store.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kScenarios = fs::path(GUANXI_SOURCE_DIR) / "tests" / "scenarios";

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Collects "path: expected X, got Y" for every expected value the actual document does not have.
void Compare(const json::value& expected, const json::value& actual, const std::string& path,
             std::vector<std::string>& diffs) {
  if (expected.is_object()) {
    if (!actual.is_object()) {
      diffs.push_back(path + ": expected an object, got " + json::serialize(actual));
      return;
    }
    for (const auto& kv : expected.as_object()) {
      const std::string sub = path + "." + std::string(kv.key());
      const json::value* a = actual.as_object().if_contains(kv.key());
      if (a == nullptr) {
        diffs.push_back(sub + ": missing");
        continue;
      }
      Compare(kv.value(), *a, sub, diffs);
    }
    return;
  }
  if (expected.is_array()) {
    if (!actual.is_array() || actual.as_array().size() != expected.as_array().size()) {
      diffs.push_back(path + ": expected " + json::serialize(expected) + ", got " + json::serialize(actual));
      return;
    }
    for (size_t i = 0; i < expected.as_array().size(); ++i) {
      Compare(expected.as_array()[i], actual.as_array()[i], path + "[" + std::to_string(i) + "]", diffs);
    }
    return;
  }
  if (expected != actual) {
    diffs.push_back(path + ": expected " + json::serialize(expected) + ", got " + json::serialize(actual));
  }
}

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kScenarios)) {
    if (entry.path().extension() == ".jsonl") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, MatchesExpected) {
  const fs::path commands = kScenarios / (GetParam() + ".jsonl");
  const fs::path expected_path = kScenarios / (GetParam() + ".expected.json");
  ASSERT_TRUE(fs::exists(expected_path)) << expected_path << " is missing";
  json::value expected = json::parse(ReadFile(expected_path));
  ASSERT_TRUE(expected.is_object());
  json::object& exp = expected.as_object();
  ASSERT_TRUE(exp.contains("plan")) << "the expected file names its plan";
  const std::string plan_path =
      std::string(GUANXI_SOURCE_DIR) + "/plans/" + std::string(exp.at("plan").as_string()) + ".toml";
  auto plan = guanxi::plan::LoadPlanFile(plan_path);
  ASSERT_TRUE(plan.ok()) << plan.error().message;

  json::value want_error;
  if (exp.contains("error")) {
    want_error = exp.at("error");
    exp.erase("error");
  }
  for (bool with_effects : {true, false}) {
    SCOPED_TRACE(with_effects ? "with effects" : "without effects");
    std::ifstream in(commands);
    guanxi::cli::ReplayOutcome got = guanxi::cli::ReplayStream(*plan, in, with_effects);
    if (want_error.is_object()) {
      ASSERT_FALSE(got.ok) << "the replay should have stopped at line " << json::serialize(want_error);
      EXPECT_EQ(static_cast<int64_t>(got.line), want_error.at("line").to_number<int64_t>());
      EXPECT_EQ(got.error.code, want_error.at("code").as_string());
    } else {
      ASSERT_TRUE(got.ok) << "line " << got.line << ": " << got.error.code << ": " << got.error.message;
    }
    EXPECT_EQ(got.output.at("ledger_sum").as_int64(), 0);
    json::value exp_view = exp;
    if (!with_effects) exp_view.as_object().erase("effects");
    std::vector<std::string> diffs;
    Compare(exp_view, got.output, "$", diffs);
    for (const std::string& d : diffs) ADD_FAILURE() << GetParam() << " " << d;
  }
}

// The same scenario journaled into a store (SQLite, or PostgreSQL as scenario_test's _pg run) as the
// service journals commands, then the engine rebuilt from the store as the service does at start: it
// must be the replay's engine, member for member and fen for fen.
TEST_P(ScenarioTest, TheStoreRebuildsTheSameEngine) {
  const fs::path commands = kScenarios / (GetParam() + ".jsonl");
  const json::value expected = json::parse(ReadFile(kScenarios / (GetParam() + ".expected.json")));
  const std::string plan_name(expected.at("plan").as_string());
  const std::string source = ReadFile(fs::path(GUANXI_SOURCE_DIR) / "plans" / (plan_name + ".toml"));
  auto plan = guanxi::plan::ParsePlan(source, plan_name);
  ASSERT_TRUE(plan.ok()) << plan.error().message;

  const fs::path dir = fs::temp_directory_path() / ("guanxi-scenario-" + std::to_string(::getpid()) + "-" + GetParam());
  fs::create_directories(dir);
  struct Cleanup {
    fs::path dir;
    ~Cleanup() { fs::remove_all(dir); }
  } cleanup{dir};
  auto db = guanxi::store::OpenWriter(guanxi::test::FreshStore(dir));
  db->BeginWrite();
  db->Prepare("INSERT INTO plans (version, name, source, uploaded_at) VALUES (1, ?, ?, 0)")
      .Bind(1, plan_name)
      .Bind(2, source)
      .Run();
  guanxi::cli::Replay replay(*plan);
  int64_t journaled = 0, next_effect = 1;
  replay.SetJournal([&](const guanxi::core::Command& c, const guanxi::core::Effects& effects) {
    guanxi::service::AppendCommand(*db, c, effects, 0, &next_effect);
    ++journaled;
  });
  std::ifstream in(commands);
  guanxi::cli::ReplayStream(replay, in, false);
  db->Commit();
  ASSERT_GT(journaled, 0);

  int64_t replayed = 0;
  const auto rebuilt = guanxi::service::RebuildEngine(*db, &replayed);
  EXPECT_EQ(replayed, journaled);
  const auto cmp = guanxi::service::CompareEngines(replay.engine(), *rebuilt, "the replay", "the store");
  for (const std::string& d : cmp.differences) ADD_FAILURE() << GetParam() << ": " << d;
  EXPECT_GT(cmp.accounts, 0);
}

INSTANTIATE_TEST_SUITE_P(Scenarios, ScenarioTest, ::testing::ValuesIn(ScenarioNames()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
