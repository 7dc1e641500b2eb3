// Strict TOML reading shared by the repository's TOML formats (plan files, simulation scenarios):
// unknown keys refused with the keys that were possible, integers refused as floats with the unit
// they count, names listed once. Every refusal carries the line it is about. Parsing is an edge
// where core/result.h allows exceptions: a reader throws Refusal where it sees the problem, and its
// entry point turns the Refusal into a core::Error ("<source>:<line>: <reason>"). Thread-safe: no
// state.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace guanxi::plan::toml_reader {

// A refusal found while reading; never leaves the reader that throws it.
struct Refusal {
  uint32_t line;
  std::string reason;
};

inline uint32_t LineOf(const toml::node& n) { return n.source().begin.line; }
[[noreturn]] void Refuse(const toml::node& at, std::string reason);

std::string Quoted(std::string_view s);
// "<where>: <key>", how a reason names a key of a table.
std::string Field(const std::string& where, std::string_view key);

// Every key of `t` must be in `allowed`; the unknown key on the earliest line is named.
void CheckKeys(const toml::table& t, std::initializer_list<std::string_view> allowed,
               const std::string& where);

std::string ReadString(const toml::node& n, const std::string& what);
std::string RequireString(const toml::table& t, std::string_view key, const std::string& where);
std::optional<std::string> OptionalString(const toml::table& t, std::string_view key,
                                          const std::string& where);
const toml::node& Require(const toml::table& t, std::string_view key, const std::string& where);

// What an integer counts decides how a float is refused: money and rates have no fractions in
// guanxi (core/money.h), and saying so helps more than "expected an integer".
enum class Unit { kFen, kBps, kCount };
int64_t ReadInt(const toml::node& n, const std::string& what, Unit unit, int64_t min, int64_t max);
std::optional<int64_t> OptionalInt(const toml::table& t, std::string_view key,
                                   const std::string& where, Unit unit, int64_t min, int64_t max);
std::optional<bool> OptionalBool(const toml::table& t, std::string_view key,
                                 const std::string& where);

struct NameAt {
  std::string name;
  const toml::node* node;
};
// A non-empty array of non-empty strings, each with its node; a name listed twice is refused.
std::vector<NameAt> ReadNames(const toml::node& n, const std::string& what);
// The tables of an array of tables ([[ranks]]); none when the key is absent.
std::vector<const toml::table*> TablesOf(const toml::table& t, std::string_view key,
                                         std::string_view written);

// The refusal as the error a format's entry point returns: `code`, "<source>:<line>: <reason>".
core::Error RefusalError(std::string_view code, std::string_view source_name, uint32_t line,
                         std::string_view reason);
// Parses TOML text; a syntax error is returned as RefusalError(code, …) at the parser's line.
core::Result<toml::table> ParseText(std::string_view text, std::string_view source_name,
                                    std::string_view code);
// The whole file; `code` ("plan_unreadable") names the error when it cannot be read.
core::Result<std::string> ReadTextFile(const std::string& path, std::string_view code,
                                       std::string_view what);

}  // namespace guanxi::plan::toml_reader
