// Dense integer ids. Members, orders, products and withdrawals are numbered 0, 1, 2 … in the order the
// engine created them, so every per-member fact is an array slot, not a hash lookup. Names that people
// use ("A", an order number) are mapped to these ids outside the engine.
#pragma once

#include <cstdint>

namespace guanxi::core {

using MemberId = uint32_t;
using OrderId = uint32_t;
using ProductId = uint32_t;
using WithdrawalId = uint32_t;

inline constexpr uint32_t kNone = 0xFFFFFFFFu;

}  // namespace guanxi::core
