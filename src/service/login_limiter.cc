// The login limiter: free failures, then doubling delays between single attempts.
#include "service/login_limiter.h"

#include <algorithm>
#include <vector>

namespace guanxi::service {

int64_t LoginLimiter::Delay(int failures, int free_failures) const {
  if (failures < free_failures) return 0;
  // delay_ms doubled for each failure past the free ones, without overflow: doubling stops at the cap.
  int64_t delay = limits_.delay_ms;
  for (int i = free_failures; i < failures && delay < limits_.max_delay_ms; ++i) delay *= 2;
  return std::min(delay, limits_.max_delay_ms);
}

void LoginLimiter::Forget(State& s, int64_t now_ms) const {
  if (s.failures > 0 && s.in_flight == 0 && now_ms - s.last_failure_ms >= limits_.forget_ms) s = State{};
}

int64_t LoginLimiter::Wait(const State& s, int free_failures, int64_t now_ms) const {
  if (s.failures + s.in_flight < free_failures) return 0;
  // Past the free failures: one attempt at a time, each after its delay.
  if (s.in_flight > 0) return std::max<int64_t>(s.next_ms - now_ms, 1'000);
  return std::max<int64_t>(s.next_ms - now_ms, 0);
}

void LoginLimiter::Failed(State& s, int free_failures, int64_t now_ms) const {
  ++s.failures;
  s.last_failure_ms = now_ms;
  s.next_ms = now_ms + Delay(s.failures, free_failures);
}

void LoginLimiter::Trim(Map& m, int64_t now_ms) const {
  if (m.size() < limits_.max_entries) return;
  std::erase_if(m, [&](const auto& e) {
    return e.second.in_flight == 0 && now_ms - e.second.last_failure_ms >= limits_.forget_ms;
  });
  if (m.size() < limits_.max_entries) return;
  // Still full of live entries: the oldest failures go first, down to three quarters.
  std::vector<std::pair<int64_t, const std::string*>> by_age;
  by_age.reserve(m.size());
  for (const auto& [key, s] : m) {
    if (s.in_flight == 0) by_age.emplace_back(s.last_failure_ms, &key);
  }
  const size_t drop = std::min(by_age.size(), m.size() - limits_.max_entries * 3 / 4);
  std::nth_element(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(drop), by_age.end());
  std::vector<std::string> keys;
  for (size_t i = 0; i < drop; ++i) keys.push_back(*by_age[i].second);
  for (const std::string& k : keys) m.erase(k);
}

LoginLimiter::Verdict LoginLimiter::Begin(std::string_view account, std::string_view address, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Trim(accounts_, now_ms);
  Trim(addresses_, now_ms);
  State& by_address = addresses_[std::string(address)];
  Forget(by_address, now_ms);
  if (const int64_t w = Wait(by_address, limits_.address_free_failures, now_ms); w > 0) return {w, true};
  State& by_account = accounts_[std::string(account)];
  Forget(by_account, now_ms);
  if (const int64_t w = Wait(by_account, limits_.account_free_failures, now_ms); w > 0) return {w, false};
  // Past the free failures every attempt, right or wrong, puts the next one off by the delay: a
  // login of an account of one's own does not buy another guess sooner.
  for (auto [state, free] : {std::pair{&by_address, limits_.address_free_failures},
                             std::pair{&by_account, limits_.account_free_failures}}) {
    if (state->failures + state->in_flight >= free) {
      state->next_ms = now_ms + Delay(std::max(state->failures, free), free);
    }
    ++state->in_flight;
  }
  return {};
}

void LoginLimiter::End(std::string_view account, std::string_view address, Outcome outcome, int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto end = [&](Map& m, std::string_view key, int free_failures, bool clear_on_right) {
    auto it = m.find(std::string(key));
    if (it == m.end()) return;
    State& s = it->second;
    s.in_flight = std::max(0, s.in_flight - 1);
    if (outcome == Outcome::kWrong) {
      Failed(s, free_failures, now_ms);
    } else if (s.in_flight == 0 && (s.failures == 0 || (outcome == Outcome::kRight && clear_on_right))) {
      m.erase(it);
    }
  };
  end(accounts_, account, limits_.account_free_failures, true);
  // A good login does not clear its address's failures: an attacker would log into an account of its
  // own between guesses.
  end(addresses_, address, limits_.address_free_failures, false);
}

}  // namespace guanxi::service
