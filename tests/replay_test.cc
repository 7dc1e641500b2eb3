// Refused commands: each case replays a few good lines, then one the engine or the replay must refuse;
// the refusal names the line and the reason, and the document is exactly what it was before the line.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/replay.h"
#include "plan/plan_file.h"

namespace {

namespace json = boost::json;

struct Case {
  const char* name;
  const char* plan;
  const char* setup;    // lines applied first, all accepted
  const char* refused;  // the line that must be refused
  const char* code;
  const char* field;
};

constexpr const char* kChain = "chain-2plus1-699";
constexpr const char* kTwoLevel = "two-level";

constexpr const char* kBought = R"({"cmd":"join","member":"A"}
{"cmd":"join","member":"B","referrer":"A"}
{"cmd":"order","order":"o1","member":"B","sku":"pkg699","qty":1}
)";

constexpr Case kCases[] = {
    {"self referral", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"join","member":"B","referrer":"B"})",
     "self_referral", "referrer"},
    {"unknown referrer", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"join","member":"B","referrer":"Z"})",
     "unknown_member", "referrer"},
    {"joined twice", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"join","member":"A"})",
     "duplicate_member", "member"},
    {"rebind a member who bought", kChain, kBought, R"({"cmd":"rebind","member":"B","referrer":null})", "not_a_fan",
     "member"},
    {"rebind a fan with directs", kChain,
     R"({"cmd":"join","member":"A"}
{"cmd":"join","member":"F"}
{"cmd":"join","member":"G","referrer":"F"})",
     R"({"cmd":"rebind","member":"F","referrer":"A"})", "has_directs", "member"},
    {"rebind under itself", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"rebind","member":"A","referrer":"A"})",
     "self_referral", "referrer"},
    {"rebind to the same referrer", kChain, kBought, R"({"cmd":"rebind","member":"A","referrer":null})",
     "same_referrer", "referrer"},
    {"rebind under an unknown member", kChain, kBought, R"({"cmd":"rebind","member":"A","referrer":"Z"})",
     "unknown_member", "referrer"},
    {"duplicate order id", kChain, kBought, R"({"cmd":"order","order":"o1","member":"A","sku":"pkg699"})",
     "duplicate_order", "order"},
    {"order by unknown member", kChain, kBought, R"({"cmd":"order","order":"o2","member":"Q","sku":"pkg699"})",
     "unknown_member", "member"},
    {"unknown sku", kChain, kBought, R"({"cmd":"order","order":"o2","member":"A","sku":"nope"})", "unknown_product",
     "sku"},
    {"zero quantity", kChain, kBought, R"({"cmd":"order","order":"o2","member":"A","sku":"pkg699","qty":0})",
     "invalid_qty", "qty"},
    {"negative price", kChain, kBought,
     R"({"cmd":"order","order":"o2","member":"A","sku":"pkg699","qty":1,"price":-1})", "invalid_price", "price"},
    {"float amount", kChain, kBought, R"({"cmd":"product","sku":"tea","price":99.5})", "malformed", "price"},
    {"refund of unknown order", kChain, kBought, R"({"cmd":"refund","order":"o9"})", "unknown_order", "order"},
    {"refund twice", kChain,
     R"({"cmd":"join","member":"A"}
{"cmd":"join","member":"B","referrer":"A"}
{"cmd":"order","order":"o1","member":"B","sku":"pkg699","qty":1}
{"cmd":"refund","order":"o1"})",
     R"({"cmd":"refund","order":"o1"})", "order_refunded", "order"},
    {"settle a refunded order", kChain,
     R"({"cmd":"join","member":"A"}
{"cmd":"order","order":"o1","member":"A","sku":"pkg699","qty":1}
{"cmd":"refund","order":"o1"})",
     R"({"cmd":"settle","order":"o1"})", "order_refunded", "order"},
    {"settle twice", kChain,
     R"({"cmd":"join","member":"A"}
{"cmd":"order","order":"o1","member":"A","sku":"pkg699","qty":1}
{"cmd":"settle","order":"o1"})",
     R"({"cmd":"settle","order":"o1"})", "order_settled", "order"},
    {"withdraw beyond available", kTwoLevel,
     R"({"cmd":"join","member":"A"}
{"cmd":"join","member":"B","referrer":"A"}
{"cmd":"order","order":"o1","member":"B","sku":"tea","qty":1}
{"cmd":"settle","order":"o1"})",
     R"({"cmd":"withdraw","id":"w1","member":"A","amount":991})", "insufficient_balance", "amount"},
    {"withdraw pending money", kTwoLevel,
     R"({"cmd":"join","member":"A"}
{"cmd":"join","member":"B","referrer":"A"}
{"cmd":"order","order":"o1","member":"B","sku":"tea","qty":1})",
     R"({"cmd":"withdraw","id":"w1","member":"A","amount":1})", "insufficient_balance", "amount"},
    {"withdraw zero", kTwoLevel, R"({"cmd":"join","member":"A"})",
     R"({"cmd":"withdraw","id":"w1","member":"A","amount":0})", "invalid_amount", "amount"},
    {"withdrawal paid twice", kTwoLevel,
     R"({"cmd":"join","member":"A"}
{"cmd":"join","member":"B","referrer":"A"}
{"cmd":"order","order":"o1","member":"B","sku":"tea","qty":1}
{"cmd":"settle","order":"o1"}
{"cmd":"withdraw","id":"w1","member":"A","amount":990}
{"cmd":"withdraw_paid","id":"w1"})",
     R"({"cmd":"withdraw_paid","id":"w1"})", "withdrawal_closed", "id"},
    {"unknown withdrawal", kTwoLevel, R"({"cmd":"join","member":"A"})", R"({"cmd":"withdraw_rejected","id":"w7"})",
     "unknown_withdrawal", "id"},
    {"unknown rank", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"set_rank","member":"A","rank":"king"})",
     "unknown_rank", "rank"},
    {"unknown command", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"teleport","member":"A"})",
     "unknown_command", "cmd"},
    {"unknown field", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"join","member":"B","referer":"A"})",
     "malformed", "referer"},
    {"not JSON", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"join", member: B})", "malformed", ""},
    {"missing member", kChain, R"({"cmd":"join","member":"A"})", R"({"cmd":"join"})", "malformed", "member"},
};

