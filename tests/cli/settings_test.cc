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

}  // namespace
}  // namespace guanxi::cli
