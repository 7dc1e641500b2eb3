// Security helpers for the shop service, on libsodium: argon2id password hashes, random bearer
// tokens and their stored hashes, HMAC-SHA256 signatures (payment callbacks), invite codes.
// Every function is safe to call from many threads at once; each initialises libsodium itself
// (CryptoInit at start-up only makes a failure show early).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace guanxi::service {

// Initialises libsodium once per process. Idempotent and thread-safe; throws std::runtime_error
// if libsodium cannot start (no usable random source).
void CryptoInit();

// argon2id work factors. A stored hash records its own cost, so changing the cost later does not
// lock anyone out; PasswordNeedsRehash tells when to upgrade a hash after a good login.
struct PasswordCost {
  unsigned long long ops;
  size_t mem;  // bytes

  // libsodium's INTERACTIVE limits (2 passes, 64 MiB): the default for accounts.
  static PasswordCost Interactive();
  // libsodium's minimums (1 pass, 8 KiB): only for tests and demo seeding, never real accounts.
  static PasswordCost Fast();
};

// An encoded "$argon2id$v=19$m=…,t=…,p=1$salt$hash" string with a fresh random salt.
// Throws std::runtime_error if hashing fails (out of memory for cost.mem).
[[nodiscard]] std::string HashPassword(std::string_view password, PasswordCost cost);

// True only if stored_hash is a well-formed argon2 hash string of exactly this password;
// a malformed hash is false, never an exception.
[[nodiscard]] bool VerifyPassword(std::string_view stored_hash, std::string_view password);

// True if stored_hash is not an argon2id hash made at exactly this cost. Call it after a
// successful VerifyPassword and store HashPassword(password, cost) when it says true.
[[nodiscard]] bool PasswordNeedsRehash(std::string_view stored_hash, PasswordCost cost);

// `bytes` random bytes as URL-safe base64 without padding (ceil(4*bytes/3) characters from
// A-Z a-z 0-9 - _). The default 32 bytes gives 256 bits for session and API tokens.
// Throws std::invalid_argument if bytes is 0.
[[nodiscard]] std::string RandomToken(size_t bytes = 32);

// Lowercase hex SHA-256 of a token (64 characters). Bearer tokens are stored only as this hash,
// so a leaked table does not log anyone in; tokens are random, so no salt or slow hash is needed.
[[nodiscard]] std::string TokenHash(std::string_view token);

// Lowercase hex HMAC-SHA256 (64 characters) of message under a key of any length. As in every
// HMAC, a key shorter than 64 bytes is padded with zero bytes, so "k" and "k\0" sign alike: use
// random keys of a fixed length (RandomToken), not passwords.
[[nodiscard]] std::string HmacSha256Hex(std::string_view key, std::string_view message);

// Checks a hex HMAC-SHA256 signature in constant time. Either hex case is accepted; anything
// that is not exactly 64 hex digits is false.
[[nodiscard]] bool HmacSha256Verify(std::string_view key, std::string_view message,
                                    std::string_view hex_signature);

// Characters of invite codes: digits and capitals without 0/O, 1/I/L, which people misread
// when they type a code off a poster or a phone screen (邀请码).
inline constexpr std::string_view kInviteAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

// A random invite code of `length` characters from kInviteAlphabet, each uniform (31^8, about
// 40 bits, at the default length: enough against guessing when lookups are rate-limited; the
// store's unique index still decides collisions). Throws std::invalid_argument if length is 0.
[[nodiscard]] std::string InviteCode(size_t length = 8);

// A uniformly random 64-bit number from the system's secure random source.
[[nodiscard]] uint64_t RandomU64();

}  // namespace guanxi::service
