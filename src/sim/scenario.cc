// Reads the scenario format of docs/designer.md with the plan reader's strict helpers
// (plan/toml_reader.h): unknown keys, floats for rates and names the plan lacks are refused with
// their line.
#include "sim/scenario.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

#include "plan/toml_reader.h"

namespace guanxi::sim {
namespace {

using plan::toml_reader::CheckKeys;
using plan::toml_reader::Field;
using plan::toml_reader::OptionalInt;
using plan::toml_reader::OptionalString;
using plan::toml_reader::Quoted;
using plan::toml_reader::ReadInt;
using plan::toml_reader::ReadString;
using plan::toml_reader::Refusal;
using plan::toml_reader::Refuse;
using plan::toml_reader::Require;
using plan::toml_reader::RequireString;
using plan::toml_reader::TablesOf;
using plan::toml_reader::Unit;

constexpr int64_t kWhole = core::kWholeBps;

class ScenarioReader {
 public:
  ScenarioReader(const toml::table& root, const core::Plan& plan) : root_(root), plan_(plan) {}

  Scenario Read() {
    CheckKeys(root_,
              {"name", "days", "seed", "max_members", "start", "invite", "package", "repurchase",
               "identity", "orders", "churn"},
              "the top level");
    s_.name = RequireString(root_, "name", "the scenario");
    if (core::Status ok = CheckScenarioName(s_.name); !ok) Refuse(*root_.get("name"), ok.error().message);
    s_.days = static_cast<uint32_t>(
        ReadInt(Require(root_, "days", "the scenario"), "days", Unit::kCount, 1, kMaxScenarioDays));
    const std::optional<int64_t> seed = OptionalInt(root_, "seed", "the scenario", Unit::kCount, 0,
                                                    std::numeric_limits<int64_t>::max());
    s_.seed = static_cast<uint64_t>(seed.value_or(1));
    s_.max_members =
        static_cast<uint32_t>(ReadInt(Require(root_, "max_members", "the scenario"), "max_members",
                                      Unit::kCount, 1, kMaxScenarioMembers));
    ReadStart();
    ReadInvite();
    ReadPackage();
    ReadRepurchase();
    ReadIdentity();
    ReadOrders();
    ReadChurn();
    return std::move(s_);
  }

 private:
  // A [table] of the top level; an empty table stands in when it is absent and optional.
  const toml::table& Section(std::string_view key, bool required) {
    const toml::node* n = root_.get(key);
    if (n == nullptr) {
      if (required) Refuse(root_, "[" + std::string(key) + "] is required");
      return empty_;
    }
    if (!n->is_table())
      Refuse(*n, std::string(key) + " must be a table, written [" + std::string(key) + "]");
    return *n->as_table();
  }

  std::string Sku(const toml::table& t, std::string_view key, const std::string& where) {
    const std::string sku = RequireString(t, key, where);
    const bool declared = std::any_of(plan_.products.begin(), plan_.products.end(),
                                      [&](const core::Product& p) { return p.sku == sku; });
    if (!declared) {
      Refuse(*t.get(key), Field(where, key) + " names " + Quoted(sku) + ", which plan " +
                              Quoted(plan_.name) + " does not declare in [[products]]");
    }
    return sku;
  }

  core::Bps Bps(const toml::table& t, std::string_view key, const std::string& where, bool required,
                core::Bps fallback = 0) {
    if (required) {
      return static_cast<core::Bps>(
          ReadInt(Require(t, key, where), Field(where, key), Unit::kBps, 0, kWhole));
    }
    return static_cast<core::Bps>(
        OptionalInt(t, key, where, Unit::kBps, 0, kWhole).value_or(fallback));
  }

  uint32_t Days(const toml::table& t, std::string_view key, const std::string& where,
                uint32_t fallback) {
    return static_cast<uint32_t>(
        OptionalInt(t, key, where, Unit::kCount, 0, kMaxScenarioDays).value_or(fallback));
  }

  void ReadStart() {
    const toml::table& t = Section("start", false);
    CheckKeys(t, {"members", "buy_bps"}, "[start]");
    s_.start_members = static_cast<uint32_t>(
        OptionalInt(t, "members", "[start]", Unit::kCount, 1, s_.max_members).value_or(1));
    s_.start_buy_bps = Bps(t, "buy_bps", "[start]", false, core::kWholeBps);
  }

