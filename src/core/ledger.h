// The double-entry ledger. Every movement of money takes an amount from one account and gives it to
// another, so the sum of all balances is zero after every command, by construction. Accounts: four
// buckets per member (pending → available / frozen, available → withdrawing), one per pool, and the
// platform's: money received from buyers (negative: it came from outside), revenue (what the plan did
// not pay out) and payouts (money that left to members' bank accounts).
// Not thread-safe: owned by the single-writer engine.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

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

class Ledger {
 public:
  void AddMember() { members_.emplace_back(); }
  void Reserve(size_t members) { members_.reserve(members); }
  size_t MemberBytes() const { return members_.capacity() * sizeof(members_[0]); }
  void Prefetch(MemberId m) const { __builtin_prefetch(&members_[m]); }
  void AddPools(size_t count) { pools_.assign(count, 0); }

  // Moves `amount` (may be 0, never negative) from `from` to `to`.
  void Move(Account from, Account to, Fen amount) {
    Slot(from) -= amount;
    Slot(to) += amount;
  }

  Fen Balance(Account a) const { return const_cast<Ledger*>(this)->Slot(a); }
  Balances member(MemberId m) const {
    const auto& b = members_[m];
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
      case Account::Kind::kMember: return members_[a.id][a.sub];
      case Account::Kind::kPool: return pools_[a.id];
      case Account::Kind::kPlatform: break;
    }
    return platform_[a.sub];
  }

  std::vector<std::array<Fen, kBucketCount>> members_;
  std::vector<Fen> pools_;
  std::array<Fen, kPlatformAccountCount> platform_{};
};

}  // namespace guanxi::core
