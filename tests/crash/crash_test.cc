// The crash test: the real `guanxi serve` binary as a child process, several clients creating and
// paying orders with signed sandbox notifications, the server killed with SIGKILL at random moments
// (at least 20 times) and restarted on the same database. Checks that every acknowledged payment is
// there exactly once, that a notification in doubt (sent, no answer) is either fully applied or not
// at all, that re-sent notifications are idempotent, and that the ledger sums to zero.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "support/test_store.h"
#include <vector>

#include "service/crypto.h"
#include "support/http_client.h"

extern char** environ;

namespace guanxi::test {
namespace {

namespace json = boost::json;
namespace fs = std::filesystem;
using boost::beast::http::verb;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kSecret = "crash-test-payment-secret-0123456789";

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif

constexpr int kRounds = 24;  // each ends with a SIGKILL
constexpr int kClients = 4;  // threads paying orders during a round
constexpr int kMembers = 12;
constexpr int kKillMinMs = 50,
              kKillMaxMs = 400;  // the random moment of the kill, after the clients start
const milliseconds kStartTimeout = std::chrono::seconds(kSanitized ? 60 : 30);
const milliseconds kRequestTimeout = std::chrono::seconds(kSanitized ? 20 : 10);

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A loopback port nobody listens on right now (the kernel picks it; the server binds it a moment
// later).
uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  uint16_t port = 0;
  socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
    port = ntohs(a.sin_port);
  }
  ::close(fd);
  return port;
}

// The server as a child process. The destructor kills it, so no path (an assertion failing, an
// exception) leaves it running.
class ServerProcess {
 public:
  ServerProcess(fs::path dir, std::string db) : dir_(std::move(dir)), db_(std::move(db)) {}
  ~ServerProcess() { Kill(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Spawns `guanxi serve`; stdout and stderr go to files numbered by `start`.
  void Spawn(uint16_t port, int start) {
    Kill();
    port_ = port;
    stdout_ = dir_ / ("stdout-" + std::to_string(start) + ".txt");
    stderr_ = dir_ / ("stderr-" + std::to_string(start) + ".txt");
    const std::string binary = GUANXI_BINARY;
    const std::string db = db_;
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    const std::string plan = std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml";
    const std::string config = (dir_ / "settings.toml").string();
    std::vector<std::string> args = {binary,
                                     "serve",
                                     "--db",
                                     db,
                                     "--listen",
                                     listen,
                                     "--plan",
                                     plan,
                                     "--config",
                                     config,
                                     "--fast-password-hashing"};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, stdout_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, stderr_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
      throw std::runtime_error("posix_spawn " + binary + " failed: " + std::to_string(rc));
    pid_ = pid;
  }

  // Waits (bounded) until /healthz answers and stdout says it is serving. False when the child
  // exited or the time ran out.
  bool WaitReady(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      if (Exited()) return false;
      try {
        HttpClient c("127.0.0.1", port_, milliseconds(500));
        if (c.Get("/healthz").status == 200 &&
            ReadFile(stdout_).find("guanxi is serving") != std::string::npos) {
          return true;
        }
      } catch (const HttpClientError&) {
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    return false;
  }

  // True when the child has ended (reaps it).
  bool Exited() {
    if (pid_ <= 0) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // Asks the server to stop (SIGTERM) and waits, bounded, for it to exit; its exit status, or -1
  // when it had to be killed.
  int Terminate(milliseconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
    Kill();
    return -1;
  }

  uint16_t port() const { return port_; }
  std::string Stdout() const { return ReadFile(stdout_); }
  std::string Stderr() const { return ReadFile(stderr_); }

 private:
  fs::path dir_;
  std::string db_;  // a SQLite file or a PostgreSQL URL
  fs::path stdout_, stderr_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

struct Member {
  int64_t id = -1;
  std::string token;
  std::string invite_code;
};

// One payment notification the clients sent.
struct Sent {
  int64_t order = 0;
  size_t member = 0;
  int64_t amount = 0;
  std::string body, signature;
  bool acked = false;  // a 2xx answer saying it was applied (to the first or a later delivery)
  bool acked_at_once = false;  // … to the first delivery, before any kill
  int round = 0;
};

// Named like its binary so that `ctest -R crash` selects it.
class crash_test : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("guanxi-crash-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "settings.toml") << "payment_secret = \"" << kSecret << "\"\nsandbox_payments = true\n"
                                        << "huge_pages = true\n";  // the engine as a large shop may run it
    server_ = std::make_unique<ServerProcess>(dir_, test::FreshStore(dir_));
  }
  void TearDown() override {
    server_.reset();  // kills the child
    if (!HasFailure()) fs::remove_all(dir_);
  }

  // Starts the server (a new port when the old one cannot be had) and checks its start-up message.
  void Start() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      const uint16_t port = attempt == 0 && port_ != 0 ? port_ : FreePort();
      ASSERT_NE(port, 0);
      server_->Spawn(port, starts_);
      const bool ready = server_->WaitReady(kStartTimeout);
      const std::string err = server_->Stderr();
      if (ready) {
        port_ = port;
        ++starts_;
        const auto at = err.find("rebuilt the engine from ");
        ASSERT_NE(at, std::string::npos) << err;
        const int64_t journal =
            std::stoll(err.substr(at + std::string("rebuilt the engine from ").size()));
        EXPECT_GE(journal, last_journal_) << "the journal shrank across a restart";
        last_journal_ = journal;
        EXPECT_EQ(err.find("fatal"), std::string::npos) << err;
        // The allocator this build links (GUANXI_MIMALLOC) is the one malloc really is.
        EXPECT_NE(err.find(std::string("allocator: ") + GUANXI_ALLOCATOR), std::string::npos) << err;
        return;
      }
      server_->Kill();
      // Only a port taken by someone else is worth another try.
      ASSERT_NE(err.find("ddress"), std::string::npos) << "the server did not start:\n" << err;
    }
    FAIL() << "no free port";
  }

  HttpResponse Notify(HttpClient& c, const Sent& s) {
    return c.Request(verb::post, "/api/v1/payments/notify/sandbox", s.body, {},
                     {{"X-Sandbox-Signature", s.signature}});
  }

  // One client: buys and pays until the server is killed under it.
  void ClientLoop(int round, int index, uint64_t seed) {
    std::mt19937_64 rng(seed);
    HttpClient c("127.0.0.1", port_, kRequestTimeout);
    const char* step = "";
    try {
      while (!stop_clients_.load()) {
        const size_t m = static_cast<size_t>(rng() % members_.size());
        const std::string sku = rng() % 3 == 0 ? "pkg699" : "tea";
        step = "create";
        auto o = c.Post("/api/v1/orders",
                        json::serialize(json::value{{"items", {{{"sku", sku}, {"qty", 1}}}}}),
                        members_[m].token);
        if (o.status != 201)
          throw std::runtime_error("create order: " + std::to_string(o.status) + " " + o.body);
        const int64_t id = o.Json().at("id").as_int64();
        created_.fetch_add(1);
        step = "pay";
        auto intent = c.Post("/api/v1/orders/" + std::to_string(id) + "/pay",
                             R"({"provider":"sandbox"})", members_[m].token);
        if (intent.status != 200)
          throw std::runtime_error("pay: " + std::to_string(intent.status) + " " + intent.body);
        const json::value pi = intent.Json();
        Sent s;
        s.order = id;
        s.member = m;
        s.amount = pi.at("amount").as_int64();
        s.round = round;
        s.body = json::serialize(json::value{{"intent", pi.at("intent")},
                                             {"txn", "crash-txn-" + std::to_string(id)},
                                             {"amount", s.amount},
                                             {"status", "succeeded"}});
        s.signature = service::HmacSha256Hex(kSecret, s.body);
        size_t at = 0;
        {
          std::lock_guard l(mu_);
          at = sent_.size();
          sent_.push_back(s);
        }
        step = "notify";
        auto n = Notify(c, s);
        if (n.status / 100 != 2)
          throw std::runtime_error("notify: " + std::to_string(n.status) + " " + n.body);
        const std::string status(n.Json().at("status").as_string());
        if (status != "applied")
          throw std::runtime_error("notify: first delivery answered " + n.body);
        std::lock_guard l(mu_);
        sent_[at].acked = true;
        sent_[at].acked_at_once = true;
      }
    } catch (const HttpClientError& e) {
      // Expected once the server is killed; before that it is a failure.
      if (!killed_.load()) {
        std::lock_guard l(mu_);
        errors_.push_back("round " + std::to_string(round) + " client " + std::to_string(index) +
                          " at " + step + ": no answer before the kill: " + e.what());
      }
    } catch (const std::exception& e) {
      std::lock_guard l(mu_);
      errors_.push_back("round " + std::to_string(round) + " client " + std::to_string(index) +
                        ": " + e.what());
    }
  }

  fs::path dir_;
  std::unique_ptr<ServerProcess> server_;
  uint16_t port_ = 0;
  int starts_ = 0;
  int64_t last_journal_ = 0;
  std::vector<Member> members_;
  std::atomic<bool> stop_clients_{false};
  std::atomic<bool> killed_{false};
  std::atomic<int64_t> created_{0};
  std::mutex mu_;
  std::vector<Sent> sent_;
  std::vector<std::string> errors_;
};

TEST_F(crash_test, SigkillWhilePayingLosesNoAcknowledgedPaymentAndAppliesNoneTwice) {
  const auto t0 = Clock::now();
  ASSERT_NO_FATAL_FAILURE(Start());
  const std::string out = server_->Stdout();
  const std::string marker = "password \"";
  const auto at = out.find(marker);
  ASSERT_NE(at, std::string::npos) << out;
  const std::string password =
      out.substr(at + marker.size(), out.find('"', at + marker.size()) - at - marker.size());

  // Set-up: the owner, two products, members in a referral tree (so commissions flow).
  std::string owner;
  {
    HttpClient c("127.0.0.1", port_, kRequestTimeout);
    auto login = c.Post("/api/v1/auth/login",
                        json::serialize(json::value{{"phone", "owner"}, {"password", password}}));
    ASSERT_EQ(login.status, 200u) << login.body;
    owner = std::string(login.Json().at("token").as_string());
    for (auto [sku, price] : {std::pair{"pkg699", 69900}, {"tea", 9900}}) {
      auto r = c.Post(
          "/api/v1/admin/products",
          json::serialize(json::value{{"sku", sku}, {"name", sku}, {"price", price}, {"stock", 1'000'000}}),
          owner);
      ASSERT_EQ(r.status, 201u) << r.body;
    }
    for (int i = 0; i < kMembers; ++i) {
      const std::string phone = "1390000" + std::to_string(1000 + i);
      json::object body{{"phone", phone}, {"password", "password-" + phone}, {"channel", "wechat"}};
      if (i >= 2) body["invite_code"] = members_[static_cast<size_t>(i / 2 - 1)].invite_code;
      auto r = c.Post("/api/v1/auth/register", json::serialize(body));
      ASSERT_EQ(r.status, 201u) << r.body;
      Member m;
      m.id = r.Json().at("member").at("id").as_int64();
      m.token = std::string(r.Json().at("token").as_string());
      auto me = c.Get("/api/v1/me", m.token);
      ASSERT_EQ(me.status, 200u) << me.body;
      m.invite_code = std::string(me.Json().at("member").at("invite_code").as_string());
      members_.push_back(std::move(m));
    }
  }

  std::mt19937_64 rng(20240611);
  int kills = 0, startup_kills = 0;
  int in_doubt = 0, in_doubt_applied = 0, resent_acked = 0;
  for (int round = 0; round < kRounds; ++round) {
    stop_clients_ = false;
    killed_ = false;
    std::vector<std::thread> clients;
    for (int i = 0; i < kClients; ++i) {
      clients.emplace_back([this, round, i, seed = rng()] { ClientLoop(round, i, seed); });
    }
    std::this_thread::sleep_for(
        milliseconds(kKillMinMs + static_cast<int>(rng() % (kKillMaxMs - kKillMinMs + 1))));
    killed_ = true;
    server_->Kill();
    ++kills;
    stop_clients_ = true;
    for (auto& t : clients) t.join();
    {
      std::lock_guard l(mu_);
      ASSERT_TRUE(errors_.empty()) << errors_.front();
    }
    if (round % 4 == 3) {
      // Now and then a kill during start-up too: while it rebuilds the engine or opens the port.
      server_->Spawn(port_, starts_);
      std::this_thread::sleep_for(milliseconds(static_cast<int>(rng() % 60)));
      server_->Kill();
      ++kills;
      ++startup_kills;
    }
    ASSERT_NO_FATAL_FAILURE(Start());

    // After the restart: every notification of this round left without an answer is either fully
    // applied or not at all; delivering it again settles it. Some acknowledged ones are delivered
    // again too: they must answer already_applied.
    HttpClient c("127.0.0.1", port_, kRequestTimeout);
    std::vector<size_t> again;
    std::vector<size_t> acked;
    for (size_t i = 0; i < sent_.size(); ++i) {
      if (sent_[i].round == round && !sent_[i].acked) again.push_back(i);
      if (sent_[i].acked) acked.push_back(i);
    }
    for (size_t i : again) {
      Sent& s = sent_[i];
      auto o = c.Get("/api/v1/orders/" + std::to_string(s.order), members_[s.member].token);
      ASSERT_EQ(o.status, 200u) << o.body;
      const std::string status(o.Json().at("status").as_string());
      ASSERT_TRUE(status == "paid" || status == "created") << o.body;
      ++in_doubt;
      if (status == "paid") ++in_doubt_applied;
      auto n = Notify(c, s);
      ASSERT_EQ(n.status, 200u) << n.body;
      EXPECT_EQ(n.Json().at("status").as_string(), status == "paid" ? "already_applied" : "applied")
          << "order " << s.order << " was " << status
          << " after the restart; the notification answered " << n.body;
      s.acked = true;
    }
    for (int k = 0; k < 3 && !acked.empty(); ++k) {
      const Sent& s = sent_[acked[rng() % acked.size()]];
      auto n = Notify(c, s);
      ASSERT_EQ(n.status, 200u) << n.body;
      EXPECT_EQ(n.Json().at("status").as_string(), "already_applied")
          << "order " << s.order << ": " << n.body;
      auto o = c.Get("/api/v1/orders/" + std::to_string(s.order), members_[s.member].token);
      ASSERT_EQ(o.status, 200u) << o.body;
      EXPECT_EQ(o.Json().at("status").as_string(), "paid")
          << "acknowledged payment lost: " << o.body;
      ++resent_acked;
    }
  }

  // The end: the paid orders are exactly the notified ones (each once), and the books add up.
  HttpClient c("127.0.0.1", port_, kRequestTimeout);
  std::map<int64_t, int64_t> expected;  // order → total
  size_t acknowledged_first_time = 0;
  for (const Sent& s : sent_) {
    if (s.acked_at_once) ++acknowledged_first_time;
    EXPECT_TRUE(expected.emplace(s.order, s.amount).second)
        << "order " << s.order << " notified twice";
    EXPECT_TRUE(s.acked);
  }
  std::map<int64_t, int64_t> paid;
  int64_t after = 0;
  for (int page = 0; page < 10'000; ++page) {
    auto r =
        c.Get("/api/v1/admin/orders?status=paid&limit=100&after=" + std::to_string(after), owner);
    ASSERT_EQ(r.status, 200u) << r.body;
    const json::value v = r.Json();
    for (const json::value& o : v.at("items").as_array()) {
      EXPECT_TRUE(paid.emplace(o.at("id").as_int64(), o.at("total").as_int64()).second);
      EXPECT_EQ(o.at("items").as_array().size(), 1u);
    }
    if (!v.as_object().contains("next")) break;
    after = v.at("next").as_int64();
  }
  for (const auto& [order, total] : expected) {
    auto it = paid.find(order);
    if (it == paid.end()) {
      ADD_FAILURE() << "order " << order << " was notified (and acknowledged) but is not paid";
    } else {
      EXPECT_EQ(it->second, total) << "order " << order;
    }
  }
  for (const auto& [order, total] : paid) {
    EXPECT_TRUE(expected.contains(order)) << "order " << order << " is paid but was never notified";
  }
  int64_t paid_sum = 0;
  for (const auto& [order, total] : paid) paid_sum += total;

  auto ledger = c.Get("/api/v1/admin/ledger", owner);
  ASSERT_EQ(ledger.status, 200u) << ledger.body;
  const json::value l = ledger.Json();
  EXPECT_EQ(l.at("ledger_sum").as_int64(), 0) << ledger.body;
  EXPECT_EQ(l.at("orders").as_int64(), static_cast<int64_t>(paid.size()))
      << "engine orders vs paid order lines";
  EXPECT_EQ(l.at("platform").at("buyers").as_int64(), -paid_sum) << ledger.body;
  EXPECT_EQ(l.at("member_count").as_int64(), kMembers) << ledger.body;

  // One more kill on an idle server: the rebuilt engine gives the same books.
  server_->Kill();
  ++kills;
  ASSERT_NO_FATAL_FAILURE(Start());
  HttpClient c2("127.0.0.1", port_, kRequestTimeout);
  auto again = c2.Get("/api/v1/admin/ledger", owner);
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.Json(), l) << "before: " << ledger.body << "\nafter: " << again.body;

  // Finally a clean stop: SIGTERM ends it with status 0 (and, in the asan build, no sanitizer
  // report).
  EXPECT_EQ(server_->Terminate(std::chrono::seconds(20)), 0) << server_->Stderr();
  EXPECT_EQ(server_->Stderr().find("Sanitizer"), std::string::npos) << server_->Stderr();

  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "crash test: %d kills (%d during start-up), %lld orders created, %zu notified, %zu "
      "acknowledged at once, %d in doubt at a kill (%d of them had "
      "been applied), %d acknowledged ones re-sent, %zu paid, %.1f s\n",
      kills, startup_kills, static_cast<long long>(created_.load()), sent_.size(),
      acknowledged_first_time, in_doubt, in_doubt_applied, resent_acked, paid.size(), seconds);
  EXPECT_GE(kills, 20);
}

}  // namespace
}  // namespace guanxi::test
