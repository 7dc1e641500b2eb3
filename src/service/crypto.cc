// libsodium behind the service's security helpers. Stateless apart from libsodium's own
// once-only initialisation, so every function here may run on any thread.
#include "service/crypto.h"

#include <sodium.h>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace guanxi::service {
namespace {

// libsodium takes (pointer, length); an empty string_view may carry a null pointer, which some
// of its entry points reject even with length 0.
const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.empty() ? "" : s.data());
}
const char* Chars(std::string_view s) { return s.empty() ? "" : s.data(); }

std::string Hex(const unsigned char* bin, size_t len) {
  std::string out(len * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bin, len);
  out.pop_back();  // the terminating NUL
  return out;
}

// libsodium reads a stored hash as a C string in a crypto_pwhash_STRBYTES buffer. Copies one
// in, or returns false if it cannot be a hash at all (too long, or an embedded NUL that would
// make libsodium check a prefix of what we were given).
bool CopyHashString(std::string_view stored_hash, char (&buf)[crypto_pwhash_STRBYTES]) {
  if (stored_hash.size() >= sizeof buf || stored_hash.find('\0') != std::string_view::npos) {
    return false;
  }
  std::memset(buf, 0, sizeof buf);
  std::memcpy(buf, stored_hash.data(), stored_hash.size());
  return true;
}

void HmacSha256(std::string_view key, std::string_view message,
                unsigned char (&mac)[crypto_auth_hmacsha256_BYTES]) {
  // The init/update/final API takes a key of any length (hashing one longer than a block), as
  // HMAC does; crypto_auth_hmacsha256 itself insists on a 32-byte key. Initialising hashes the key's
  // two padded blocks, a third of the work for a notification-sized message: each thread keeps the
  // state for the last key it used (a service signs and checks with one secret) and copies it.
  struct KeyState {
    std::string key;
    crypto_auth_hmacsha256_state initial;
    ~KeyState() {
      sodium_memzero(key.data(), key.size());
      sodium_memzero(&initial, sizeof initial);
    }
  };
  thread_local KeyState last;
  if (last.key.empty() || last.key != key) {  // (an empty key is also the unset state: initialised each time)
    sodium_memzero(last.key.data(), last.key.size());
    last.key.assign(key);
    crypto_auth_hmacsha256_init(&last.initial, Bytes(key), key.size());
  }
  crypto_auth_hmacsha256_state state = last.initial;
  crypto_auth_hmacsha256_update(&state, Bytes(message), message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  sodium_memzero(&state, sizeof state);
}

}  // namespace

void CryptoInit() {
  // sodium_init is itself idempotent and thread-safe (it returns 1 when already done); the flag
  // only skips its lock on every later call.
  static std::atomic<bool> ready{false};
  if (ready.load(std::memory_order_acquire)) return;
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  ready.store(true, std::memory_order_release);
}

PasswordCost PasswordCost::Interactive() {
  return {crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE, crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordCost PasswordCost::Fast() {
  return {crypto_pwhash_argon2id_OPSLIMIT_MIN, crypto_pwhash_argon2id_MEMLIMIT_MIN};
}

std::string HashPassword(std::string_view password, PasswordCost cost) {
  CryptoInit();
  if (cost.ops < crypto_pwhash_argon2id_OPSLIMIT_MIN ||
      cost.ops > crypto_pwhash_argon2id_OPSLIMIT_MAX ||
      cost.mem < crypto_pwhash_argon2id_MEMLIMIT_MIN ||
      cost.mem > crypto_pwhash_argon2id_MEMLIMIT_MAX) {
    throw std::invalid_argument("password cost outside libsodium's argon2id limits");
  }
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, Chars(password), password.size(), cost.ops, cost.mem,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    throw std::runtime_error("argon2id hashing failed (out of memory?)");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  CryptoInit();
  char buf[crypto_pwhash_STRBYTES];
  if (!CopyHashString(stored_hash, buf)) return false;
  return crypto_pwhash_str_verify(buf, Chars(password), password.size()) == 0;
}

bool PasswordNeedsRehash(std::string_view stored_hash, PasswordCost cost) {
  CryptoInit();
  char buf[crypto_pwhash_STRBYTES];
  if (!CopyHashString(stored_hash, buf)) return true;
  // The argon2id-specific check: an argon2i hash (or anything else) is -1, i.e. "rehash".
  return crypto_pwhash_argon2id_str_needs_rehash(buf, cost.ops, cost.mem) != 0;
}

std::string RandomToken(size_t bytes) {
  CryptoInit();
  if (bytes == 0) throw std::invalid_argument("RandomToken needs at least one byte");
  std::vector<unsigned char> raw(bytes);
  randombytes_buf(raw.data(), raw.size());
  constexpr int kVariant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
  std::string out(sodium_base64_ENCODED_LEN(bytes, kVariant), '\0');
  sodium_bin2base64(out.data(), out.size(), raw.data(), raw.size(), kVariant);
  out.resize(std::strlen(out.c_str()));
  sodium_memzero(raw.data(), raw.size());
  return out;
}

std::string TokenHash(std::string_view token) {
  CryptoInit();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, Bytes(token), token.size());
  return Hex(digest, sizeof digest);
}

std::string HmacSha256Hex(std::string_view key, std::string_view message) {
  CryptoInit();
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  HmacSha256(key, message, mac);
  return Hex(mac, sizeof mac);
}

bool HmacSha256Verify(std::string_view key, std::string_view message,
                      std::string_view hex_signature) {
  CryptoInit();
  unsigned char given[crypto_auth_hmacsha256_BYTES];
  if (hex_signature.size() != 2 * sizeof given) return false;
  size_t given_len = 0;
  const char* hex_end = nullptr;
  // Parsing may return early on a bad digit; that only times the caller's own input. The
  // secret-dependent comparison below is constant time.
  if (sodium_hex2bin(given, sizeof given, hex_signature.data(), hex_signature.size(), nullptr,
                     &given_len, &hex_end) != 0 ||
      given_len != sizeof given || hex_end != hex_signature.data() + hex_signature.size()) {
    return false;
  }
  unsigned char expected[crypto_auth_hmacsha256_BYTES];
  HmacSha256(key, message, expected);
  return sodium_memcmp(given, expected, sizeof expected) == 0;
}

std::string InviteCode(size_t length) {
  CryptoInit();
  if (length == 0) throw std::invalid_argument("InviteCode needs at least one character");
  std::string code(length, '\0');
  for (char& c : code) {
    // randombytes_uniform rejects the biased top of the range, so every character is uniform.
    c = kInviteAlphabet[randombytes_uniform(static_cast<uint32_t>(kInviteAlphabet.size()))];
  }
  return code;
}

uint64_t RandomU64() {
  CryptoInit();
  uint64_t value = 0;
  randombytes_buf(&value, sizeof value);
  return value;
}

}  // namespace guanxi::service
