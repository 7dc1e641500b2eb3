// A real shop server for integration tests: a fresh SQLite database in a temporary directory, the
// chain 2+1 plan, the HTTP server on an ephemeral loopback port, a manual clock, fast password
// hashing, and helpers that drive it over HTTP like a client would (register, log in, buy and pay
// through the sandbox provider). Not thread-safe except where a test makes its own HttpClients.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

#include "http/api.h"
#include "http/server.h"
#include "service/api.h"
#include "service/crypto.h"
#include "service/metrics.h"
#include "service/shop.h"
#include "support/http_client.h"
#include "support/test_store.h"

namespace guanxi::test {

namespace json = boost::json;
using boost::beast::http::verb;

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline constexpr int64_t kStartMs = 1'790'000'000'000;
inline constexpr int64_t kDayMs = 86'400'000;

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("guanxi-api-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.db_path = FreshStore(dir_);
    config_.payment_secret = "integration-test-secret";
    config_.fast_password_hashing = true;
    config_.token_ttl_ms = 365 * kDayMs;  // the tests move the clock by weeks
    plan_ = ReadText(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
    StartServer();
    // The owner, and one account of each staff role.
    bool created = false;
    auto owner = shop_->WriteSync([&](service::Tx& tx) {
      return service::EnsureOwner(tx, "owner", service::HashPassword("owner-password", service::PasswordCost::Fast()),
                                  &created);
    });
    ASSERT_TRUE(owner.ok());
    owner_token_ = Login("owner", "owner-password");
    for (const char* role : {"finance", "operator", "sales"}) {
      auto r = client_->Post("/api/v1/admin/staff",
                             json::serialize(json::value{{"phone", role}, {"password", std::string(role) + "-password"},
                                                         {"role", role}, {"name", role}}),
                             owner_token_);
      ASSERT_EQ(r.status, 201u) << r.body;
      staff_tokens_[role] = Login(role, std::string(role) + "-password");
    }
    for (auto [sku, price] : {std::pair{"pkg699", 69900}, {"id999", 99900}, {"id1980", 198000}, {"id5000", 500000},
                              {"tea", 9900}}) {
      auto r = client_->Post("/api/v1/admin/products",
                             json::serialize(json::value{{"sku", sku}, {"name", sku}, {"price", price}, {"stock", 1000}}),
                             owner_token_);
      ASSERT_EQ(r.status, 201u) << r.body;
    }
  }

  void TearDown() override {
    StopServer();
    std::filesystem::remove_all(dir_);
  }

  void StartServer() {
    shop_ = std::make_unique<service::Shop>(config_, clock_, plan_, "chain-2plus1-699.toml");
    shop_->SetMetrics(&metrics_);
    shop_->Start();
    router_ = std::make_unique<http::Router>();
    http::AddShopRoutes(*router_, *shop_, &metrics_, api_);
    http::ServerOptions opts = server_options_;
    opts.port = 0;
    opts.log_errors = true;
    server_ = std::make_unique<http::Server>(opts, *router_, &metrics_);
    server_->Start();
    api_.notify_port = server_->port();
    api_.public_url = "http://127.0.0.1:" + std::to_string(server_->port());
    client_ = std::make_unique<HttpClient>("127.0.0.1", server_->port());
  }

  // As `guanxi serve` does and http::Await requires: the server stops taking requests, then the shop
  // finishes its jobs (their completions post to the server's strands), and only then does the
  // server go. Destroying it first let a completion still returning on the shop's syncer thread
  // free a strand of the destroyed io_context (asan).
  void StopServer() {
    client_.reset();
    if (server_) server_->Stop(std::chrono::seconds(5));
    if (shop_) shop_->Stop();
    server_.reset();
    shop_.reset();
    router_.reset();
  }

  uint16_t port() const { return server_->port(); }

  std::string Login(const std::string& phone, const std::string& password) {
    auto r = client_->Post("/api/v1/auth/login",
                           json::serialize(json::value{{"phone", phone}, {"password", password}}));
    EXPECT_EQ(r.status, 200u) << r.body;
    return r.status == 200 ? std::string(r.Json().at("token").as_string()) : std::string();
  }

  struct Member {
    int64_t id = -1;
    std::string token;
    std::string invite_code;
  };
  // Registers over HTTP under `inviter` (nullptr: no referrer).
  Member Register(const std::string& phone, const Member* inviter = nullptr) {
    json::object body{{"phone", phone}, {"password", "password-" + phone}, {"channel", "wechat"}};
    if (inviter != nullptr) body["invite_code"] = inviter->invite_code;
    auto r = client_->Post("/api/v1/auth/register", json::serialize(body));
    EXPECT_EQ(r.status, 201u) << r.body;
    Member m;
    if (r.status != 201) return m;
    const json::value v = r.Json();
    m.id = v.at("member").at("id").as_int64();
    m.token = std::string(v.at("token").as_string());
    auto me = client_->Get("/api/v1/me", m.token);
    m.invite_code = std::string(me.Json().at("member").at("invite_code").as_string());
    return m;
  }

  // POSTs a notification as the sandbox provider would, signed with the shop's secret.
  HttpResponse Notify(const json::value& body, const std::string& secret = "integration-test-secret") {
    const std::string text = json::serialize(body);
    return client_->Request(verb::post, "/api/v1/payments/notify/sandbox", text, {},
                            {{"X-Sandbox-Signature", service::HmacSha256Hex(secret, text)}});
  }

  // Creates an order and pays it with a signed notification; returns the order id.
  int64_t BuyAndPay(const Member& m, const std::string& sku, int64_t qty = 1) {
    auto order = client_->Post("/api/v1/orders",
                               json::serialize(json::value{{"items", {{{"sku", sku}, {"qty", qty}}}}}), m.token);
    EXPECT_EQ(order.status, 201u) << order.body;
    const int64_t id = order.Json().at("id").as_int64();
    auto intent = client_->Post("/api/v1/orders/" + std::to_string(id) + "/pay", R"({"provider":"sandbox"})", m.token);
    EXPECT_EQ(intent.status, 200u) << intent.body;
    const json::value pi = intent.Json();
    auto n = Notify({{"intent", pi.at("intent")}, {"txn", "txn-" + std::to_string(id)}, {"amount", pi.at("amount")},
                     {"status", "succeeded"}});
    EXPECT_EQ(n.status, 200u) << n.body;
    return id;
  }

  std::filesystem::path dir_;
  service::ShopConfig config_;
  service::ManualClock clock_{kStartMs};
  service::Metrics metrics_;
  std::string plan_;
  http::ApiOptions api_;
  http::ServerOptions server_options_;  // StartServer's (its port is always 0)
  std::unique_ptr<service::Shop> shop_;
  std::unique_ptr<http::Router> router_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<HttpClient> client_;
  std::string owner_token_;
  std::map<std::string, std::string> staff_tokens_;
};

}  // namespace guanxi::test
