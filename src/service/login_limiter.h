// Slows password guessing without locking out the right person. Per account (the phone given,
// whether an account has it or not, so that the answers do not tell), and per client address: the
// first failures are free; after them each attempt must wait a delay that doubles with every further
// failure, up to a cap, and only one attempt at a time is let through. Once the delay has passed the
// right password works: nothing is ever blocked outright, and an attack on members' accounts from
// one address delays nobody at another (the staff's logins included). Failures are forgotten a
// window after the last one; a good login clears its account's. Memory is bounded: past
// `max_entries` the entries of each kind that are already forgotten go, then the oldest.
// Pure (time comes in as arguments) and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace guanxi::service {

struct LoginLimits {
  int account_free_failures = 5;   // per phone, before delays begin
  int address_free_failures = 20;  // per client address
  int64_t delay_ms = 1'000;        // the first delay; doubles with each failure after it
  int64_t max_delay_ms = 15 * 60'000;
  int64_t forget_ms = 15 * 60'000;  // failures are forgotten this long after the last one
  size_t max_entries = 100'000;     // of each kind (accounts, addresses)
};

class LoginLimiter {
 public:
  explicit LoginLimiter(LoginLimits limits) : limits_(limits) {}

  struct Verdict {
    int64_t wait_ms = 0;  // 0: go ahead (then call End); else how long until an attempt may be made
    bool by_address = false;  // the wait is the client address's, not the account's
  };
  // Before checking a password. A go-ahead counts the attempt as in flight until End.
  Verdict Begin(std::string_view account, std::string_view address, int64_t now_ms);
  // After a Begin that went ahead: the password was right, wrong, or not checked (the server was
  // too busy), which counts neither way.
  enum class Outcome { kRight, kWrong, kNotChecked };
  void End(std::string_view account, std::string_view address, Outcome outcome, int64_t now_ms);

  const LoginLimits& limits() const { return limits_; }

 private:
  struct State {
    int failures = 0;
    int in_flight = 0;
    int64_t last_failure_ms = 0;
    int64_t next_ms = 0;  // no attempt before this
  };
  using Map = std::unordered_map<std::string, State>;
  // The wait before `s` may try again (0: now).
  int64_t Wait(const State& s, int free_failures, int64_t now_ms) const;
  int64_t Delay(int failures, int free_failures) const;
  void Forget(State& s, int64_t now_ms) const;
  void Trim(Map& m, int64_t now_ms) const;
  void Failed(State& s, int free_failures, int64_t now_ms) const;

  const LoginLimits limits_;
  std::mutex mu_;
  Map accounts_, addresses_;
};

}  // namespace guanxi::service
