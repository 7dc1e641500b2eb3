// The settings file of `guanxi serve`: values land where they belong, and a bad one is refused with
// the file's name, its line and the key.
#include "cli/settings.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace guanxi::cli {
namespace {

TEST(SettingsTest, TheServersLimitsAndTheLoginLimiterAreRead) {
  Settings s;
  ParseSettings(R"(
max_connections = 5000
trusted_proxies = ["127.0.0.1", "10.0.0.0/8"]
body_limit_bytes = 131072
body_memory_bytes = 33554432
read_timeout_ms = 5000
login_max_failures = 3
login_address_max_failures = 50
login_delay_ms = 500
login_max_delay_ms = 600000
login_window_minutes = 30
password_threads = 4
)",
                "guanxi.toml", s);
  EXPECT_EQ(s.server.max_connections, 5000u);
  EXPECT_EQ(s.server.trusted_proxies, (std::vector<std::string>{"127.0.0.1", "10.0.0.0/8"}));
  EXPECT_EQ(s.server.body_limit, 131072u);
  EXPECT_EQ(s.server.body_memory, 33554432u);
  EXPECT_EQ(s.server.read_timeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(s.shop.login_max_failures, 3);
  EXPECT_EQ(s.shop.login_address_max_failures, 50);
  EXPECT_EQ(s.shop.login_delay_ms, 500);
  EXPECT_EQ(s.shop.login_max_delay_ms, 600'000);
  EXPECT_EQ(s.shop.login_window_ms, 30 * 60'000);
  EXPECT_EQ(s.shop.workers, 4);
}

TEST(SettingsTest, BadValuesAreRefusedNamingTheLineAndKey) {
  struct Case {
    const char* toml;
    const char* message;
  };
  constexpr Case kCases[] = {
      {"trusted_proxies = [\"10.0.0.0/33\"]", "guanxi.toml:1: trusted_proxies: \"10.0.0.0/33\" is not an IP address"},
      {"trusted_proxies = \"10.0.0.1\"", "guanxi.toml:1: trusted_proxies: must be a list"},
      {"trusted_proxies = [1]", "guanxi.toml:1: trusted_proxies: must be a list of strings"},
      {"\nmax_connections = -1", "guanxi.toml:2: max_connections: must be an integer in 0..10000000"},
      {"body_memory_bytes = 1", "guanxi.toml:1: body_memory_bytes: must be an integer in 65536.."},
      {"login_delay_ms = 0", "guanxi.toml:1: login_delay_ms: must be an integer in 1..3600000"},
      {"nope = 1", "guanxi.toml:1: nope: unknown setting"},
  };
  for (const Case& k : kCases) {
    SCOPED_TRACE(k.toml);
    Settings s;
    try {
      ParseSettings(k.toml, "guanxi.toml", s);
      ADD_FAILURE() << "accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()).rfind(k.message, 0), 0u) << e.what();
    }
  }
}

TEST(SettingsTest, AnEmptyFileIsAFileOfNoSettings) {
  const auto path = std::filesystem::temp_directory_path() / ("guanxi-empty-settings-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path).close();
  Settings s;
  EXPECT_NO_THROW(LoadSettingsFile(path.string(), s));
  EXPECT_EQ(s.server.max_connections, 0u);
  std::filesystem::remove(path);
  EXPECT_THROW(LoadSettingsFile(path.string(), s), std::runtime_error);
}

TEST(SettingsTest, AppliesEveryDocumentedKind) {
  Settings s;
  ParseSettings("timezone = \"+05:30\"\norder_ttl_minutes = 30\nwithdraw_min = 500\nsandbox_payments = false\n"
                "threads = 4\nbody_limit_bytes = 2048\npublic_url = \"https://shop.example.cn\"\n",
                "shop.toml", s);
  EXPECT_EQ(s.shop.utc_offset_minutes, 330);
  EXPECT_EQ(s.shop.order_ttl_ms, 30 * 60'000);
  EXPECT_EQ(s.shop.withdraw_min, 500);
  EXPECT_FALSE(s.shop.sandbox_payments);
  EXPECT_EQ(s.server.threads, 4);
  EXPECT_EQ(s.server.body_limit, 2048u);
  EXPECT_EQ(s.public_url, "https://shop.example.cn");
}

TEST(SettingsTest, RefusalsOfTheShopsKeysNameTheLineAndTheKey) {
  struct Case {
    const char* text;
    const char* message;
  };
  constexpr Case kCases[] = {
      // Floats where an integer is wanted, the huge one included (found by fuzz/settings_fuzz.cc).
      {"idle_timeout_ms = 25555555555555555555555555555555555555555555555555555555555555555555555550.0\n",
       "shop.toml:1: idle_timeout_ms: must be an integer in 100..3600000"},
      {"\nthreads = 1e300\n", "shop.toml:2: threads: must be an integer in 1..256"},
      {"withdraw_min = -1e300\n", "shop.toml:1: withdraw_min: must be an integer in 1..100000000"},
      {"withdraw_min = 10.5\n", "shop.toml:1: withdraw_min: must be an integer in 1..100000000"},
      {"threads = \"2\"\n", "shop.toml:1: threads: must be an integer in 1..256"},
      {"threads = 0\n", "shop.toml:1: threads: must be an integer in 1..256"},
      {"thread = 2\n", "shop.toml:1: thread: unknown setting"},
      {"payment_secret = \"short\"\n", "shop.toml:1: payment_secret: must have at least 16 characters"},
      {"huge_pages = 1\n", "shop.toml:1: huge_pages: must be true or false"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.text);
    Settings s;
    try {
      ParseSettings(c.text, "shop.toml", s);
      ADD_FAILURE() << "accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_EQ(std::string(e.what()), c.message);
    }
  }
}

}  // namespace
}  // namespace guanxi::cli
