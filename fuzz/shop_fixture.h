// The shop the HTTP fuzz targets run against, made once per process: a SQLite file in a scratch
// directory, the chain 2+1 plan, a manual clock, fast password hashing and the sandbox provider; an
// owner, a finance and an operator account, members A → B → C (B bought and paid a 699 package that
// has settled, so A has money to withdraw), the products of tests/http/api_fixture.h, and the router
// with every route as `guanxi serve` builds it (http::AddShopRoutes). Callers are resolved from real
// tokens. Not thread-safe: libFuzzer calls the target from one thread.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fuzz_support.h"
#include "http/api.h"
#include "http/router.h"
#include "service/api.h"
#include "service/clock.h"
#include "service/crypto.h"
#include "service/metrics.h"
#include "service/shop.h"

namespace guanxi::fuzz {

inline constexpr int64_t kStartMs = 1'790'000'000'000;
inline constexpr int64_t kDayMs = 86'400'000;
inline constexpr const char* kPaymentSecret = "fuzz-payment-secret-0123456789";

struct ShopFixture {
  struct Who {
    std::string name;
    std::string login;  // phone or staff login; empty: anonymous
    std::string token;
    service::Caller caller;
  };

  std::filesystem::path dir;
  service::ManualClock clock{kStartMs};
  service::Metrics metrics;
  http::ApiOptions api;
  std::unique_ptr<service::Shop> shop;
  std::unique_ptr<http::Router> router;
  std::vector<Who> callers;  // anonymous, member A, member B, owner, finance, operator

  // `start`: run the shop's threads (a target that only routes needs none).
  explicit ShopFixture(const std::string& name, bool start) {
    dir = ScratchDir(name);
    service::ShopConfig config;
    config.db_path = (dir / "shop.db").string();
    config.payment_secret = kPaymentSecret;
    config.sandbox_payments = true;
    config.fast_password_hashing = true;
    config.token_ttl_ms = 100 * 365 * kDayMs;  // the clock moves on; the callers' tokens must not expire
    config.workers = 1;
    shop = std::make_unique<service::Shop>(config, clock, SourceFile("plans/chain-2plus1-699.toml"),
                                           "chain-2plus1-699.toml");
    shop->SetMetrics(&metrics);
    // Nothing answers at this address: a sandbox "complete" delivers its notification nowhere (the
    // target pays orders itself, through the notify route, with a valid signature).
    api.notify_port = 9;
    router = std::make_unique<http::Router>();
    http::AddShopRoutes(*router, *shop, &metrics, api);
    callers.push_back({"anonymous", "", "", {}});
    if (start) {
      shop->Start();
      Seed();
    }
  }

