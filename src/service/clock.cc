#include "service/clock.h"

#include <chrono>
#include <cstdio>
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

namespace {
// Year, month and day of a day number (days since 1970-01-01), by std::chrono's civil calendar.
std::chrono::year_month_day Civil(int64_t day) {
  return std::chrono::year_month_day{std::chrono::sys_days{std::chrono::days{day}}};
}
}  // namespace

std::string ShopDate(int64_t day) {
  const auto d = Civil(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()));
  return text;
}

std::string OrderNumber(int64_t created_at_ms, int64_t id, int utc_offset_minutes) {
  const auto d = Civil(ShopDay(created_at_ms, utc_offset_minutes));
  char text[40];
  std::snprintf(text, sizeof text, "%04d%02u%02u%06lld", static_cast<int>(d.year()), static_cast<unsigned>(d.month()),
                static_cast<unsigned>(d.day()), static_cast<long long>(id));
  return text;
}

}  // namespace guanxi::service
