// Tests of the service's security helpers: published test vectors (RFC 4231 HMAC-SHA256, FIPS
// 180-2 SHA-256), argon2id hashes that accept exactly their password, tokens and invite codes of
// the promised shape, signatures that refuse any change. Fast cost everywhere but one test.
#include "service/crypto.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace guanxi::service {
namespace {

using namespace std::string_literals;

std::string Repeat(char c, size_t n) { return std::string(n, c); }

// ---- SHA-256 of tokens --------------------------------------------------------------------

TEST(TokenHash, MatchesSha256TestVectors) {
  struct Case {
    std::string_view input;
    std::string_view hex;
  };
  static constexpr Case kCases[] = {
      // FIPS 180-2 appendix B.1 and B.2, and the empty message.
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
  };
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.input);
    EXPECT_EQ(TokenHash(c.input), c.hex);
  }
}

TEST(TokenHash, DistinguishesTokensAndHashesEveryByte) {
  const std::string token = RandomToken();
  EXPECT_EQ(TokenHash(token), TokenHash(token));
  EXPECT_NE(TokenHash(token), TokenHash(token + "x"));
  EXPECT_NE(TokenHash("a\0b"s), TokenHash("a\0c"s));  // not cut at a NUL
}

// ---- HMAC-SHA256 ----------------------------------------------------------------------------

struct HmacCase {
  std::string name;
  std::string key;
  std::string message;
  std::string hex;
};