  void ReadInvite() {
    const toml::table& t = Section("invite", true);
    CheckKeys(t, {"who", "daily_bps", "invitees"}, "[invite]");
    if (std::optional<std::string> who = OptionalString(t, "who", "[invite]")) {
      if (*who != "buyers" && *who != "everyone") {
        Refuse(*t.get("who"),
               "[invite]: who must be \"buyers\" (package buyers share) or \"everyone\", not " +
                   Quoted(*who));
      }
      s_.everyone_shares = *who == "everyone";
    }
    s_.invite_daily_bps = Bps(t, "daily_bps", "[invite]", true);
    if (const toml::node* n = t.get("invitees")) {
      if (const toml::array* a = n->as_array()) {
        if (a->size() != 2) Refuse(*n, "[invite]: invitees is one number or a range [min, max]");
        s_.invitees_min = static_cast<uint32_t>(
            ReadInt(*a->get(0), "[invite]: invitees min", Unit::kCount, 1, kMaxInvitees));
        s_.invitees_max = static_cast<uint32_t>(
            ReadInt(*a->get(1), "[invite]: invitees max", Unit::kCount, 1, kMaxInvitees));
        if (s_.invitees_max < s_.invitees_min) {
          Refuse(*n, "[invite]: invitees [" + std::to_string(s_.invitees_min) + ", " +
                         std::to_string(s_.invitees_max) + "] has its maximum below its minimum");
        }
      } else {
        s_.invitees_min = s_.invitees_max =
            static_cast<uint32_t>(ReadInt(*n, "[invite]: invitees", Unit::kCount, 1, kMaxInvitees));
      }
    }
  }

  void ReadPackage() {
    const toml::table& t = Section("package", true);
    CheckKeys(t, {"sku", "buy_bps", "within_days"}, "[package]");
    s_.package_sku = Sku(t, "sku", "[package]");
    s_.package_buy_bps = Bps(t, "buy_bps", "[package]", true);
    s_.package_within_days = Days(t, "within_days", "[package]", 0);
  }

  void ReadRepurchase() {
    if (root_.get("repurchase") == nullptr) return;
    const toml::table& t = Section("repurchase", false);
    CheckKeys(t, {"sku", "daily_bps"}, "[repurchase]");
    s_.repurchase_sku = Sku(t, "sku", "[repurchase]");
    s_.repurchase_daily_bps = Bps(t, "daily_bps", "[repurchase]", true);
  }

  void ReadIdentity() {
    for (const toml::table* t : TablesOf(root_, "identity", "identity")) {
      const std::string where = "[[identity]]";
      CheckKeys(*t, {"sku", "rank", "uptake_bps", "within_days"}, where);
      IdentityOffer offer;
      offer.sku = Sku(*t, "sku", where);
      const toml::node& rank = Require(*t, "rank", where);
      const std::string rank_name = ReadString(rank, Field(where, "rank"));
      const std::optional<core::RankId> r = plan_.FindRank(rank_name);
      if (!r) {
        std::string ranks;
        for (const core::RankDef& d : plan_.ranks) ranks += (ranks.empty() ? "" : ", ") + d.name;
        Refuse(rank, Field(where, "rank") + " names no rank of plan " + Quoted(plan_.name) + ": " +
                         Quoted(rank_name) + " (ranks: " + ranks + ")");
      }
      offer.rank = *r;
      offer.uptake_bps = Bps(*t, "uptake_bps", where, true);
      offer.within_days = Days(*t, "within_days", where, 0);
      s_.identity.push_back(std::move(offer));
    }
  }

  void ReadOrders() {
    const toml::table& t = Section("orders", false);
    CheckKeys(t, {"refund_bps", "settle_after_days"}, "[orders]");
    s_.refund_bps = Bps(t, "refund_bps", "[orders]", false);
    s_.settle_after_days = static_cast<uint32_t>(
        OptionalInt(t, "settle_after_days", "[orders]", Unit::kCount, 1, kMaxScenarioDays)
            .value_or(15));
  }

  void ReadChurn() {
    const toml::table& t = Section("churn", false);
    CheckKeys(t, {"daily_bps"}, "[churn]");
    s_.churn_daily_bps = Bps(t, "daily_bps", "[churn]", false);
  }

