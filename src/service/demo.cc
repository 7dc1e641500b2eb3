#include "service/demo.h"

#include "service/api.h"
#include "service/crypto.h"

namespace guanxi::service {

namespace json = boost::json;

Reply SeedDemo(Shop& shop, const Caller& owner) {
  Reply has = shop.ReadSync([](ReadCtx& c) { return Reply(json::value(c.engine.member_count())); });
  if (has.value().as_uint64() > 0) return json::value{{"members", json::array()}, {"products", 0}};

  struct P {
    const char* sku;
    const char* name;
    int64_t price;
    int64_t stock;
    const char* member_price_rank;
    int64_t member_price;
  };
  static constexpr P kProducts[] = {
      {"pkg699", "699 会员礼包", 69900, 10000, nullptr, 0},
      {"pkg499", "499 体验礼包", 49900, 10000, nullptr, 0},
      {"id999", "区域经销商身份包", 99900, 1000, nullptr, 0},
      {"id1980", "市级经销商身份包", 198000, 1000, nullptr, 0},
      {"id5000", "省级经销商身份包", 500000, 1000, nullptr, 0},
      {"tea-longjing", "明前龙井 250g", 16800, 500, "member", 14800},
      {"honey-acacia", "洋槐蜂蜜 500g", 6800, 800, "member", 5800},
      {"rice-wuchang", "五常大米 5kg", 9900, 300, "partner", 7900},
  };
  int products = 0;
  for (const P& p : kProducts) {
    ProductReq r;
    r.sku = p.sku;
    r.name = p.name;
    r.price = p.price;
    r.stock = p.stock;
    if (p.member_price_rank != nullptr) r.member_prices[p.member_price_rank] = p.member_price;
    r.description = "demo product";
    Reply done = shop.WriteSync([&](Tx& tx) { return CreateProduct(tx, owner, r); });
    if (!done) return done;
    ++products;
  }

  // name, referrer index (-1: none), what it buys
  struct M {
    const char* phone;
    int referrer;
    const char* buys;
  };
  static constexpr M kMembers[] = {
      {"13800000001", -1, nullptr},     // L: made a partner by the operator
      {"13800000002", 0, "pkg699"},     // A
      {"13800000003", 1, "pkg699"},     // B
      {"13800000004", 1, "pkg699"},     // C
      {"13800000005", 1, "pkg699"},     // D
      {"13800000006", 2, "pkg699"},     // E
      {"13800000007", 2, "tea-longjing"},  // a fan of B who bought tea
      {"13800000008", 5, nullptr},      // a fan of E who has not bought yet
  };
  json::array out;
  std::vector<Caller> callers;
  std::vector<std::string> codes;
  for (const M& m : kMembers) {
    RegisterReq r;
    r.phone = m.phone;
    const std::string password = std::string("demo-") + (m.phone + 7);
    r.password_hash = HashPassword(password, PasswordCost::Fast());
    r.channel = "demo";
    if (m.referrer >= 0) r.invite_code = codes[static_cast<size_t>(m.referrer)];
    Reply reg = shop.WriteSync([&](Tx& tx) { return Register(tx, r); });
    if (!reg) return reg;
    const Caller c{reg.value().at("account").as_int64(), "member", reg.value().at("member").at("id").as_int64()};
    Reply me = shop.ReadSync([&](ReadCtx& ctx) { return Me(ctx, c); });
    if (!me) return me;
    codes.emplace_back(me.value().at("member").at("invite_code").as_string());
    callers.push_back(c);
    out.push_back({{"phone", m.phone}, {"password", password}, {"id", c.member}});
    if (callers.size() == 1) {
      Reply rank = shop.WriteSync([&](Tx& tx) { return SetRank(tx, owner, c.member, "partner", "演示：首位会员是合伙人"); });
      if (!rank) return rank;
    }
  }
  for (size_t i = 0; i < std::size(kMembers); ++i) {
    if (kMembers[i].buys == nullptr) continue;
    CreateOrderReq req;
    req.items.push_back({kMembers[i].buys, 1});
    const Caller& buyer = callers[i];
    Reply order = shop.WriteSync([&](Tx& tx) { return CreateOrder(tx, buyer, req); });
    if (!order) return order;
    const int64_t id = order.value().at("id").as_int64();
    Reply intent = shop.WriteSync([&](Tx& tx) { return CreatePayment(tx, buyer, id, "sandbox"); });
    if (!intent) return intent;
    const std::string pi(intent.value().at("intent").as_string());
    const int64_t amount = intent.value().at("amount").as_int64();
    Reply paid = shop.WriteSync([&](Tx& tx) {
      return ApplyPaymentNotification(tx, "sandbox", pi, "demo-" + std::to_string(id), amount);
    });
    if (!paid) return paid;
  }
  return json::value{{"members", std::move(out)}, {"products", products}};
}

}  // namespace guanxi::service
