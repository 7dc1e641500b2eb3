#include "core/money.h"

namespace guanxi::core {

std::string FormatYuan(Fen amount) {
  const bool negative = amount < 0;
  // Work in unsigned so that INT64_MIN does not overflow when negated.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(amount) : static_cast<uint64_t>(amount);
  std::string cents = std::to_string(magnitude % 100);
  if (cents.size() < 2) cents.insert(0, "0");
  return (negative ? "-" : "") + std::to_string(magnitude / 100) + "." + cents;
}

}  // namespace guanxi::core
