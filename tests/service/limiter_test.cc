// The login limiter (free failures, then doubling delays between single attempts; nobody locked out)
// and the password hashing pool (bounded lanes served by priority), on their own.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "service/hash_pool.h"
#include "service/login_limiter.h"

namespace guanxi::service {
namespace {

using Outcome = LoginLimiter::Outcome;
constexpr int64_t kT0 = 1'000'000;

LoginLimits Limits() {
  LoginLimits l;
  l.account_free_failures = 5;
  l.address_free_failures = 20;
  l.delay_ms = 1'000;
  l.max_delay_ms = 60'000;
  l.forget_ms = 15 * 60'000;
  return l;
}

// One attempt: Begin, and End with `outcome` if it went ahead. Returns the wait (0: it went ahead).
int64_t Try(LoginLimiter& l, const std::string& account, const std::string& address, Outcome outcome, int64_t now) {
  const auto v = l.Begin(account, address, now);
  if (v.wait_ms == 0) l.End(account, address, outcome, now);
  return v.wait_ms;
}

TEST(LoginLimiterTest, FreeFailuresThenDoublingDelaysAndTheRightPasswordWorksOnceTheDelayHasPassed) {
  LoginLimiter l(Limits());
  int64_t now = kT0;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Try(l, "13800000001", "1.1.1.1", Outcome::kWrong, now), 0) << i;
  // The sixth attempt waits a second, and the waits double with each failure after it, to the cap.
  const int64_t kDelays[] = {1'000, 2'000, 4'000, 8'000, 16'000, 32'000, 60'000, 60'000};
  for (int64_t delay : kDelays) {
    SCOPED_TRACE(delay);
    EXPECT_EQ(l.Begin("13800000001", "1.1.1.1", now).wait_ms, delay);
    EXPECT_EQ(l.Begin("13800000001", "1.1.1.1", now + delay - 1).wait_ms, 1);
    now += delay;
    EXPECT_EQ(Try(l, "13800000001", "1.1.1.1", Outcome::kWrong, now), 0);
  }
  // The right password is never refused once the delay has passed; it clears the account's failures.
  now += 60'000;
  EXPECT_EQ(Try(l, "13800000001", "1.1.1.1", Outcome::kRight, now), 0);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Try(l, "13800000001", "2.2.2.2", Outcome::kWrong, now), 0) << i;
}

TEST(LoginLimiterTest, PastTheFreeFailuresOnlyOneAttemptAtATimeGoesAhead) {
  LoginLimiter l(Limits());
  // Five guesses in flight at once use up the free ones: a sixth waits even before they fail.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(l.Begin("13800000002", "1.1.1.1", kT0).wait_ms, 0);
  EXPECT_GT(l.Begin("13800000002", "1.1.1.1", kT0).wait_ms, 0);
  for (int i = 0; i < 5; ++i) l.End("13800000002", "1.1.1.1", Outcome::kWrong, kT0);
  const int64_t later = kT0 + 1'000;
  EXPECT_EQ(l.Begin("13800000002", "1.1.1.1", later).wait_ms, 0);
  EXPECT_GT(l.Begin("13800000002", "1.1.1.1", later).wait_ms, 0);  // one in flight: the next waits
}

