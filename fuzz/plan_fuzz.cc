// Fuzz target: bytes as a plan file (plan::ParsePlan). A refusal must be "invalid_plan" naming the
// file and line; a plan that parses is linted (sim::Lint, both options, JSON and text) and then runs
// a short fixed life on the real engine (cli::Replay): members join under each other and reach every
// rank, buy every product of the plan, get settled and refunded, a day closes, a withdrawal is asked
// for and paid. The engine must take any plan ParsePlan accepts: no crash, no undefined behaviour,
// and the ledger sums to zero after every line.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cli/replay.h"
#include "fuzz_support.h"
#include "plan/plan_file.h"
#include "replay_check.h"
#include "sim/lint.h"

namespace {

namespace json = boost::json;
using guanxi::fuzz::Check;

bool NamesTheLine(const std::string& message) {
  constexpr std::string_view kPrefix = "fuzz.toml:";
  if (!message.starts_with(kPrefix)) return false;
  size_t i = kPrefix.size();
  const size_t digits = i;
  while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
  return i > digits && i < message.size() && message[i] == ':';
}

// The fixed life, as replay lines built with boost::json (the plan's names may hold any character).
std::vector<std::string> Life(const guanxi::core::Plan& plan) {
  std::vector<std::string> lines;
  auto add = [&](json::object o) { lines.push_back(json::serialize(o)); };
  const char* people[] = {"A", "B", "C", "D", "E", "F"};
  const char* referrer[] = {nullptr, "A", "B", "A", "D", "B"};
  for (size_t i = 0; i < 6; ++i) {
    json::object j{{"cmd", "join"}, {"member", people[i]}};
    if (referrer[i] != nullptr) j["referrer"] = referrer[i];
    add(std::move(j));
  }
  // Every SKU the plan names, in a set so each is bought once; a product of its own when it is not
  // in the catalogue.
  std::set<std::string> skus;
  for (const auto& p : plan.products) skus.insert(p.sku);
  for (const auto& a : plan.activities) skus.insert(a.skus.begin(), a.skus.end());
  for (const auto& r : plan.ranks) skus.insert(r.buy_any.begin(), r.buy_any.end());
  skus.insert("fuzz-other");  // an all_products activity's
  size_t n = 0;
  for (const std::string& sku : skus) {
    if (++n > 12) break;
    add({{"cmd", "product"}, {"sku", sku}, {"price", 69900}});
  }
  // Ranks by an admin: B walks up every rank, A holds the top.
  for (const auto& r : plan.ranks) add({{"cmd", "set_rank"}, {"member", "B"}, {"rank", r.name}});
  if (!plan.ranks.empty()) add({{"cmd", "set_rank"}, {"member", "A"}, {"rank", plan.ranks.back().name}});
  int order = 0;
  n = 0;
  for (const std::string& sku : skus) {
    if (++n > 12) break;
    for (const char* buyer : {"C", "E", "F", "B"}) {
      add({{"cmd", "order"}, {"order", "o" + std::to_string(++order)}, {"member", buyer}, {"sku", sku}, {"qty", 3}});
    }
  }
  for (int o = 1; o <= order; ++o) {
    const std::string id = "o" + std::to_string(o);
    if (o % 3 == 0) add({{"cmd", "refund"}, {"order", id}});
    add({{"cmd", "settle"}, {"order", id}});
    if (o % 4 == 0) add({{"cmd", "refund"}, {"order", id}});
  }
  add({{"cmd", "close_day"}});
  add({{"cmd", "rebind"}, {"member", "F"}, {"referrer", "E"}});
  add({{"cmd", "withdraw"}, {"id", "w1"}, {"member", "A"}, {"amount", 1000}, {"fee", 10}});
  add({{"cmd", "withdraw_paid"}, {"id", "w1"}});
  add({{"cmd", "withdraw"}, {"id", "w2"}, {"member", "B"}, {"amount", 1000}});
  add({{"cmd", "withdraw_rejected"}, {"id", "w2"}});
  add({{"cmd", "close_day"}});
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto plan = guanxi::plan::ParsePlan(text, "fuzz.toml");
  if (!plan) {
    Check(plan.error().code == "invalid_plan", "a refusal with code " + plan.error().code);
    Check(NamesTheLine(plan.error().message), "a refusal that does not name the line: " + plan.error().message);
    return 0;
  }
  Check(plan->Validate().ok(), "ParsePlan returned a plan that fails Validate");
  for (bool wechat : {true, false}) {
    const guanxi::sim::LintReport report = guanxi::sim::Lint(*plan, guanxi::sim::LintOptions{wechat});
    const std::string lint_json = json::serialize(guanxi::sim::LintJson(report));
    Check(json::parse(lint_json).is_object(), "lint JSON is not an object");
    (void)guanxi::sim::LintText(report);
  }
  guanxi::cli::Replay replay(*plan);
  size_t line = 0;
  for (const std::string& command : Life(*plan)) {
    (void)replay.Apply(command, ++line);
    Check(replay.engine().ledger().Sum() == 0, "the ledger does not sum to zero after: " + command);
  }
  guanxi::fuzz::CheckDocumentBalances(replay.Output(true));
  return 0;
}
