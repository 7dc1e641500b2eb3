// splitmix64 (Steele, Lea, Flood 2014): the simulator's random numbers, and the benchmarks'. Tiny,
// fast and the same on every platform, unlike the std::uniform_*_distribution adaptors whose output
// differs between standard libraries, so a seed gives the same run everywhere. Integer only.
// Not thread-safe: one generator per thread.
#pragma once

#include <cstdint>

namespace guanxi::sim {

class SplitMix {
 public:
  explicit SplitMix(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // [0, n): the modulo bias is below n / 2^64, invisible at these sizes.
  uint32_t Below(uint64_t n) { return static_cast<uint32_t>(Next() % n); }
  bool Percent(uint32_t p) { return Next() % 100 < p; }
  // True with probability bps / 10000.
  bool Chance(uint32_t bps) { return Next() % 10000 < bps; }

 private:
  uint64_t state_;
};

}  // namespace guanxi::sim