std::vector<HmacCase> Rfc4231Cases() {
  std::string key4;
  for (char b = 0x01; b <= 0x19; ++b) key4.push_back(b);
  return {
      {"RFC 4231 case 1", Repeat('\x0b', 20), "Hi There",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"RFC 4231 case 2 (key shorter than the output)", "Jefe", "what do ya want for nothing?",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"RFC 4231 case 3", Repeat('\xaa', 20), Repeat('\xdd', 50),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"RFC 4231 case 4", key4, Repeat('\xcd', 50),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {"RFC 4231 case 6 (key longer than a block)", Repeat('\xaa', 131),
       "Test Using Larger Than Block-Size Key - Hash Key First",
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {"RFC 4231 case 7 (long key and long data)", Repeat('\xaa', 131),
       "This is a test using a larger than block-size key and a larger than block-size data. "
       "The key needs to be hashed before being used by the HMAC algorithm.",
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
      {"empty key and message", "", "",
       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
  };
}

TEST(Hmac, MatchesRfc4231) {
  for (const HmacCase& c : Rfc4231Cases()) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(HmacSha256Hex(c.key, c.message), c.hex);
    EXPECT_TRUE(HmacSha256Verify(c.key, c.message, c.hex));
  }
}

// A thread keeps the initial state of the last key it used: the same key again, another key, and
// back, each give that key's MAC (the cases' keys differ in length and content, one is longer than
// a block).
TEST(Hmac, KeysInTurnOnOneThread) {
  const std::vector<HmacCase> cases = Rfc4231Cases();
  for (int round = 0; round < 3; ++round) {
    for (size_t i = 0; i < cases.size(); ++i) {
      const HmacCase& c = cases[(i * 3 + static_cast<size_t>(round)) % cases.size()];
      SCOPED_TRACE(c.name);
      EXPECT_EQ(HmacSha256Hex(c.key, c.message), c.hex);
      EXPECT_EQ(HmacSha256Hex(c.key, c.message), c.hex);
      EXPECT_FALSE(HmacSha256Verify(c.key + "x", c.message, c.hex));
    }
  }
}

// RFC 2104 pads a key shorter than a block with zero bytes, so keys that differ only by
// trailing zeros are one key. Harmless for random fixed-length secrets; pinned here because the
// header warns about it.
TEST(Hmac, TrailingZeroBytesOfAShortKeyDoNotCount) {
  const HmacCase c = Rfc4231Cases()[1];
  EXPECT_EQ(HmacSha256Hex(c.key + "\0\0"s, c.message), c.hex);
}

TEST(Hmac, VerifyAcceptsUppercaseHex) {
  const HmacCase c = Rfc4231Cases()[1];
  std::string upper = c.hex;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char ch) { return ch >= 'a' && ch <= 'f' ? static_cast<char>(ch - 32) : ch; });
  ASSERT_NE(upper, c.hex);
  EXPECT_TRUE(HmacSha256Verify(c.key, c.message, upper));
}

TEST(Hmac, VerifyRefusesEveryChangedDigit) {
  const HmacCase c = Rfc4231Cases()[0];
  for (size_t i = 0; i < c.hex.size(); ++i) {
    std::string sig = c.hex;
    sig[i] = sig[i] == '0' ? '1' : '0';  // another value, not just another case
    SCOPED_TRACE(sig);
    EXPECT_FALSE(HmacSha256Verify(c.key, c.message, sig));
  }
}

TEST(Hmac, VerifyRefusesWrongLengthAndMalformedSignatures) {
  const HmacCase c = Rfc4231Cases()[0];
  std::string with_colons;  // "b0:34:…", as some tools print digests
  for (size_t i = 0; i < c.hex.size(); i += 2) {
    if (i > 0) with_colons += ':';
    with_colons += c.hex.substr(i, 2);
  }
  const std::string kBad[] = {
      "",
      c.hex.substr(0, 63),          // truncated by one digit
      c.hex.substr(0, 62),          // truncated by one byte
      c.hex.substr(0, 32),          // half a MAC
      c.hex + "0",                  // one digit too many
      c.hex + "00",                 // one byte too many
      "zz" + c.hex.substr(2),       // not hex
      " " + c.hex.substr(1),        // a space in place of a digit
      c.hex.substr(0, 63) + "\0"s,  // NUL in place of the last digit
      with_colons,
      Repeat('0', 64),
  };
  for (const std::string& sig : kBad) {
    SCOPED_TRACE(sig);
    EXPECT_FALSE(HmacSha256Verify(c.key, c.message, sig));
  }
}

TEST(Hmac, VerifyRefusesAnotherKeyOrMessage) {
  const HmacCase c = Rfc4231Cases()[1];
  EXPECT_FALSE(HmacSha256Verify("jefe", c.message, c.hex));
  EXPECT_FALSE(HmacSha256Verify("Jeff", c.message, c.hex));
  EXPECT_FALSE(HmacSha256Verify(c.key + "e", c.message, c.hex));
  EXPECT_FALSE(HmacSha256Verify(c.key, c.message + " ", c.hex));
  EXPECT_FALSE(HmacSha256Verify(c.key, "", c.hex));
}

// ---- Passwords ------------------------------------------------------------------------------

TEST(Password, FastHashVerifiesOnlyItsPassword) {
  const std::string hash = HashPassword("correct horse 电池 staple", PasswordCost::Fast());
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=8,t=1,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(VerifyPassword(hash, "correct horse 电池 staple"));
  EXPECT_FALSE(VerifyPassword(hash, "correct horse 电池 staplE"));
  EXPECT_FALSE(VerifyPassword(hash, "correct horse 电池 staple "));
  EXPECT_FALSE(VerifyPassword(hash, "correct horse 电池"));
  EXPECT_FALSE(VerifyPassword(hash, ""));
}

TEST(Password, HashesOfOnePasswordDifferBySalt) {
  const std::string a = HashPassword("hunter2", PasswordCost::Fast());
  const std::string b = HashPassword("hunter2", PasswordCost::Fast());
  EXPECT_NE(a, b);
  EXPECT_TRUE(VerifyPassword(a, "hunter2"));
  EXPECT_TRUE(VerifyPassword(b, "hunter2"));
}

TEST(Password, EveryByteCounts) {
  const std::string hash = HashPassword("a\0b"s, PasswordCost::Fast());
  EXPECT_TRUE(VerifyPassword(hash, "a\0b"s));
  EXPECT_FALSE(VerifyPassword(hash, "a\0c"s));
  EXPECT_FALSE(VerifyPassword(hash, "a"));
}

TEST(Password, EmptyPasswordHashesAndVerifies) {
  const std::string hash = HashPassword("", PasswordCost::Fast());
  EXPECT_TRUE(VerifyPassword(hash, ""));
  EXPECT_FALSE(VerifyPassword(hash, " "));
}

TEST(Password, MalformedStoredHashIsFalseNotAnError) {
  const std::string good = HashPassword("pw", PasswordCost::Fast());
  std::string flipped = good;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';  // last character of the hash itself
  const std::string kBad[] = {
      "",
      "pw",
      "$argon2id$",
      good.substr(0, good.size() - 1),
      good + "\0"s + "trailing",  // libsodium would see only the part before the NUL
      Repeat('$', 200),           // longer than any hash string
      flipped,
  };
  for (const std::string& stored : kBad) {
    SCOPED_TRACE(stored);
    EXPECT_FALSE(VerifyPassword(stored, "pw"));
  }
}

TEST(Password, InteractiveCostHashVerifies) {
  const PasswordCost cost = PasswordCost::Interactive();
  EXPECT_EQ(cost.ops, 2u);
  EXPECT_EQ(cost.mem, size_t{64} << 20);
  const std::string hash = HashPassword("merchant-admin", cost);
  EXPECT_EQ(hash.rfind("$argon2id$v=19$m=65536,t=2,p=1$", 0), 0u) << hash;
  EXPECT_TRUE(VerifyPassword(hash, "merchant-admin"));
  EXPECT_FALSE(VerifyPassword(hash, "merchant-admiN"));
  EXPECT_FALSE(PasswordNeedsRehash(hash, cost));
  EXPECT_TRUE(PasswordNeedsRehash(hash, PasswordCost::Fast()));
}

TEST(Password, NeedsRehashWhenCostOrAlgorithmDiffers) {
  const std::string fast = HashPassword("pw", PasswordCost::Fast());
  EXPECT_FALSE(PasswordNeedsRehash(fast, PasswordCost::Fast()));
  EXPECT_TRUE(PasswordNeedsRehash(fast, PasswordCost::Interactive()));
  EXPECT_TRUE(PasswordNeedsRehash(fast, {PasswordCost::Fast().ops + 1, PasswordCost::Fast().mem}));
  // An argon2i hash (libsodium's default before argon2id): it still logs in,
  // but is due to be replaced by argon2id even at the same cost.
  char argon2i[crypto_pwhash_STRBYTES];
  ASSERT_EQ(crypto_pwhash_str_alg(argon2i, "pw", 2, crypto_pwhash_argon2i_OPSLIMIT_MIN,
                                  crypto_pwhash_argon2i_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2I13),
            0);
  ASSERT_EQ(std::string_view(argon2i).rfind("$argon2i$", 0), 0u) << argon2i;
  EXPECT_TRUE(VerifyPassword(argon2i, "pw"));
  EXPECT_FALSE(VerifyPassword(argon2i, "pW"));
  EXPECT_TRUE(PasswordNeedsRehash(
      argon2i, {crypto_pwhash_argon2i_OPSLIMIT_MIN, crypto_pwhash_argon2i_MEMLIMIT_MIN}));
  EXPECT_TRUE(PasswordNeedsRehash("not a hash", PasswordCost::Fast()));
  EXPECT_TRUE(PasswordNeedsRehash("", PasswordCost::Fast()));
}

TEST(Password, CostOutsideLibsodiumLimitsIsRefused) {
  EXPECT_THROW((void)HashPassword("pw", {0, PasswordCost::Fast().mem}), std::invalid_argument);
  EXPECT_THROW((void)HashPassword("pw", {1, 1024}), std::invalid_argument);
}

// ---- Tokens, invite codes, random numbers ----------------------------------------------------

bool IsUrlSafeBase64(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
  });
}