  ~ShopFixture() {
    router.reset();  // cancels the designer's simulations before the shop goes
    if (shop) shop->Stop();
    shop.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  service::Reply Write(std::function<service::Reply(service::Tx&)> job) {
    service::Reply r = shop->WriteSync(std::move(job));
    return r;
  }
  boost::json::value Must(const service::Reply& r, const char* what) {
    if (!r) Fail(std::string("fixture: ") + what + ": " + r.error().code + ": " + r.error().message);
    return r.value();
  }

  // A token for `login` (its password is not checked: the fixture is the shop).
  void Login(Who& w) {
    std::optional<service::LoginRecord> found;
    (void)shop->ReadSync([&](service::ReadCtx& c) {
      found = service::FindLogin(c, w.login);
      return service::Reply(boost::json::value(nullptr));
    });
    if (!found) Fail("fixture: no account " + w.login);
    const int64_t account = found->account;
    auto issued = Must(Write([&](service::Tx& tx) { return service::IssueToken(tx, account); }), "token");
    w.token = std::string(issued.at("token").as_string());
    w.caller = shop->Authenticate(w.token);
    if (w.caller.account < 0) Fail("fixture: a fresh token does not authenticate");
  }

  // After an input: a caller whose token was logged out gets a new one, so that every input sees the
  // same set of callers.
  void KeepLoggedIn() {
    for (Who& w : callers) {
      if (!w.login.empty() && shop->Authenticate(w.token).account < 0) Login(w);
    }
  }

  // Pays `order` as `buyer` would through the sandbox provider: its intent, then the provider's signed
  // notification. Returns the notification (body and signature) for the caller to deliver, or nullopt
  // when the order cannot be paid (not the buyer's, paid already, expired …).
  std::optional<service::Notification> SandboxPayment(const service::Caller& buyer, int64_t order) {
    service::Reply intent = Write([&](service::Tx& tx) { return service::CreatePayment(tx, buyer, order, "sandbox"); });
    if (!intent) return std::nullopt;
    const std::string pi(intent.value().at("intent").as_string());
    core::Result<service::Notification> n = core::MakeError("none", "none");
    (void)shop->ReadSync([&](service::ReadCtx& c) {
      n = service::SandboxComplete(c, kPaymentSecret, pi);
      return service::Reply(boost::json::value(nullptr));
    });
    if (!n) return std::nullopt;
    return *n;
  }

  void Seed() {
    const std::string fast = service::HashPassword("fuzz-password", service::PasswordCost::Fast());
    bool created = false;
    Must(Write([&](service::Tx& tx) { return service::EnsureOwner(tx, "owner", fast, &created); }), "owner");
    Who owner{"owner", "owner", "", {}};
    Login(owner);
    for (const char* role : {"finance", "operator"}) {
      Must(Write([&](service::Tx& tx) { return service::CreateStaff(tx, owner.caller, role, fast, role, role); }),
           "staff");
    }
    for (auto [sku, price] : {std::pair{"pkg699", 69900}, {"id999", 99900}, {"id1980", 198000}, {"tea", 9900}}) {
      service::ProductReq p;
      p.sku = sku;
      p.name = sku;
      p.price = price;
      p.stock = 1'000'000;
      Must(Write([&](service::Tx& tx) { return service::CreateProduct(tx, owner.caller, p); }), "product");
    }
    // A → B → C by invite codes.
    std::string invite;
    std::vector<Who> members;
    for (const char* phone : {"13800000001", "13800000002", "13800000003"}) {
      service::RegisterReq r{phone, fast, invite, "wechat"};
      auto v = Must(Write([&](service::Tx& tx) { return service::Register(tx, r); }), "register");
      Who m{std::string("member ") + phone, phone, std::string(v.at("token").as_string()), {}};
      m.caller = shop->Authenticate(m.token);
      auto me = Must(shop->ReadSync([&](service::ReadCtx& c) { return service::Me(c, m.caller); }), "me");
      invite = std::string(me.at("member").at("invite_code").as_string());
      members.push_back(m);
    }
    // B buys a package; paid, shipped, confirmed and settled: A earns.
    const Who& b = members[1];
    service::CreateOrderReq req;
    req.items.push_back({"pkg699", 1});
    const int64_t order =
        Must(Write([&](service::Tx& tx) { return service::CreateOrder(tx, b.caller, req); }), "order").at("id").as_int64();
    std::optional<service::Notification> n = SandboxPayment(b.caller, order);
    if (!n) Fail("fixture: cannot pay the seed order");
    const boost::json::value body = boost::json::parse(n->body);
    Must(Write([&](service::Tx& tx) {
           return service::ApplyPaymentNotification(tx, "sandbox", std::string(body.at("intent").as_string()),
                                                    std::string(body.at("txn").as_string()),
                                                    body.at("amount").as_int64());
         }),
         "payment");
    Must(Write([&](service::Tx& tx) { return service::ShipOrder(tx, owner.caller, order, "SF1"); }), "ship");
    Must(Write([&](service::Tx& tx) { return service::ConfirmReceipt(tx, b.caller, order); }), "confirm");
    clock.Advance(8 * kDayMs);
    Must(shop->RunScheduler(), "scheduler");
    callers.push_back(members[0]);
    callers.push_back(members[1]);
    callers.push_back(owner);
    for (const char* role : {"finance", "operator"}) {
      Who w{role, role, "", {}};
      Login(w);
      callers.push_back(w);
    }
  }
};

}  // namespace guanxi::fuzz
