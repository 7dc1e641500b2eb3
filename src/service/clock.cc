#include "service/clock.h"

#include <chrono>
#include <cstdlib>

namespace guanxi::service {

int64_t SystemClock::NowMs() const {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::optional<int> ParseUtcOffset(std::string_view zone) {
  struct Known {
    std::string_view name;
    int minutes;
  };
  static constexpr Known kKnown[] = {
      {"UTC", 0},          {"Etc/UTC", 0},        {"Asia/Shanghai", 480}, {"Asia/Chongqing", 480},
      {"Asia/Hong_Kong", 480}, {"Asia/Macau", 480}, {"Asia/Taipei", 480}, {"Asia/Singapore", 480},
      {"Asia/Urumqi", 360}, {"Asia/Tokyo", 540},
  };
  for (const Known& k : kKnown) {
    if (k.name == zone) return k.minutes;
  }
  // ±HH:MM
  if (zone.size() == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':') {
    auto digit = [&](size_t i) { return zone[i] >= '0' && zone[i] <= '9' ? zone[i] - '0' : -100; };
    int h = digit(1) * 10 + digit(2), m = digit(4) * 10 + digit(5);
    if (h < 0 || h > 14 || m < 0 || m > 59) return std::nullopt;
    int total = h * 60 + m;
    return zone[0] == '-' ? -total : total;
  }
  return std::nullopt;
}

namespace {
constexpr int64_t kDayMs = 86'400'000;
int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }
}  // namespace

int64_t ShopDay(int64_t unix_ms, int utc_offset_minutes) {
  return FloorDiv(unix_ms + int64_t{utc_offset_minutes} * 60'000, kDayMs);
}

int64_t ShopDayStartMs(int64_t day, int utc_offset_minutes) {
  return day * kDayMs - int64_t{utc_offset_minutes} * 60'000;
}

}  // namespace guanxi::service