TEST(LoginLimiterTest, AnAttackFromOneAddressDelaysThatAddressOnly) {
  LoginLimiter l(Limits());
  // Twenty members' phones guessed once each from one address: each account is within its free
  // failures, but the address is not.
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(Try(l, "1390000" + std::to_string(1000 + i), "6.6.6.6", Outcome::kWrong, kT0), 0);
  }
  const auto v = l.Begin("owner", "6.6.6.6", kT0);
  EXPECT_EQ(v.wait_ms, 1'000);
  EXPECT_TRUE(v.by_address);
  // The owner, at another address, logs in at once.
  EXPECT_EQ(Try(l, "owner", "10.0.0.7", Outcome::kRight, kT0), 0);
  // A good login from the attacking address neither wipes the address's record nor lets the next
  // guess come sooner.
  EXPECT_EQ(Try(l, "13911111111", "6.6.6.6", Outcome::kRight, kT0 + 1'000), 0);
  EXPECT_EQ(l.Begin("13900001000", "6.6.6.6", kT0 + 1'000).wait_ms, 1'000);
}

TEST(LoginLimiterTest, FailuresAreForgottenAndUncheckedAttemptsDoNotCount) {
  LoginLimiter l(Limits());
  for (int i = 0; i < 5; ++i) Try(l, "13800000003", "1.1.1.1", Outcome::kWrong, kT0);
  EXPECT_GT(l.Begin("13800000003", "1.1.1.1", kT0).wait_ms, 0);
  // A window after the last failure, all is forgotten.
  const int64_t later = kT0 + 15 * 60'000;
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Try(l, "13800000003", "1.1.1.1", Outcome::kWrong, later), 0) << i;
  // An attempt the server was too busy to check counts neither way.
  for (int i = 0; i < 10; ++i) Try(l, "13800000004", "3.3.3.3", Outcome::kNotChecked, kT0);
  EXPECT_EQ(l.Begin("13800000004", "3.3.3.3", kT0).wait_ms, 0);
}

TEST(LoginLimiterTest, MemoryIsBoundedUnderGuessesAtManyPhones) {
  LoginLimits limits = Limits();
  limits.max_entries = 1'000;
  LoginLimiter l(limits);
  // 50,000 phones guessed from 50,000 addresses: the record keeps at most max_entries of each, so
  // it cannot be grown without bound, and recent guessers are still slowed.
  for (int i = 0; i < 50'000; ++i) {
    const std::string who = std::to_string(i);
    for (int k = 0; k < 5; ++k) Try(l, "p" + who, "a" + who, Outcome::kWrong, kT0 + i);
  }
  EXPECT_GT(l.Begin("p49999", "a-other", kT0 + 50'000).wait_ms, 0);
  EXPECT_EQ(l.Begin("p-new", "a-new", kT0 + 50'000).wait_ms, 0);
}

// A job that blocks until released, recording the order jobs ran in.
struct Gate {
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::vector<std::string> ran;
  void Wait() {
    std::unique_lock l(mu);
    cv.wait(l, [&] { return open; });
  }
  void Open() {
    {
      std::lock_guard l(mu);
      open = true;
    }
    cv.notify_all();
  }
  void Ran(const std::string& what) {
    std::lock_guard l(mu);
    ran.push_back(what);
  }
};

TEST(HashPoolTest, LanesAreBoundedAndServedByPriority) {
  HashPool pool(HashPool::Limits{.threads = 1, .login_queue = 2, .register_queue = 2});
  pool.Start();
  Gate gate;
  std::atomic<bool> running{false};
  // The one thread is held by a login; then the queues fill.
  ASSERT_TRUE(pool.Submit(HashPool::Lane::kLogin, [&] {
    running = true;
    gate.Wait();
  }));
  while (!running) std::this_thread::yield();
  for (const char* name : {"register-1", "register-2"}) {
    ASSERT_TRUE(pool.Submit(HashPool::Lane::kRegister, [&gate, name] { gate.Ran(name); }));
  }
  EXPECT_FALSE(pool.Submit(HashPool::Lane::kRegister, [] {}));  // full: refused at once
  for (const char* name : {"login-1", "login-2"}) {
    ASSERT_TRUE(pool.Submit(HashPool::Lane::kLogin, [&gate, name] { gate.Ran(name); }));
  }
  EXPECT_FALSE(pool.Submit(HashPool::Lane::kLogin, [] {}));
  ASSERT_TRUE(pool.Submit(HashPool::Lane::kStaffLogin, [&gate] { gate.Ran("staff"); }));
  EXPECT_EQ(pool.accepted(HashPool::Lane::kRegister), 2u);
  gate.Open();
  pool.Stop();  // runs what is queued
  EXPECT_EQ(gate.ran, (std::vector<std::string>{"staff", "login-1", "login-2", "register-1", "register-2"}));
}

TEST(HashPoolTest, RegistrationsNeverTakeTheLastThread) {
  HashPool pool(HashPool::Limits{.threads = 2, .login_queue = 8, .register_queue = 8});
  pool.Start();
  Gate gate;
  std::atomic<int> registering{0};
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(pool.Submit(HashPool::Lane::kRegister, [&] {
      ++registering;
      gate.Wait();
      --registering;
    }));
  }
  // With every registration waiting, a login still gets the second thread.
  std::atomic<bool> logged_in{false};
  ASSERT_TRUE(pool.Submit(HashPool::Lane::kLogin, [&] { logged_in = true; }));
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!logged_in && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_TRUE(logged_in);
  EXPECT_EQ(registering.load(), 1);
  gate.Open();
  pool.Stop();
}

}  // namespace
}  // namespace guanxi::service
