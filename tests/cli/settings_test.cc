// The settings file of `guanxi serve` (cli::ParseSettings): values land where docs/service.md says,
// and every refusal names the file, the line and the key. The float cases came from the settings fuzz
// target: a float too large for int64 given to an integer setting was converted before its type was
// checked (undefined behaviour, reported by clang's UBSan; g++'s -fsanitize=undefined does not check
// float-to-integer overflow, so only the message is asserted here).
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "cli/settings.h"

namespace guanxi::cli {
namespace {

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

TEST(SettingsTest, RefusalsNameTheLineAndTheKey) {
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
