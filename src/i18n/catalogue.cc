#include "i18n/catalogue.h"

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <unordered_map>

namespace guanxi::i18n {

namespace data {
extern const char* const kZh;
extern const char* const kEn;
}  // namespace data

namespace {

using Map = std::unordered_map<std::string, std::string>;

void Flatten(const boost::json::object& tree, const std::string& prefix, Map& out) {
  for (const auto& [k, v] : tree) {
    std::string key = prefix.empty() ? std::string(k) : prefix + "." + std::string(k);
    if (v.is_object()) {
      Flatten(v.as_object(), key, out);
    } else if (v.is_string()) {
      out.emplace(std::move(key), std::string(v.as_string()));
    }
  }
}

Map Load(const char* json) {
  Map out;
  Flatten(boost::json::parse(json).as_object(), "", out);
  return out;
}

const Map& Catalogue(Lang lang) {
  static const Map zh = Load(data::kZh);
  static const Map en = Load(data::kEn);
  return lang == Lang::kEn ? en : zh;
}

const std::string* Find(Lang lang, std::string_view key) {
  const Map& m = Catalogue(lang);
  auto it = m.find(std::string(key));
  if (it != m.end()) return &it->second;
  if (lang != Lang::kZh) return Find(Lang::kZh, key);
  return nullptr;
}

std::string Fill(const std::string& pattern, const Args& args) {
  std::string out;
  out.reserve(pattern.size() + 16);
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '{') {
      const size_t close = pattern.find('}', i);
      if (close != std::string::npos) {
        const std::string_view name(pattern.data() + i + 1, close - i - 1);
        bool filled = false;
        for (const auto& [k, v] : args) {
          if (k == name) {
            out += v;
            filled = true;
            break;
          }
        }
        if (filled) {
          i = close;
          continue;
        }
      }
    }
    out += pattern[i];
  }
  return out;
}

// The first language tag, lower-cased, without region: "en-US;q=0.9" → "en".
std::string_view Primary(std::string_view tag) {
  while (!tag.empty() && tag.front() == ' ') tag.remove_prefix(1);
  const size_t end = tag.find_first_of("-_;, ");
  return end == std::string_view::npos ? tag : tag.substr(0, end);
}

double Quality(std::string_view tag) {
  const size_t q = tag.find(";q=");
  if (q == std::string_view::npos) return 1.0;
  // "0.8" → 0.8 without locale-dependent parsing: one digit, optionally a dot and up to three more.
  double v = 0;
  double scale = 1;
  bool dot = false;
  for (char ch : tag.substr(q + 3)) {
    if (ch == '.') {
      dot = true;
    } else if (ch >= '0' && ch <= '9') {
      if (dot) {
        scale /= 10;
        v += (ch - '0') * scale;
      } else {
        v = v * 10 + (ch - '0');
      }
    } else {
      break;
    }
  }
  return v;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  }
  return true;
}

}  // namespace

Lang LangFromAcceptLanguage(std::string_view header) {
  double zh = -1;
  double en = -1;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view tag = header.substr(start, comma - start);
    const std::string_view primary = Primary(tag);
    const double q = Quality(tag);
    if (IEquals(primary, "zh") && q > zh) zh = q;
    if (IEquals(primary, "en") && q > en) en = q;
    start = comma + 1;
  }
  return en > 0 && en > zh ? Lang::kEn : Lang::kZh;
}

const char* LangCode(Lang lang) { return lang == Lang::kEn ? "en" : "zh"; }

std::string Text(Lang lang, std::string_view key, const Args& args) {
  const std::string* pattern = Find(lang, key);
  if (pattern == nullptr) return std::string(key);
  return Fill(*pattern, args);
}

std::string TextOr(Lang lang, std::string_view key, std::string_view fallback) {
  const std::string* text = Find(lang, key);
  return text == nullptr ? std::string(fallback) : *text;
}

bool Has(Lang lang, std::string_view key) { return Catalogue(lang).count(std::string(key)) != 0; }

std::vector<std::string> Keys(Lang lang) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : Catalogue(lang)) keys.push_back(k);
  return keys;
}

std::string Yuan(int64_t fen) {
  // The magnitude as unsigned, so INT64_MIN does not overflow; built in a buffer (GCC 12 warns wrongly
  // with -Wrestrict on string inserts here).
  const bool negative = fen < 0;
  const uint64_t abs = negative ? uint64_t{0} - static_cast<uint64_t>(fen) : static_cast<uint64_t>(fen);
  char digits[24];
  const int n = std::snprintf(digits, sizeof digits, "%llu", static_cast<unsigned long long>(abs / 100));
  char text[48];
  size_t at = 0;
  if (negative) text[at++] = '-';
  for (const char* yuan = "¥"; *yuan != '\0'; ++yuan) text[at++] = *yuan;
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) text[at++] = ',';
    text[at++] = digits[i];
  }
  std::snprintf(text + at, sizeof text - at, ".%02llu", static_cast<unsigned long long>(abs % 100));
  return text;
}

}  // namespace guanxi::i18n
