#include "service/demo.h"

#include <algorithm>
#include <iterator>
#include <vector>

#include "service/api.h"
#include "service/crypto.h"

namespace guanxi::service {

namespace json = boost::json;

namespace {

constexpr int64_t kMinuteMs = 60'000;
constexpr int64_t kHourMs = 60 * kMinuteMs;
constexpr int64_t kDayMs = 24 * kHourMs;

// Puts the shop's clock back on its base when seeding ends, however it ends.
struct Unshift {
  ShiftedClock& clock;
  ~Unshift() { clock.Shift(0); }
};

// Pays an order through the sandbox provider as its notification would.
Reply PayInSandbox(Shop& shop, const Caller& buyer, int64_t order) {
  Reply intent = shop.WriteSync([&](Tx& tx) { return CreatePayment(tx, buyer, order, "sandbox"); });
  if (!intent) return intent;
  const std::string pi(intent.value().at("intent").as_string());
  const int64_t amount = intent.value().at("amount").as_int64();
  return shop.WriteSync([&](Tx& tx) {
    return ApplyPaymentNotification(tx, "sandbox", pi, "demo-" + std::to_string(order), amount);
  });
}

// Places and pays an order of one unit of `sku`; returns the order id.
core::Result<int64_t> BuyOne(Shop& shop, const Caller& buyer, const char* sku) {
  CreateOrderReq req;
  req.items.push_back({sku, 1});
  Reply order = shop.WriteSync([&](Tx& tx) { return CreateOrder(tx, buyer, req); });
  if (!order) return order.error();
  const int64_t id = order.value().at("id").as_int64();
  Reply paid = PayInSandbox(shop, buyer, id);
  if (!paid) return paid.error();
  return id;
}

}  // namespace

Reply SeedDemo(Shop& shop, const Caller& owner, ShiftedClock& clock) {
  Reply has = shop.ReadSync([](ReadCtx& c) { return Reply(json::value(c.engine.member_count())); });
  if (!has) return has;
  if (has.value().as_uint64() > 0) return json::value{{"members", json::array()}, {"products", 0}};

  // The history: it starts long enough ago that orders received a day after they were paid have
  // settled after the shop's return window, with a few days to spare.
  const Unshift unshift{clock};
  const int64_t today = clock.base().NowMs();
  const int64_t window_days = (shop.config().return_window_ms + kDayMs - 1) / kDayMs;
  const int64_t start = today - (window_days + 5) * kDayMs;
  clock.SetNow(start);

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

  // phone, referrer index (-1: none), what it bought at the start (nullptr: nothing)
  struct M {
    const char* phone;
    int referrer;
    const char* buys;
  };
  static constexpr M kMembers[] = {
      {"13800000001", -1, nullptr},     // L: made a partner by the operator
      {"13800000002", 0, "pkg699"},     // A: later the district dealer (buys id999 with three member legs)
      {"13800000003", 1, "pkg699"},     // B
      {"13800000004", 1, "pkg699"},     // C
      {"13800000005", 1, "pkg699"},     // D
      {"13800000006", 2, "pkg699"},     // E
      {"13800000007", 2, "tea-longjing"},  // a fan of B who bought tea (and asks for a refund of honey)
      {"13800000008", 5, nullptr},      // a fan of E who buys the package three days ago (still pending)
  };
  constexpr size_t kA = 1, kTea = 6, kLate = 7;
  json::array out;
  std::vector<Caller> callers;
  std::vector<std::string> codes;
  for (const M& m : kMembers) {
    clock.SetNow(start + static_cast<int64_t>(callers.size() + 1) * 10 * kMinuteMs);
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
      Reply rank =
          shop.WriteSync([&](Tx& tx) { return SetRank(tx, owner, c.member, "partner", "演示：首位会员是合伙人"); });
      if (!rank) return rank;
    }
  }

  // The first afternoon: the packages and the tea are bought and paid, then A buys the district
  // identity package (its three directs B, C, D are members: three legs).
  clock.SetNow(start + 3 * kHourMs);
  std::vector<std::pair<size_t, int64_t>> old_orders;  // buyer index, order
  for (size_t i = 0; i < std::size(kMembers); ++i) {
    if (kMembers[i].buys == nullptr) continue;
    auto id = BuyOne(shop, callers[i], kMembers[i].buys);
    if (!id) return id.error();
    old_orders.emplace_back(i, *id);
  }
  {
    auto id = BuyOne(shop, callers[kA], "id999");
    if (!id) return id.error();
    old_orders.emplace_back(kA, *id);
  }
  // Shipped that evening, received the next day: each settles after the return window.
  clock.SetNow(start + 8 * kHourMs);
  for (const auto& [buyer, order] : old_orders) {
    const int64_t o = order;
    Reply shipped = shop.WriteSync([&](Tx& tx) { return ShipOrder(tx, owner, o, "SF-DEMO-" + std::to_string(o)); });
    if (!shipped) return shipped;
  }
  clock.SetNow(start + kDayMs + 10 * kHourMs);
  for (const auto& [buyer, order] : old_orders) {
    const Caller& c = callers[buyer];
    const int64_t o = order;
    Reply received = shop.WriteSync([&](Tx& tx) { return ConfirmReceipt(tx, c, o); });
    if (!received) return received;
  }
  // The scheduler as it ran then: settles what the window let through and closes the days that ended
  // (the first close shares the district pool out to A).
  clock.SetNow(start + (window_days + 2) * kDayMs + kHourMs);
  Reply settled = shop.RunScheduler();
  if (!settled) return settled;

