// The benchmarks' generator is the simulator's splitmix64 (src/sim/splitmix.h), with the seed their
// generated networks start from.
#pragma once

#include <cstdint>

#include "sim/splitmix.h"

namespace guanxi::bench {

inline constexpr uint64_t kSeed = 0x6775616e786921;  // "guanxi!"

using SplitMix = sim::SplitMix;

}  // namespace guanxi::bench
