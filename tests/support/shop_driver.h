// Driving a service::Shop as its clients do, for the service's tests: register under an inviter's
// code, buy and pay through the sandbox provider (a signed notification, verified), read a wallet.
// A step that fails fails the calling test (EXPECT) and the helper goes on with what it has.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "service/api.h"
#include "service/crypto.h"
#include "service/shop.h"

namespace guanxi::test {

// Registers a member under `inviter` (or none); its caller identity.
inline service::Caller Join(service::Shop& shop, const std::string& phone, const service::Caller* inviter) {
  service::RegisterReq r;
  r.phone = phone;
  r.password_hash = service::HashPassword("password-" + phone, service::PasswordCost::Fast());
  if (inviter != nullptr) {
    auto me = shop.ReadSync([&](service::ReadCtx& c) { return service::Me(c, *inviter); });
    r.invite_code = std::string(me.value().at("member").at("invite_code").as_string());
  }
  auto reply = shop.WriteSync([&](service::Tx& tx) { return service::Register(tx, r); });
  EXPECT_TRUE(reply.ok()) << (reply ? "" : reply.error().message);
  const auto& v = reply.value();
  return service::Caller{v.at("account").as_int64(), "member", v.at("member").at("id").as_int64()};
}

// Pays an order through the sandbox: the intent, the provider's signed notification, applied once.
inline void PayOrder(service::Shop& shop, const service::Caller& buyer, int64_t order) {
  auto intent = shop.WriteSync([&](service::Tx& tx) { return service::CreatePayment(tx, buyer, order, "sandbox"); });
  ASSERT_TRUE(intent.ok()) << (intent ? "" : intent.error().message);
  const std::string pi(intent.value().at("intent").as_string());
  const std::string& secret = shop.config().payment_secret;
  core::Result<service::Notification> n = core::MakeError("x", "x");
  ASSERT_TRUE(shop.ReadSync([&](service::ReadCtx& c) {
                    n = service::SandboxComplete(c, secret, pi);
                    return service::Reply(boost::json::value(nullptr));
                  }).ok());
  ASSERT_TRUE(n.ok());
  ASSERT_TRUE(service::HmacSha256Verify(secret, n->body, n->signature));
  const boost::json::value body = boost::json::parse(n->body);
  auto applied = shop.WriteSync([&](service::Tx& tx) {
    return service::ApplyPaymentNotification(tx, "sandbox", pi, std::string(body.at("txn").as_string()),
                                             body.at("amount").as_int64());
  });
  ASSERT_TRUE(applied.ok()) << (applied ? "" : applied.error().message);
  EXPECT_EQ(applied.value().at("status"), "applied");
}

// Creates an order of `qty` × `sku`, pays it, and returns its id.
inline int64_t BuyAndPay(service::Shop& shop, const service::Caller& buyer, const std::string& sku, int64_t qty = 1) {
  service::CreateOrderReq req;
  req.items.push_back({sku, qty});
  auto order = shop.WriteSync([&](service::Tx& tx) { return service::CreateOrder(tx, buyer, req); });
  EXPECT_TRUE(order.ok()) << (order ? "" : order.error().message);
  if (!order) return -1;
  const int64_t id = order.value().at("id").as_int64();
  PayOrder(shop, buyer, id);
  return id;
}

inline boost::json::value WalletOf(service::Shop& shop, const service::Caller& m) {
  auto w = shop.ReadSync([&](service::ReadCtx& c) { return service::Wallet(c, shop, m, -1); });
  EXPECT_TRUE(w.ok());
  return w ? w.value() : boost::json::value();
}

}  // namespace guanxi::test