  // Three days ago the fan of E buys the package: shipped and received, its rewards still pending.
  clock.SetNow(today - 3 * kDayMs);
  auto late = BuyOne(shop, callers[kLate], "pkg699");
  if (!late) return late.error();
  {
    const int64_t o = *late;
    clock.SetNow(today - 3 * kDayMs + 6 * kHourMs);
    Reply shipped = shop.WriteSync([&](Tx& tx) { return ShipOrder(tx, owner, o, "SF-DEMO-" + std::to_string(o)); });
    if (!shipped) return shipped;
    clock.SetNow(today - 2 * kDayMs);
    Reply received = shop.WriteSync([&](Tx& tx) { return ConfirmReceipt(tx, callers[kLate], o); });
    if (!received) return received;
  }

  // Yesterday the tea buyer orders honey and asks for a refund: it arrived broken.
  clock.SetNow(today - kDayMs);
  auto honey = BuyOne(shop, callers[kTea], "honey-acacia");
  if (!honey) return honey.error();
  const std::string reason = "蜂蜜瓶盖破损，漏了一半，申请退款";
  {
    const int64_t o = *honey;
    clock.SetNow(today - kDayMs + 2 * kHourMs);
    Reply asked = shop.WriteSync([&](Tx& tx) { return RequestRefund(tx, callers[kTea], o, reason); });
    if (!asked) return asked;
  }

  // An hour ago A, whose rewards and pool share have settled, asks to withdraw 100 yuan (or all it has
  // available when that is less).
  clock.SetNow(today - kHourMs);
  const Caller& a = callers[kA];
  Reply wallet = shop.ReadSync([&](ReadCtx& ctx) { return Wallet(ctx, shop, a, -1); });
  if (!wallet) return wallet;
  const int64_t amount = std::min<int64_t>(10'000, wallet.value().at("balances").at("available").as_int64() / 100 * 100);
  Reply withdrawal = shop.WriteSync([&](Tx& tx) { return RequestWithdrawal(tx, a, amount); });
  if (!withdrawal) return withdrawal;

  // Now: the scheduler closes the days since (the recent package's pool share goes to A too).
  clock.Shift(0);
  Reply caught_up = shop.RunScheduler();
  if (!caught_up) return caught_up;
  Reply pending = shop.ReadSync([&](ReadCtx& ctx) { return GetOrder(ctx, owner, *late); });
  if (!pending) return pending;
  wallet = shop.ReadSync([&](ReadCtx& ctx) { return Wallet(ctx, shop, a, -1); });
  if (!wallet) return wallet;
  const json::object& earned = wallet.value().at("earned").as_object();
  const int64_t pool = earned.contains("pool") ? earned.at("pool").as_int64() : 0;

  json::object tour;
  tour["withdrawal"] = {{"id", withdrawal.value().at("id")}, {"member", a.member}, {"phone", kMembers[kA].phone},
                        {"amount", amount}};
  tour["refund"] = {{"order", *honey}, {"member", callers[kTea].member}, {"phone", kMembers[kTea].phone},
                    {"reason", reason}};
  tour["available"] = {{"member", a.member}, {"phone", kMembers[kA].phone}, {"amount", wallet.value().at("balances").at("available")}};
  json::object late_order{{"order", *late}, {"member", callers[kLate].member}, {"phone", kMembers[kLate].phone},
                          {"status", pending.value().at("status")}};
  if (const auto* at = pending.value().as_object().if_contains("settle_at")) late_order["settle_at"] = *at;
  tour["pending"] = std::move(late_order);
  tour["days_closed"] = settled.value().at("days_closed").as_int64() + caught_up.value().at("days_closed").as_int64();
  tour["pool_payout"] = {{"member", a.member}, {"phone", kMembers[kA].phone}, {"amount", pool}};
  return json::value{{"members", std::move(out)}, {"products", products}, {"tour", std::move(tour)}};
}

}  // namespace guanxi::service
