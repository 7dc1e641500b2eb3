// Small text helpers for refusals: counting characters the way a person does (a 字 is one character,
// not three bytes) and stating a limit from the constant that enforces it (guanxi/limits.h), so that a
// message can never name another number than the check uses. Pure; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace guanxi::core {

// Characters (Unicode code points) in UTF-8 text: every byte that does not continue a sequence.
inline size_t CountChars(std::string_view utf8) {
  size_t n = 0;
  for (char c : utf8) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return n;
}

// "qty must be a whole number from 1 to 999"
inline std::string RangeMessage(std::string_view field, int64_t min, int64_t max) {
  return std::string(field) + " must be a whole number from " + std::to_string(min) + " to " + std::to_string(max);
}

// "name has 1 to 200 characters"
inline std::string LengthMessage(std::string_view field, int64_t min, int64_t max) {
  return std::string(field) + " has " + std::to_string(min) + " to " + std::to_string(max) + " characters";
}

}  // namespace guanxi::core
