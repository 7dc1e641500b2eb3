// Fuzz target: bytes as a `guanxi serve` settings file (cli::ParseSettings). A refusal is a
// std::runtime_error whose message names the file and line; anything else thrown, or a setting
// accepted outside its documented range (docs/service.md), is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cli/settings.h"
#include "fuzz_support.h"

namespace {

using guanxi::fuzz::Check;

// "fuzz.toml:<line>: …" with a line of at least 1.
bool NamesTheLine(const std::string& message) {
  constexpr std::string_view kPrefix = "fuzz.toml:";
  if (!message.starts_with(kPrefix)) return false;
  size_t i = kPrefix.size();
  const size_t digits = i;
  while (i < message.size() && message[i] >= '0' && message[i] <= '9') ++i;
  return i > digits && i < message.size() && message[i] == ':' && message.compare(digits, 2, "0:") != 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  guanxi::cli::Settings s;
  try {
    guanxi::cli::ParseSettings(text, "fuzz.toml", s);
  } catch (const std::runtime_error& e) {
    Check(NamesTheLine(e.what()), std::string("a refusal that does not name the line: ") + e.what());
    return 0;
  }
  const guanxi::service::ShopConfig& c = s.shop;
  Check(c.order_ttl_ms >= 60'000 && c.order_ttl_ms <= 7LL * 86'400'000, "order_ttl_minutes out of range");
  Check(c.auto_confirm_ms >= 86'400'000 && c.auto_confirm_ms <= 60LL * 86'400'000, "auto_confirm_days out of range");
  Check(c.return_window_ms >= 0 && c.return_window_ms <= 60LL * 86'400'000, "return_window_days out of range");
  Check(c.token_ttl_ms >= 86'400'000 && c.token_ttl_ms <= 365LL * 86'400'000, "token_ttl_days out of range");
  Check(c.withdraw_min >= 1, "withdraw_min below 1 fen");
  Check(c.withdraw_fee_fixed >= 0 && c.withdraw_fee_bps >= 0 && c.withdraw_fee_bps <= 5'000, "withdrawal fee out of range");
  Check(c.payment_secret.empty() || c.payment_secret.size() >= 16, "payment_secret shorter than 16 characters");
  Check(c.login_max_failures >= 1 && c.max_batch >= 1, "login_max_failures or max_batch below 1");
  Check(c.utc_offset_minutes >= -24 * 60 && c.utc_offset_minutes <= 24 * 60, "timezone offset beyond a day");
  Check(s.server.body_limit >= 1024 && s.server.threads >= 1 && s.server.threads <= 256, "HTTP limits out of range");
  return 0;
}