TEST(ReplayTest, RefusedLinesNameTheReasonAndChangeNothing) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    auto plan = guanxi::plan::LoadPlanFile(std::string(GUANXI_SOURCE_DIR) + "/plans/" + c.plan + ".toml");
    ASSERT_TRUE(plan.ok()) << plan.error().message;
    guanxi::cli::Replay replay(*plan);
    std::istringstream setup(c.setup);
    std::string line;
    size_t n = 0;
    while (std::getline(setup, line)) {
      auto s = replay.Apply(line, ++n);
      ASSERT_TRUE(s.ok()) << line << ": " << s.error().message;
    }
    const std::string before = json::serialize(replay.Output(true));
    auto s = replay.Apply(c.refused, ++n);
    ASSERT_FALSE(s.ok()) << c.refused << " was accepted";
    EXPECT_EQ(s.error().code, c.code);
    EXPECT_EQ(s.error().field, c.field);
    EXPECT_FALSE(s.error().message.empty());
    EXPECT_EQ(json::serialize(replay.Output(true)), before);
  }
}

// The stream stops at the refused line and reports it; lines after it are not applied.
TEST(ReplayTest, StreamStopsAtTheRefusedLine) {
  auto plan = guanxi::plan::LoadPlanFile(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
  ASSERT_TRUE(plan.ok());
  std::istringstream in(std::string(kBought) + "\n" + R"({"cmd":"refund","order":"o1"}
{"cmd":"refund","order":"o1"}
{"cmd":"join","member":"C"})");
  const guanxi::cli::ReplayOutcome got = guanxi::cli::ReplayStream(*plan, in, false);
  EXPECT_FALSE(got.ok);
  EXPECT_EQ(got.line, 6u);  // the blank line 4 is counted
  EXPECT_EQ(got.error.code, "order_refunded");
  EXPECT_EQ(got.output.at("counts").at("members").as_uint64(), 2u);
}

// The explanation a member reads, word for word, for the reward in the issue's example: in Chinese
// (the default) and in English, people named as the caller names them, amounts in yuan.
TEST(ReplayTest, EffectsExplainTheReward) {
  auto plan = guanxi::plan::LoadPlanFile(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
  ASSERT_TRUE(plan.ok());
  const char* commands = R"({"cmd":"join","member":"A"}
{"cmd":"order","order":"oA","member":"A","sku":"pkg699"}
{"cmd":"join","member":"B","referrer":"A"}
{"cmd":"order","order":"oB","member":"B","sku":"pkg699"}
{"cmd":"join","member":"C","referrer":"A"}
{"cmd":"order","order":"oC","member":"C","sku":"pkg699"}
{"cmd":"join","member":"D","referrer":"A"}
{"cmd":"order","order":"oD","member":"D","sku":"pkg699"}
{"cmd":"settle","order":"oD"})";
  const auto texts = [&](guanxi::i18n::Lang lang) {
    std::istringstream in(commands);
    const guanxi::cli::ReplayOutcome got = guanxi::cli::ReplayStream(*plan, in, true, lang);
    EXPECT_TRUE(got.ok);
    std::vector<std::string> out;
    for (const json::value& e : got.output.at("effects").as_array()) {
      if (e.at("line").as_uint64() >= 8) out.emplace_back(e.at("text").as_string());
    }
    return out;
  };
  const std::vector<std::string> zh = {
      "D购买 1 件「pkg699」，实付 ¥699.00",
      "D成为会员：A的第 3 位直推；团队长A",
      "D购买 1 件「pkg699」；作为D的推荐人（合伙人）：直推奖 ¥300.00",
      "D购买 1 件「pkg699」；作为D的团队长（合伙人）：见点奖 ¥100.00",
      "D购买 1 件「pkg699」：¥10.00 进入「区域经销商 VIP1」奖池",
      "D购买 1 件「pkg699」：¥10.00 进入「市级经销商 VIP2」奖池",
      "D购买 1 件「pkg699」：¥10.00 进入「省级经销商 VIP3」奖池",
      "D晋升为会员体验官（原为粉丝）",
      "订单 oD 已结算：直推奖 ¥240.00 转为可提现",
      "订单 oD 已结算：直推奖中的 ¥60.00 由帮扶基金冻结，解锁后可提现",
      "订单 oD 已结算：见点奖 ¥100.00 转为可提现",
  };
  EXPECT_EQ(texts(guanxi::i18n::Lang::kZh), zh);
  const std::vector<std::string> en = {
      "D bought 1 × pkg699 and paid ¥699.00",
      "D became a member: position 3 among the directs of A; leader A",
      "D bought 1 × pkg699; as the referrer of D (partner): Direct ¥300.00",
      "D bought 1 × pkg699; as the leader of D (partner): Team point ¥100.00",
      "D bought 1 × pkg699: ¥10.00 to the district pool",
      "D bought 1 × pkg699: ¥10.00 to the city pool",
      "D bought 1 × pkg699: ¥10.00 to the province pool",
      "D became member (was fan)",
      "order oD settled: Direct ¥240.00 now available",
      "order oD settled: ¥60.00 of the Direct frozen by the assistance fund until it unlocks",
      "order oD settled: Team point ¥100.00 now available",
  };
  EXPECT_EQ(texts(guanxi::i18n::Lang::kEn), en);
}

}  // namespace
