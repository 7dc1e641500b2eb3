// The message catalogue: every word a merchant or member reads, in Chinese (the default) and
// English, from messages/zh.json and messages/en.json (the same files the web app uses), embedded at
// build time. Messages are looked up by dotted key ("explain.reward") and their `{name}` placeholders
// filled from arguments. Thread-safe: the catalogue is parsed once and then only read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace guanxi::i18n {

enum class Lang : uint8_t { kZh, kEn };

// The reader's language from an Accept-Language header: English when English is preferred over
// Chinese (or Chinese is absent and English present), else Chinese.
Lang LangFromAcceptLanguage(std::string_view header);
const char* LangCode(Lang lang);  // "zh", "en"

using Args = std::vector<std::pair<std::string_view, std::string>>;

// The message `key` in `lang` with its placeholders filled; a key the language lacks falls back to
// Chinese, and a key no catalogue has comes back as the key itself (tests look for that).
std::string Text(Lang lang, std::string_view key, const Args& args = {});
// The message `key` when the catalogue has it, else `fallback`: for words merchants define themselves
// (a plan's own earned category "bonus" has no catalogue entry and is shown as written).
std::string TextOr(Lang lang, std::string_view key, std::string_view fallback);
bool Has(Lang lang, std::string_view key);

// Every key of a language, for tests.
std::vector<std::string> Keys(Lang lang);

// "¥1,234.56", "-¥100.00": an amount in fen as a person reads it.
std::string Yuan(int64_t fen);

}  // namespace guanxi::i18n
