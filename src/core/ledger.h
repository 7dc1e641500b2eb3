// The double-entry ledger. Every movement of money takes an amount from one account and gives it to
// another, so the sum of all balances is zero after every command, by construction. Accounts: four
// buckets per member (pending → available / frozen, available → withdrawing), one per pool, and the
// platform's: money received from buyers (negative: it came from outside), revenue (what the plan did
// not pay out) and payouts (money that left to members' bank accounts).
// Not thread-safe: owned by the single-writer engine.
#pragma once

#include <array>
#include <cstdint>
#include <memory_resource>
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

// Member balances are kept in one block per member: the four buckets, then `extra` words that the
// owner (the engine) keeps beside them — its earnings per category and team sales — so that paying a
// reward, which moves a balance and an earning, touches one block instead of two arrays. The extra
// words are not accounts: Sum() and every Account ignore them.
class Ledger {
 public:
  // `memory` holds the member blocks (see core/array.h).
  explicit Ledger(std::pmr::memory_resource* memory = std::pmr::new_delete_resource())
      : members_(ArrayAllocator<Fen>(memory)) {}

  // REQUIRES: no member added yet.
  void SetMemberExtra(size_t words) { stride_ = kBucketCount + words; }
  void AddMember() { members_.resize(members_.size() + stride_, 0); }
  void Reserve(size_t members) { members_.reserve(members * stride_); }
  size_t MemberBytes() const { return members_.capacity() * sizeof(members_[0]); }
  // Every line of m's block (a hint to the CPU; changes nothing).
  void Prefetch(MemberId m) const {
    const Fen* block = members_.data() + m * stride_;
    for (size_t i = 0; i < stride_; i += 8) __builtin_prefetch(block + i);
    __builtin_prefetch(block + stride_ - 1);
  }
  void AddPools(size_t count) { pools_.assign(count, 0); }

  // The owner's words beside m's balances (see SetMemberExtra).
  Fen* extra(MemberId m) { return members_.data() + m * stride_ + kBucketCount; }
  const Fen* extra(MemberId m) const { return members_.data() + m * stride_ + kBucketCount; }
  // Moves `amount` from a platform account into m's bucket: a reward, without the general dispatch.
  void PlatformToMember(PlatformAccount from, MemberId m, Bucket to, Fen amount) {
    platform_[static_cast<size_t>(from)] -= amount;
    members_[m * stride_ + static_cast<size_t>(to)] += amount;
  }

  // Moves `amount` (may be 0, never negative) from `from` to `to`.
  void Move(Account from, Account to, Fen amount) {
    Slot(from) -= amount;
    Slot(to) += amount;
  }

  Fen Balance(Account a) const { return const_cast<Ledger*>(this)->Slot(a); }
  Balances member(MemberId m) const {
    const Fen* b = &members_[m * stride_];
    return {b[0], b[1], b[2], b[3]};
  }
  Fen pool(uint32_t p) const { return pools_[p]; }
  size_t pool_count() const { return pools_.size(); }
  Fen platform(PlatformAccount a) const { return platform_[static_cast<size_t>(a)]; }

  // Σ of every account: zero unless the ledger is broken. O(members).
  Fen Sum() const;

 private:
  Fen& Slot(Account a) {
    switch (a.kind) {
      case Account::Kind::kMember: return members_[size_t{a.id} * stride_ + a.sub];
      case Account::Kind::kPool: return pools_[a.id];
      case Account::Kind::kPlatform: break;
    }
    return platform_[a.sub];
  }

  size_t stride_ = kBucketCount;  // words per member block
  Array<Fen> members_;            // [m * stride_ + bucket], then the extra words
  std::vector<Fen> pools_;
  std::array<Fen, kPlatformAccountCount> platform_{};
};

}  // namespace guanxi::core
