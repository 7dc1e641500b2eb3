// The shop's API against careless and hostile clients: password guessing is slowed without locking
// out the right person (per phone and per client address behind a trusted proxy), registrations of a
// taken phone cost no hash and cannot starve logins, a full hashing queue answers 503, an unknown
// phone costs the hash a known one does, an Idempotency-Key remembers what it was used for, and a
// paid sandbox intent cannot be completed again.
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.h"

namespace guanxi::test {
namespace {

class HostileApiTest : public ApiTest {
 protected:
  HttpResponse LoginAs(const std::string& phone, const std::string& password, const std::string& from = {}) {
    Headers h;
    if (!from.empty()) h.emplace_back("X-Forwarded-For", from);
    return client_->Request(verb::post, "/api/v1/auth/login",
                            json::serialize(json::value{{"phone", phone}, {"password", password}}), {}, h);
  }
  double Logins(const char* outcome) { return metrics_.Value("guanxi_logins_total", {{"outcome", outcome}}); }
  std::string Code(const HttpResponse& r) { return std::string(r.Json().at("error").at("code").as_string()); }
};

TEST_F(HostileApiTest, WrongPasswordsDelayTheAccountAndTheRightOneWorksOnceTheDelayHasPassed) {
  Register("13800000011");
  for (int i = 0; i < 5; ++i) EXPECT_EQ(LoginAs("13800000011", "wrong-password").status, 401u) << i;
  // The sixth attempt, right or wrong, waits: 429 with Retry-After.
  auto r = LoginAs("13800000011", "password-13800000011");
  ASSERT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(Code(r), "too_many_attempts");
  EXPECT_EQ(r.Header("Retry-After"), "1");
  // Once the delay has passed, the right password logs in (nothing is blocked for 15 minutes).
  clock_.Advance(1'000);
  r = LoginAs("13800000011", "password-13800000011");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(Logins("delayed_account"), 1);
  EXPECT_EQ(Logins("bad_credentials"), 5);
  // An unknown phone is limited alike: the answers do not tell which phones have accounts.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(LoginAs("13999999999", "wrong-password").status, 401u) << i;
  EXPECT_EQ(LoginAs("13999999999", "wrong-password").status, 429u);
}

TEST_F(HostileApiTest, AGuessingAddressBehindTheProxyDelaysNobodyElse) {
  // Behind a reverse proxy every connection comes from it: the client is in X-Forwarded-For.
  StopServer();
  server_options_.trusted_proxies = {"127.0.0.1"};
  StartServer();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(LoginAs("1390000" + std::to_string(2000 + i), "wrong-password", "6.6.6.6").status, 401u) << i;
  }
  auto r = LoginAs("owner", "owner-password", "6.6.6.6");
  EXPECT_EQ(r.status, 429u) << r.body;
  EXPECT_EQ(Logins("delayed_address"), 1);
  // The owner, and members, at other addresses log in at once.
  EXPECT_EQ(LoginAs("owner", "owner-password", "10.1.1.1").status, 200u);
  EXPECT_EQ(LoginAs("finance", "finance-password", "10.1.1.2").status, 200u);
  // Without a trusted proxy the header is the client's own and not believed: every request here is
  // 127.0.0.1's, whatever it claims.
  StopServer();
  server_options_.trusted_proxies = {};
  StartServer();
  for (int i = 0; i < 20; ++i) (void)LoginAs("1390000" + std::to_string(3000 + i), "wrong-password", "1.1.1." + std::to_string(i));
  EXPECT_EQ(LoginAs("owner", "owner-password", "2.2.2.2").status, 429u);
}

TEST_F(HostileApiTest, ATakenPhoneIsRefusedBeforeAnyHashIsSpent) {
  Register("13800000012");
  const uint64_t before = shop_->hash_pool().accepted(service::HashPool::Lane::kRegister);
  for (int i = 0; i < 20; ++i) {
    auto r = client_->Post("/api/v1/auth/register", R"({"phone":"13800000012","password":"another-password"})");
    ASSERT_EQ(r.status, 409u) << r.body;
    EXPECT_EQ(Code(r), "phone_taken");
  }
  EXPECT_EQ(shop_->hash_pool().accepted(service::HashPool::Lane::kRegister), before);
}

TEST_F(HostileApiTest, AFullRegistrationQueueAnswers503AndLoginsStillPass) {
  Register("13800000013");
  // Hold the registration lane: one job running (registrations may use one of the two threads),
  // the queue full behind it. The gate opens however the test ends.
  struct Gate {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    void Open() {
      {
        std::lock_guard l(mu);
        open = true;
      }
      cv.notify_all();
    }
    ~Gate() { Open(); }
  };
  auto gate = std::make_shared<Gate>();
  auto running = std::make_shared<std::atomic<int>>(0);
  auto hold = [gate, running] {
    ++*running;
    std::unique_lock l(gate->mu);
    gate->cv.wait(l, [&] { return gate->open; });
  };
  ASSERT_TRUE(shop_->Hash(service::HashPool::Lane::kRegister, hold));
  while (running->load() == 0) std::this_thread::yield();
  int held = 0;
  while (shop_->Hash(service::HashPool::Lane::kRegister, hold)) ++held;
  ASSERT_GT(held, 1);
  EXPECT_EQ(running->load(), 1);  // registrations never take the second thread
  auto r = client_->Post("/api/v1/auth/register", R"({"phone":"13800000014","password":"password-14"})");
  ASSERT_EQ(r.status, 503u) << r.body;
  EXPECT_EQ(Code(r), "overloaded");
  EXPECT_EQ(r.Header("Retry-After"), "1");
  // A login is not queued behind them.
  EXPECT_EQ(LoginAs("13800000013", "password-13800000013").status, 200u);
  EXPECT_EQ(LoginAs("owner", "owner-password").status, 200u);
  gate->Open();
  // And once the queue drains, registrations pass again.
  for (int i = 0; i < 200; ++i) {
    r = client_->Post("/api/v1/auth/register", R"({"phone":"13800000014","password":"password-14"})");
    if (r.status != 503) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(r.status, 201u) << r.body;
}

TEST_F(HostileApiTest, AnUnknownPhoneIsCheckedAgainstAHashOfTheShopsCost) {
  // The dummy is a hash at exactly the cost new passwords get (here the fast one the tests use).
  EXPECT_FALSE(service::PasswordNeedsRehash(shop_->dummy_password_hash(), shop_->password_cost()));
  const uint64_t before = shop_->hash_pool().accepted(service::HashPool::Lane::kLogin);
  EXPECT_EQ(LoginAs("13700000000", "any-password").status, 401u);
  EXPECT_EQ(shop_->hash_pool().accepted(service::HashPool::Lane::kLogin), before + 1);
}

TEST_F(HostileApiTest, AnIdempotencyKeyUsedForAnotherBodyIsRefused) {
  Member m = Register("13800000015");
  auto order = [&](const std::string& body, const std::string& key) {
    return client_->Request(verb::post, "/api/v1/orders", body, m.token, {{"Idempotency-Key", key}});
  };
  const std::string tea = R"({"items":[{"sku":"tea","qty":1}]})";
  auto first = order(tea, "key-1");
  ASSERT_EQ(first.status, 201u) << first.body;
  const int64_t id = first.Json().at("id").as_int64();
  // The same request again: the same order.
  auto again = order(tea, "key-1");
  ASSERT_EQ(again.status, 201u) << again.body;
  EXPECT_EQ(again.Json().at("id").as_int64(), id);
  // The same key for another order: refused, and nothing made.
  auto other = order(R"({"items":[{"sku":"pkg699","qty":1}]})", "key-1");
  ASSERT_EQ(other.status, 422u) << other.body;
  EXPECT_EQ(Code(other), "idempotency_key_reused");
  auto list = client_->Get("/api/v1/orders", m.token);
  EXPECT_EQ(list.Json().at("items").as_array().size(), 1u) << list.body;
  // The whole key counts: keys that share their first 100 characters are different keys, and a key
  // over the limit is refused rather than cut.
  const std::string base(100, 'k');
  auto a = order(tea, base);
  ASSERT_EQ(a.status, 201u) << a.body;
  auto b = order(tea, base + "x");
  EXPECT_EQ(b.status, 400u) << b.body;
  EXPECT_EQ(Code(b), "invalid_idempotency_key");
  auto c = order(tea, std::string(99, 'k') + "z");
  ASSERT_EQ(c.status, 201u) << c.body;
  EXPECT_NE(c.Json().at("id"), a.Json().at("id"));
  // A restart keeps what the keys were used for.
  StopServer();
  StartServer();
  auto after = client_->Request(verb::post, "/api/v1/orders", R"({"items":[{"sku":"id999","qty":1}]})", m.token,
                                {{"Idempotency-Key", "key-1"}});
  EXPECT_EQ(after.status, 422u) << after.body;
}

TEST_F(HostileApiTest, CompletingAPaidSandboxIntentIsRefusedAndRecordsNothing) {
  Member m = Register("13800000016");
  auto order = client_->Post("/api/v1/orders", R"({"items":[{"sku":"tea","qty":1}]})", m.token);
  ASSERT_EQ(order.status, 201u);
  const int64_t id = order.Json().at("id").as_int64();
  auto intent = client_->Post("/api/v1/orders/" + std::to_string(id) + "/pay", "{}", m.token);
  ASSERT_EQ(intent.status, 200u) << intent.body;
  const std::string complete = "/api/v1/payments/sandbox/" + std::string(intent.Json().at("intent").as_string()) + "/complete";
  // Completions racing before the first notification lands deliver one payment, not several.
  std::vector<std::thread> racers;
  std::atomic<int> accepted{0};
  for (int i = 0; i < 8; ++i) {
    racers.emplace_back([&] {
      HttpClient c("127.0.0.1", port());
      if (c.Post(complete, "").status == 202) ++accepted;
    });
  }
  for (auto& t : racers) t.join();
  EXPECT_GE(accepted.load(), 1);
  bool paid = false;
  for (int i = 0; i < 300 && !paid; ++i) {
    paid = client_->Get("/api/v1/orders/" + std::to_string(id), m.token).Json().at("status") == "paid";
    if (!paid) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(paid);
  // Once paid, completing again is refused.
  for (int i = 0; i < 5; ++i) {
    auto r = client_->Post(complete, "");
    ASSERT_EQ(r.status, 409u) << r.body;
    EXPECT_EQ(Code(r), "already_paid");
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // any notification in flight lands
  auto audit = client_->Get("/api/v1/admin/audit?limit=100", owner_token_);
  ASSERT_EQ(audit.status, 200u) << audit.body;
  EXPECT_EQ(audit.body.find("duplicate_payment"), std::string::npos) << audit.body;
}

}  // namespace
}  // namespace guanxi::test
