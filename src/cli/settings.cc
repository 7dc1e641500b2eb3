#include "cli/settings.h"

#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <vector>
#include <toml++/toml.h>

#include "http/client_address.h"
#include "service/clock.h"

namespace guanxi::cli {

void ParseSettings(std::string_view document, const std::string& name, Settings& out) {
  service::ShopConfig& shop = out.shop;
  toml::table t;
  try {
    t = toml::parse(document, name);
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << name << ":" << e.source().begin.line << ": " << e.description();
    throw std::runtime_error(msg.str());
  }
  // Not a structured binding: the lambdas below capture `node`, which clang before 16 refuses for one.
  for (const auto& entry : t) {
    const toml::key& key = entry.first;
    const toml::node& node = entry.second;
    const std::string k(key.str());
    const auto line = node.source().begin.line;
    auto fail = [&](const std::string& why) {
      throw std::runtime_error(name + ":" + std::to_string(line) + ": " + k + ": " + why);
    };
    auto integer = [&](int64_t lo, int64_t hi) {
      const std::string range = "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi);
      // The type first: value<int64_t>() of a float converts it, and a float beyond int64 (1e300)
      // makes that conversion undefined behaviour.
      if (!node.is_integer()) fail(range);
      const int64_t v = node.as_integer()->get();
      if (v < lo || v > hi) fail(range);
      return v;
    };
    auto text = [&] {
      if (!node.is_string()) fail("must be a string");
      return *node.value<std::string>();
    };
    constexpr int64_t kMinute = 60'000, kDay = 86'400'000;
    if (k == "timezone") {
      auto off = service::ParseUtcOffset(text());
      if (!off) fail("unknown zone; use Asia/Shanghai, UTC or an offset like +08:00");
      shop.utc_offset_minutes = *off;
    } else if (k == "order_ttl_minutes") {
      shop.order_ttl_ms = integer(1, 7 * 24 * 60) * kMinute;
    } else if (k == "auto_confirm_days") {
      shop.auto_confirm_ms = integer(1, 60) * kDay;
    } else if (k == "return_window_days") {
      shop.return_window_ms = integer(0, 60) * kDay;
    } else if (k == "token_ttl_days") {
      shop.token_ttl_ms = integer(1, 365) * kDay;
    } else if (k == "withdraw_min") {
      shop.withdraw_min = integer(1, 100'000'000);
    } else if (k == "withdraw_fee_fixed") {
      shop.withdraw_fee_fixed = integer(0, 100'000);
    } else if (k == "withdraw_fee_bps") {
      shop.withdraw_fee_bps = static_cast<core::Bps>(integer(0, 5'000));
    } else if (k == "payment_secret") {
      shop.payment_secret = text();
      if (shop.payment_secret.size() < 16) fail("must have at least 16 characters");
    } else if (k == "sandbox_payments") {
      if (!node.is_boolean()) fail("must be true or false");
      shop.sandbox_payments = *node.value<bool>();
    } else if (k == "login_max_failures") {
      shop.login_max_failures = static_cast<int>(integer(1, 1000));
    } else if (k == "login_address_max_failures") {
      shop.login_address_max_failures = static_cast<int>(integer(1, 100'000));
    } else if (k == "login_delay_ms") {
      shop.login_delay_ms = integer(1, 3'600'000);
    } else if (k == "login_max_delay_ms") {
      shop.login_max_delay_ms = integer(1, 86'400'000);
    } else if (k == "login_window_minutes") {
      shop.login_window_ms = integer(1, 7 * 24 * 60) * kMinute;
    } else if (k == "password_threads") {
      shop.workers = static_cast<int>(integer(1, 64));
    } else if (k == "huge_pages") {
      if (!node.is_boolean()) fail("must be true or false");
      shop.huge_pages = *node.value<bool>();
    } else if (k == "max_batch") {
      shop.max_batch = static_cast<size_t>(integer(1, 100'000));
    } else if (k == "body_limit_bytes") {
      out.server.body_limit = static_cast<size_t>(integer(1024, 64 << 20));
    } else if (k == "read_timeout_ms") {
      out.server.read_timeout = std::chrono::milliseconds(integer(100, 600'000));
    } else if (k == "idle_timeout_ms") {
      out.server.idle_timeout = std::chrono::milliseconds(integer(100, 3'600'000));
    } else if (k == "body_memory_bytes") {
      out.server.body_memory = static_cast<size_t>(integer(64 << 10, int64_t{16} << 30));
    } else if (k == "max_connections") {
      out.server.max_connections = static_cast<size_t>(integer(0, 10'000'000));
    } else if (k == "trusted_proxies") {
      const toml::array* list = node.as_array();
      if (list == nullptr) fail("must be a list of addresses or networks, e.g. [\"10.0.0.0/8\"]");
      std::vector<std::string> entries;
      for (const toml::node& e : *list) {
        if (!e.is_string()) fail("must be a list of strings, e.g. [\"10.0.0.0/8\"]");
        entries.push_back(*e.value<std::string>());
      }
      try {
        (void)http::TrustedProxies(entries);
      } catch (const std::invalid_argument& e) {
        fail(e.what());
      }
      out.server.trusted_proxies = std::move(entries);
    } else if (k == "threads") {
      out.server.threads = static_cast<int>(integer(1, 256));
    } else if (k == "public_url") {
      out.public_url = text();
    } else if (k == "static_dir") {
      out.static_dir = text();
    } else {
      fail("unknown setting");
    }
  }
}

void LoadSettingsFile(const std::string& path, Settings& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  // Not `text << in.rdbuf()`, which fails on an empty file (a file of no settings is a valid one).
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  ParseSettings(text, path, out);
}

}  // namespace guanxi::cli
