#include "core/money.h"

namespace guanxi::core {

std::string FormatYuan(Fen amount) {
  const bool negative = amount < 0;
  // Work in unsigned so that INT64_MIN does not overflow when negated.
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(amount) : static_cast<uint64_t>(amount);
  std::string out;
  if (negative) out.push_back('-');
  out += std::to_string(magnitude / 100);
  out.push_back('.');
  out.push_back(static_cast<char>('0' + magnitude % 100 / 10));
  out.push_back(static_cast<char>('0' + magnitude % 10));
  return out;
}

}  // namespace guanxi::core