TEST(RandomToken, LengthFollowsBytesWithoutPadding) {
  struct Case {
    size_t bytes;
    size_t chars;
  };
  static constexpr Case kCases[] = {{1, 2}, {2, 3}, {3, 4}, {16, 22}, {32, 43}, {33, 44}, {64, 86}};
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.bytes);
    const std::string token = RandomToken(c.bytes);
    EXPECT_EQ(token.size(), c.chars);
    EXPECT_TRUE(IsUrlSafeBase64(token)) << token;
  }
  EXPECT_EQ(RandomToken().size(), 43u);
  EXPECT_THROW((void)RandomToken(0), std::invalid_argument);
}

TEST(RandomToken, TokensAreDistinctAndUseTheWholeAlphabet) {
  std::set<std::string> tokens;
  std::set<char> seen;
  for (int i = 0; i < 500; ++i) {
    std::string token = RandomToken();
    ASSERT_TRUE(IsUrlSafeBase64(token)) << token;
    seen.insert(token.begin(), token.end());
    tokens.insert(std::move(token));
  }
  EXPECT_EQ(tokens.size(), 500u);
  // 500 x 43 characters: all 64 symbols, '-' and '_' included, appear unless something is off.
  EXPECT_EQ(seen.size(), 64u);
}

TEST(InviteCode, ShapeAndAlphabet) {
  EXPECT_EQ(kInviteAlphabet.size(), 31u);
  for (char c : std::string_view("0O1IL")) {
    EXPECT_EQ(kInviteAlphabet.find(c), std::string_view::npos) << c;
  }
  std::set<std::string> codes;
  std::set<char> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string code = InviteCode();
    ASSERT_EQ(code.size(), 8u);
    for (char c : code) {
      ASSERT_NE(kInviteAlphabet.find(c), std::string_view::npos) << code;
      seen.insert(c);
    }
    codes.insert(std::move(code));
  }
  // Out of 31^8 codes, a repeat among 1000 means a broken random source.
  EXPECT_EQ(codes.size(), 1000u);
  EXPECT_EQ(seen.size(), kInviteAlphabet.size());  // every character in use
  EXPECT_EQ(InviteCode(12).size(), 12u);
  EXPECT_THROW((void)InviteCode(0), std::invalid_argument);
}

TEST(RandomU64, ValuesDifferAndFillAllBits) {
  std::set<uint64_t> values;
  uint64_t any = 0, all = ~uint64_t{0};
  for (int i = 0; i < 200; ++i) {
    const uint64_t v = RandomU64();
    values.insert(v);
    any |= v;
    all &= v;
  }
  EXPECT_EQ(values.size(), 200u);
  EXPECT_EQ(any, ~uint64_t{0});  // every bit was set at least once
  EXPECT_EQ(all, uint64_t{0});   // and clear at least once
}

TEST(CryptoInit, IdempotentFromManyThreads) {
  std::vector<std::thread> threads;
  std::vector<std::string> tokens(8);
  for (size_t i = 0; i < tokens.size(); ++i) {
    threads.emplace_back([&tokens, i] {
      CryptoInit();
      CryptoInit();
      tokens[i] = RandomToken();
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(tokens.begin(), tokens.end()).size(), tokens.size());
}

}  // namespace
}  // namespace guanxi::service
