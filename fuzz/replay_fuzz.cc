// Fuzz target: bytes as replay command lines (docs/replay.md) applied to a fresh engine by
// cli::Replay. A first line "plan=NAME" picks one of plans/*.toml (default chain-2plus1-699). Every
// line is applied, refused ones included, and checked: a refused line changes nothing (the document
// is the same before and after), and at the end the document's balances sum to zero.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "cli/replay.h"
#include "fuzz_support.h"
#include "plan/plan_file.h"
#include "replay_check.h"

namespace {

namespace json = boost::json;
using guanxi::fuzz::Check;

std::map<std::string, guanxi::core::Plan>* g_plans = nullptr;

// Comparing whole documents after each refusal is O(members); past this the check is skipped.
constexpr size_t kCompareUpToMembers = 16;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  g_plans = new std::map<std::string, guanxi::core::Plan>();
  for (const char* name : {"chain-2plus1-699", "one-level", "two-level", "two-level-promoters", "unilevel-3"}) {
    auto plan = guanxi::plan::ParsePlan(guanxi::fuzz::SourceFile(std::string("plans/") + name + ".toml"), name);
    if (!plan) guanxi::fuzz::Fail("a shipped plan does not parse: " + plan.error().message);
    g_plans->emplace(name, std::move(*plan));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::string plan_name = "chain-2plus1-699";
  if (text.starts_with("plan=")) {
    const size_t eol = text.find('\n');
    plan_name = std::string(text.substr(5, eol == std::string_view::npos ? std::string_view::npos : eol - 5));
    auto it = g_plans->find(plan_name);
    if (it == g_plans->end()) return 0;
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
  }
  guanxi::cli::Replay replay(g_plans->at(plan_name));
  size_t line = 1;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view command = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    ++line;
    if (command.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const bool compare = replay.engine().member_count() <= kCompareUpToMembers;
    const json::object before = compare ? replay.Output(false) : json::object();
    const guanxi::core::Status applied = replay.Apply(command, line);
    if (!applied.ok()) {
      Check(!applied.error().code.empty() && !applied.error().message.empty(), "a refusal without a code or message");
      if (compare) {
        Check(replay.Output(false) == before,
              "a refused line changed the state: " + applied.error().code + ": " + std::string(command));
      }
    }
  }
  const json::object out = replay.Output(true);
  guanxi::fuzz::CheckDocumentBalances(out);
  // What `guanxi replay` prints must be JSON that reads back as the same document.
  Check(json::parse(guanxi::cli::PrettyJson(out)) == out, "the printed document does not read back");
  return 0;
}
