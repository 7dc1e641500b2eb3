// Money and rates. Every amount in guanxi is an int64 count of fen (1 yuan = 100 fen); every rate is
// in basis points (1% = 100 bps). Nothing here uses floating point. Thread-safe: pure functions.
#pragma once

#include <cstdint>
#include <string>

namespace guanxi::core {

using Fen = int64_t;
using Bps = int32_t;

inline constexpr Bps kWholeBps = 10000;

// amount × bps / 10000, truncated toward zero (99.9 fen pays 99). The remainder stays with whoever
// would otherwise have paid it; callers say who that is.
// REQUIRES: |amount| × bps fits in int64 (amounts below 9e14 fen at rates ≤ 100%).
constexpr Fen ApplyBps(Fen amount, Bps bps) { return amount * bps / kWholeBps; }

// "300.00", "-0.05": yuan with two decimals, for explanations a member reads.
std::string FormatYuan(Fen amount);

}  // namespace guanxi::core