  const toml::table& root_;
  const core::Plan& plan_;
  const toml::table empty_;
  Scenario s_;
};

}  // namespace

namespace {

// The next code point of UTF-8 text at `i` (advancing it), or -1 when the bytes are not well-formed
// UTF-8 (toml++ has checked them already; kept strict all the same).
int32_t NextCodePoint(std::string_view s, size_t& i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || i + static_cast<size_t>(len) > s.size()) return -1;
  int32_t cp = len == 1 ? c : c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const unsigned char cc = b(i + static_cast<size_t>(k));
    if ((cc & 0xC0) != 0x80) return -1;
    cp = (cp << 6) | (cc & 0x3F);
  }
  i += static_cast<size_t>(len);
  return cp;
}

// Letters and digits of any script, approximated without a Unicode database: every code point from
// U+00C0 on, but for the blocks that hold punctuation, symbols, spaces, format and control
// characters, private use and emoji. ASCII is allowed exactly ([A-Za-z0-9], '.', '-', '_', ' ').
bool NameCodePoint(int32_t cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '.' ||
           cp == '-' || cp == '_' || cp == ' ';
  }
  struct Range {
    int32_t first, last;
  };
  static constexpr Range kRefused[] = {
      {0x0080, 0x00BF},    // C1 controls, Latin-1 punctuation and symbols
      {0x00D7, 0x00D7},    // ×
      {0x00F7, 0x00F7},    // ÷
      {0x2000, 0x2BFF},    // spaces, format characters (bidi, zero width), punctuation, symbols, arrows
      {0x3000, 0x3004},    // ideographic space and punctuation (、。〃〄)
      {0x3008, 0x3020},    // brackets and marks (《》「」【】〜)
      {0x3030, 0x3030},    // 〰
      {0xD800, 0xF8FF},    // surrogates, private use
      {0xFE00, 0xFE6F},    // variation selectors, vertical and small forms
      {0xFEFF, 0xFEFF},    // byte order mark
      {0xFF00, 0xFF0F},    // full-width punctuation (！＂＃…／)
      {0xFF1A, 0xFF20},    // ：；＜＝＞？＠
      {0xFF3B, 0xFF40},    // ［＼］＾＿｀
      {0xFF5B, 0xFF65},    // ｛｜｝～ and half-width punctuation
      {0xFFF0, 0xFFFF},    // specials
      {0x1F000, 0x1FAFF},  // emoji and pictographs
      {0xE0000, 0x10FFFF}, // tags, private use
  };
  for (const Range& r : kRefused) {
    if (cp >= r.first && cp <= r.last) return false;
  }
  return true;
}

}  // namespace

core::Status CheckScenarioName(std::string_view name) {
  const std::string limit = "name has 1 to " + std::to_string(limits::kScenarioNameMaxChars) +
                            " characters: letters and digits (any script), '.', '-', '_' and spaces";
  int64_t chars = 0;
  bool blank = true;
  for (size_t i = 0; i < name.size(); ++chars) {
    const int32_t cp = NextCodePoint(name, i);
    if (cp < 0 || !NameCodePoint(cp)) {
      return core::MakeError("invalid_scenario_name", limit, "name");
    }
    blank = blank && cp == ' ';
  }
  if (blank || chars > limits::kScenarioNameMaxChars) return core::MakeError("invalid_scenario_name", limit, "name");
  return core::Ok{};
}

core::Result<Scenario> ParseScenario(std::string_view toml_text, std::string_view source_name,
                                     const core::Plan& plan) {
  core::Result<toml::table> parsed =
      plan::toml_reader::ParseText(toml_text, source_name, "invalid_scenario");
  if (!parsed) return parsed.error();
  try {
    return ScenarioReader(*parsed, plan).Read();
  } catch (const Refusal& refusal) {
    return plan::toml_reader::RefusalError("invalid_scenario", source_name, refusal.line,
                                           refusal.reason);
  }
}

core::Result<Scenario> LoadScenarioFile(const std::string& path, const core::Plan& plan) {
  core::Result<std::string> text =
      plan::toml_reader::ReadTextFile(path, "scenario_unreadable", "scenario file");
  if (!text) return text.error();
  return ParseScenario(*text, path, plan);
}

}  // namespace guanxi::sim
