// Where the engine's arrays live (core/array.h): every large array comes from the caller's
// memory_resource, on 64-byte boundaries, and gives all of it back; an engine on other memory (the
// service's huge pages among them) reaches the same state to the fen. service::HugePages itself:
// large blocks on 2 MiB boundaries, small ones from new/delete.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <memory_resource>
#include <sstream>
#include <string>
#include <vector>

#include "core/engine.h"
#include "plan/plan_file.h"
#include "service/huge_pages.h"
#include "service/journal.h"
#include "support/counting_resource.h"

namespace guanxi::core {
namespace {

Plan ChainPlan() {
  std::ifstream in(std::string(GUANXI_SOURCE_DIR) + "/plans/chain-2plus1-699.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  auto plan = plan::ParsePlan(ss.str(), "chain-2plus1-699.toml");
  EXPECT_TRUE(plan.ok()) << (plan ? "" : plan.error().message);
  return plan ? *plan : Plan{};
}

using test::CountingResource;

// A network of n members (each referred by one of the earlier ones, by a fixed rule) and a first
// purchase of pkg699 by each, then a repurchase by every third; returns false if anything is refused.
bool Drive(Engine& e, uint32_t n) {
  const auto pkg = e.FindProduct("pkg699");
  if (!pkg) return false;
  for (uint32_t i = 0; i < n; ++i) {
    const MemberId referrer = i == 0 ? kNone : static_cast<MemberId>((i * 7919u) % i);
    if (!e.Join(referrer, nullptr).ok()) return false;
  }
  for (uint32_t i = 0; i < n; ++i) {
    if (i + 1 < n) e.Prefetch(i + 1);
    if (!e.PayOrder(i, *pkg, 1, std::nullopt, nullptr).ok()) return false;
  }
  for (uint32_t i = 0; i < n; i += 3) {
    if (!e.PayOrder(i, *pkg, 1, std::nullopt, nullptr).ok()) return false;
  }
  return true;
}

// Member for member and fen for fen (service::CompareEngines, as migrate checks a copied shop).
void ExpectSameState(const Engine& a, const Engine& b) {
  EXPECT_EQ(a.order_count(), b.order_count());
  const service::EngineComparison c = service::CompareEngines(a, b, "one", "the other");
  EXPECT_GT(c.accounts, int64_t{a.member_count()} * 4);
  EXPECT_TRUE(c.differences.empty()) << c.differences.front();
}

TEST(MemoryTest, TheArraysComeFromTheCallersMemoryAndGoBackToIt) {
  CountingResource counting;
  {
    Engine on_counting(ChainPlan(), &counting);
    ASSERT_TRUE(Drive(on_counting, 5000));
    // Every per-member array (what MemoryBytes counts) and, beyond them, the orders and reward lines.
    EXPECT_GT(counting.outstanding, on_counting.MemoryBytes());
    EXPECT_GE(on_counting.MemoryBytes(), 5000u * 64u);
    EXPECT_EQ(counting.misaligned, 0u);

    Engine plain(ChainPlan());
    ASSERT_TRUE(Drive(plain, 5000));
    ExpectSameState(on_counting, plain);

    // A copy keeps allocating from the same memory.
    const size_t before = counting.allocations;
    Engine copy = on_counting;
    EXPECT_GT(counting.allocations, before);
    ExpectSameState(copy, plain);
  }
  EXPECT_EQ(counting.outstanding, 0u);
}

// Orders and reward lines (ChunkedArray): past the first chunk, an element never moves as the array
// grows, and a copy holds the same elements in memory of its own from the same resource.
TEST(MemoryTest, AChunkedArrayGrowsWithoutMovingWhatItHolds) {
  CountingResource counting;
  {
    ChunkedArray<uint64_t, 3> a(&counting);  // chunks of 8
    std::vector<const uint64_t*> where;
    for (uint64_t i = 0; i < 100; ++i) {
      a.push_back(i * i);
      where.push_back(&a[i]);
    }
    ASSERT_EQ(a.size(), 100u);
    for (size_t i = 0; i < 100; ++i) {
      EXPECT_EQ(a[i], i * i) << i;
      if (i >= 8) {
        EXPECT_EQ(&a[i], where[i]) << i;  // the first chunk grows like a vector, then stays
      }
    }
    EXPECT_EQ(counting.misaligned, 0u);
    // 13 chunks of 8 elements and nothing else (chunks this small are allocated whole).
    EXPECT_EQ(counting.outstanding, 13 * 8 * sizeof(uint64_t));

    const size_t before = counting.outstanding;
    ChunkedArray<uint64_t, 3> copy = a;
    EXPECT_GE(counting.outstanding - before, 100 * sizeof(uint64_t));
    EXPECT_LE(counting.outstanding, 2 * before);
    copy.push_back(7);
    copy[0] = 1;
    EXPECT_EQ(copy.size(), 101u);
    EXPECT_EQ(copy[100], 7u);
    EXPECT_EQ(a.size(), 100u);
    EXPECT_EQ(a[0], 0u);
    EXPECT_EQ(copy[99], 99u * 99u);
    ChunkedArray<uint64_t, 3> moved = std::move(copy);
    EXPECT_EQ(moved.size(), 101u);
    EXPECT_EQ(moved[100], 7u);
    moved = a;  // assigned: a's elements, in memory of its own
    EXPECT_EQ(moved.size(), 100u);
    EXPECT_EQ(moved[99], 99u * 99u);
    EXPECT_NE(&moved[99], &a[99]);

    // A first chunk of 1,024 grows like a vector: 20 elements hold room for 32, not 1,024.
    const size_t held = counting.outstanding;
    ChunkedArray<uint64_t, 10> small(&counting);
    for (uint64_t i = 0; i < 20; ++i) small.push_back(i);
    EXPECT_EQ(counting.outstanding - held, 32 * sizeof(uint64_t));
    EXPECT_EQ(small[19], 19u);

    // Reserved room: the first chunk is allocated once, whole.
    ChunkedArray<uint64_t, 3> r(&counting);
    r.reserve(20);
    const size_t allocations = counting.allocations;
    for (uint64_t i = 0; i < 8; ++i) r.push_back(i);
    EXPECT_EQ(counting.allocations, allocations);
    EXPECT_EQ(r[7], 7u);
  }
  EXPECT_EQ(counting.outstanding, 0u);
}

TEST(MemoryTest, AnEngineOnHugePagesReachesTheSameState) {
  Engine huge(ChainPlan(), service::HugePages());
  huge.Reserve(20000, 30000);  // arrays of megabytes: their own 2 MiB-aligned mappings
  ASSERT_TRUE(Drive(huge, 20000));
  Engine plain(ChainPlan());
  ASSERT_TRUE(Drive(plain, 20000));
  ExpectSameState(huge, plain);
}

TEST(MemoryTest, HugePagesAlignLargeBlocksAndPassSmallOnesThrough) {
  std::pmr::memory_resource* huge = service::HugePages();
  constexpr size_t kMiB = size_t{1} << 20;
  std::vector<std::pair<void*, size_t>> blocks;
  for (size_t bytes : {2 * kMiB, 3 * kMiB + 1, 64 * kMiB}) {
    void* p = huge->allocate(bytes, 64);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (2 * kMiB), 0u) << bytes;
    std::memset(p, 0xA5, bytes);  // every byte is writable
    EXPECT_EQ(static_cast<unsigned char*>(p)[bytes - 1], 0xA5);
    blocks.emplace_back(p, bytes);
  }
  void* small = huge->allocate(100, 64);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small) % 64, 0u);
  std::memset(small, 1, 100);
  huge->deallocate(small, 100, 64);
  for (auto [p, bytes] : blocks) huge->deallocate(p, bytes, 64);
  EXPECT_TRUE(huge->is_equal(*service::HugePages()));
  EXPECT_FALSE(huge->is_equal(*std::pmr::new_delete_resource()));
}

}  // namespace
}  // namespace guanxi::core
