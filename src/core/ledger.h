// The double-entry ledger. Every movement of money takes an amount from one account and gives it to
// another, so the sum of all balances is zero after every command, by construction. Accounts: four
// buckets per member (pending → available / frozen, available → withdrawing), one per pool, and the
// platform's: money received from buyers (negative: it came from outside), revenue (what the plan did
// not pay out) and payouts (money that left to members' bank accounts).
// Not thread-safe: owned by the single-writer engine.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <new>
#include <vector>

#include "core/array.h"
#include "core/ids.h"
#include "core/money.h"

namespace guanxi::core {

enum class Bucket : uint8_t { kPending, kAvailable, kFrozen, kWithdrawing };
inline constexpr int kBucketCount = 4;

enum class PlatformAccount : uint8_t { kBuyers, kRevenue, kPayouts };
inline constexpr int kPlatformAccountCount = 3;

struct Account {
  enum class Kind : uint8_t { kMember, kPool, kPlatform };
  Kind kind = Kind::kPlatform;
  uint8_t sub = 0;  // Bucket for members, PlatformAccount for the platform
  uint32_t id = 0;  // MemberId or PoolId

  static Account Member(MemberId m, Bucket b) { return {Kind::kMember, static_cast<uint8_t>(b), m}; }
  static Account Pool(uint32_t p) { return {Kind::kPool, 0, p}; }
  static Account Platform(PlatformAccount a) { return {Kind::kPlatform, static_cast<uint8_t>(a), 0}; }
  friend bool operator==(const Account&, const Account&) = default;
};

struct Balances {
  Fen pending = 0;
  Fen available = 0;
  Fen frozen = 0;
  Fen withdrawing = 0;
};

// Member balances are kept in one block per member: first `prefix` bytes that the owner (the engine)
// keeps there — its record of the member — then the four buckets, then `extra` words the owner also
// keeps — its earnings per category and team sales. So everything about a member sits in one place:
// paying a reward, which moves a balance and an earning, touches one block, and a member touched by an
// order costs one page (one TLB entry), not one per array. Neither the prefix nor the extra words are
// accounts: Sum() and every Account ignore them.
class Ledger {
 public:
  // `memory` holds the member blocks (see core/array.h).
  explicit Ledger(std::pmr::memory_resource* memory = std::pmr::new_delete_resource())
      : members_(ArrayAllocator<Chunk>(memory)) {}

  // REQUIRES: no member added yet; prefix_bytes a multiple of 8.
  void SetMemberLayout(size_t prefix_bytes, size_t extra_words) {
    prefix_ = prefix_bytes;
    stride_ = (prefix_bytes + (kBucketCount + extra_words) * sizeof(Fen) + sizeof(Chunk) - 1) / sizeof(Chunk);
  }
  // A zeroed block: balances and extra words 0; the owner constructs its prefix.
  void AddMember() { members_.resize(members_.size() + stride_); }
  size_t member_count() const { return members_.size() / stride_; }
  void Reserve(size_t members) { members_.reserve(members * stride_); }
  size_t MemberBytes() const { return members_.capacity() * sizeof(Chunk); }
  // The first `lines` cache lines of m's block, or all of it (a hint to the CPU; changes nothing).
  void Prefetch(MemberId m, size_t lines = SIZE_MAX) const {
    const std::byte* block = Block(m);
    size_t bytes = stride_ * sizeof(Chunk);
    if (lines < bytes / 64) bytes = lines * 64;
    for (size_t i = 0; i < bytes; i += 64) __builtin_prefetch(block + i);
    __builtin_prefetch(block + bytes - 1);
  }
  // The owner's bytes at the start of m's block (see SetMemberLayout), 16-byte aligned.
  std::byte* prefix(MemberId m) { return Block(m); }
  const std::byte* prefix(MemberId m) const { return Block(m); }
  // The owner's words beside m's balances (see SetMemberLayout).
  Fen* extra(MemberId m) { return Buckets(m) + kBucketCount; }
  const Fen* extra(MemberId m) const { return Buckets(m) + kBucketCount; }
  // Moves `amount` from a platform account into m's bucket: a reward, without the general dispatch.
  void PlatformToMember(PlatformAccount from, MemberId m, Bucket to, Fen amount) {
    platform_[static_cast<size_t>(from)] -= amount;
    Buckets(m)[static_cast<size_t>(to)] += amount;
  }

  // Moves `amount` (may be 0, never negative) from `from` to `to`.
  void Move(Account from, Account to, Fen amount) {
    Slot(from) -= amount;
    Slot(to) += amount;
  }

  Fen Balance(Account a) const { return const_cast<Ledger*>(this)->Slot(a); }
  Balances member(MemberId m) const {
    const Fen* b = Buckets(m);
    return {b[0], b[1], b[2], b[3]};
  }
  void AddPools(size_t count) { pools_.assign(count, 0); }
  Fen pool(uint32_t p) const { return pools_[p]; }
  size_t pool_count() const { return pools_.size(); }
  Fen platform(PlatformAccount a) const { return platform_[static_cast<size_t>(a)]; }

  // Σ of every account: zero unless the ledger is broken. O(members).
  Fen Sum() const;

 private:
  // 16 bytes: the unit of a block, so that every block starts 16-byte aligned.
  struct alignas(16) Chunk {
    std::byte bytes[16];
  };
  std::byte* Block(MemberId m) { return reinterpret_cast<std::byte*>(members_.data() + size_t{m} * stride_); }
  const std::byte* Block(MemberId m) const {
    return reinterpret_cast<const std::byte*>(members_.data() + size_t{m} * stride_);
  }
  Fen* Buckets(MemberId m) { return std::launder(reinterpret_cast<Fen*>(Block(m) + prefix_)); }
  const Fen* Buckets(MemberId m) const { return std::launder(reinterpret_cast<const Fen*>(Block(m) + prefix_)); }
  Fen& Slot(Account a) {
    switch (a.kind) {
      case Account::Kind::kMember: return Buckets(a.id)[a.sub];
      case Account::Kind::kPool: return pools_[a.id];
      case Account::Kind::kPlatform: break;
    }
    return platform_[a.sub];
  }

  size_t prefix_ = 0;     // the owner's bytes at the start of each block
  size_t stride_ = 2;     // chunks per member block (the default: the four buckets alone)
  Array<Chunk> members_;  // [m * stride_ ...]: prefix, buckets, extra words
  std::vector<Fen> pools_;
  std::array<Fen, kPlatformAccountCount> platform_{};
};

}  // namespace guanxi::core
