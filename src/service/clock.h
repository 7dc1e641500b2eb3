// Time for the service, injected: the engine never reads a clock, and the service reads only this one,
// so tests and the scheduler run on a manual clock. Times are Unix milliseconds (UTC); the shop's
// calendar day comes from its UTC offset (China has no daylight saving time).
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <optional>

namespace guanxi::service {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t NowMs() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
};

// Thread-safe; tests advance it by hand.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_ms) : now_(start_ms) {}
  int64_t NowMs() const override { return now_.load(); }
  void Set(int64_t ms) { now_.store(ms); }
  void Advance(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

// Another clock shifted by an offset: the demo seeds its history through the real service operations
// with the shop's clock set days in the past, then shifts it back to zero. Thread-safe.
class ShiftedClock final : public Clock {
 public:
  explicit ShiftedClock(const Clock& base) : base_(base) {}
  int64_t NowMs() const override { return base_.NowMs() + offset_.load(); }
  // The offset in milliseconds (negative: in the past); 0 runs on the base clock again.
  void Shift(int64_t offset_ms) { offset_.store(offset_ms); }
  // Sets the offset so that NowMs() reads `ms` at this moment.
  void SetNow(int64_t ms) { offset_.store(ms - base_.NowMs()); }
  const Clock& base() const { return base_; }

 private:
  const Clock& base_;
  std::atomic<int64_t> offset_{0};
};

// "Asia/Shanghai" (and the other zones without daylight saving time that Chinese shops use), "UTC",
// or a fixed offset "+08:00". Returns minutes east of UTC, or nullopt for a zone it does not know.
std::optional<int> ParseUtcOffset(std::string_view zone);

// The shop's calendar day number (days since 1970-01-01 in the shop's zone) of a Unix time.
int64_t ShopDay(int64_t unix_ms, int utc_offset_minutes);
// Unix milliseconds of the start of a shop day.
int64_t ShopDayStartMs(int64_t day, int utc_offset_minutes);
// "2026-12-07": a shop day as a date.
std::string ShopDate(int64_t day);

// An order's number as people read it: the shop's date of its creation and its id in at least six
// digits, "20261207000123". Unique because the id is; the id is the number's digits after the eighth.
std::string OrderNumber(int64_t created_at_ms, int64_t id, int utc_offset_minutes);

}  // namespace guanxi::service
