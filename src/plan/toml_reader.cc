#include "plan/toml_reader.h"

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <system_error>
#include <utility>

namespace guanxi::plan::toml_reader {
namespace {

constexpr int64_t kMaxUint32 = std::numeric_limits<uint32_t>::max();

}  // namespace

void Refuse(const toml::node& at, std::string reason) {
  throw Refusal{LineOf(at), std::move(reason)};
}

std::string Quoted(std::string_view s) {
  std::string
      out;  // not "\"" + … + "\"": GCC 12 sees a false -Wrestrict overlap in that out of line
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

std::string Field(const std::string& where, std::string_view key) {
  return where + ": " + std::string(key);
}

void CheckKeys(const toml::table& t, std::initializer_list<std::string_view> allowed,
               const std::string& where) {
  const toml::key* unknown = nullptr;
  for (auto&& [key, value] : t) {
    if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
    if (unknown == nullptr || key.source().begin.line < unknown->source().begin.line) {
      unknown = &key;
    }
  }
  if (unknown == nullptr) return;
  std::string expected;
  for (std::string_view k : allowed) expected += (expected.empty() ? "" : ", ") + std::string(k);
  throw Refusal{unknown->source().begin.line, "unknown key '" + std::string(unknown->str()) +
                                                  "' in " + where +
                                                  " (expected one of: " + expected + ")"};
}

std::string ReadString(const toml::node& n, const std::string& what) {
  if (!n.is_string()) Refuse(n, what + " must be a string");
  return n.as_string()->get();
}

std::string RequireString(const toml::table& t, std::string_view key, const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) Refuse(t, Field(where, key) + " is required");
  std::string s = ReadString(*n, Field(where, key));
  if (s.empty()) Refuse(*n, Field(where, key) + " must not be empty");
  return s;
}

std::optional<std::string> OptionalString(const toml::table& t, std::string_view key,
                                          const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  return ReadString(*n, Field(where, key));
}

const toml::node& Require(const toml::table& t, std::string_view key, const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) Refuse(t, Field(where, key) + " is required");
  return *n;
}

int64_t ReadInt(const toml::node& n, const std::string& what, Unit unit, int64_t min, int64_t max) {
  if (n.is_floating_point()) {
    switch (unit) {
      case Unit::kFen:
        Refuse(n, what + " must be an integer: amounts are integers in fen (12.50 yuan is 1250)");
      case Unit::kBps:
        Refuse(n, what + " must be an integer: rates are integers in bps (10% is 1000)");
      case Unit::kCount:
        Refuse(n, what + " must be a whole number");
    }
  }
  if (!n.is_integer()) Refuse(n, what + " must be an integer");
  const int64_t v = n.as_integer()->get();
  if (v >= min && v <= max) return v;
  // A maximum that is only the width of the model's field is not worth showing unless exceeded.
  if (max < kMaxUint32) {
    Refuse(n, what + " must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  ", not " + std::to_string(v));
  }
  Refuse(n, what +
                (v < min ? " must be ≥ " + std::to_string(min)
                         : " must be at most " + std::to_string(max)) +
                ", not " + std::to_string(v));
}

std::optional<int64_t> OptionalInt(const toml::table& t, std::string_view key,
                                   const std::string& where, Unit unit, int64_t min, int64_t max) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  return ReadInt(*n, Field(where, key), unit, min, max);
}

std::optional<bool> OptionalBool(const toml::table& t, std::string_view key,
                                 const std::string& where) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  if (!n->is_boolean()) Refuse(*n, Field(where, key) + " must be true or false");
  return n->as_boolean()->get();
}

std::vector<NameAt> ReadNames(const toml::node& n, const std::string& what) {
  const toml::array* a = n.as_array();
  if (a == nullptr) Refuse(n, what + " must be an array of strings, e.g. [\"a\", \"b\"]");
  if (a->empty()) Refuse(n, what + " lists nothing; leave the key out instead");
  std::vector<NameAt> out;
  for (const toml::node& e : *a) {
    std::string s = ReadString(e, what + " entries");
    if (s.empty()) Refuse(e, what + " has an empty entry");
    for (const NameAt& seen : out) {
      if (seen.name == s) Refuse(e, what + " lists " + Quoted(s) + " twice");
    }
    out.push_back({std::move(s), &e});
  }
  return out;
}

std::vector<const toml::table*> TablesOf(const toml::table& t, std::string_view key,
                                         std::string_view written) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return {};
  const std::string hint = " must be an array of tables, written [[" + std::string(written) + "]]";
  const toml::array* a = n->as_array();
  if (a == nullptr) Refuse(*n, std::string(key) + hint);
  std::vector<const toml::table*> out;
  for (const toml::node& e : *a) {
    if (!e.is_table()) Refuse(e, std::string(key) + hint);
    out.push_back(e.as_table());
  }
  return out;
}

core::Error RefusalError(std::string_view code, std::string_view source_name, uint32_t line,
                         std::string_view reason) {
  return core::MakeError(std::string(code), std::string(source_name) + ":" + std::to_string(line) +
                                                ": " + std::string(reason));
}

core::Result<toml::table> ParseText(std::string_view text, std::string_view source_name,
                                    std::string_view code) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return RefusalError(code, source_name, e.source().begin.line, e.description());
  }
}

core::Result<std::string> ReadTextFile(const std::string& path, std::string_view code,
                                       std::string_view what) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return core::MakeError(std::string(code),
                           path + ": is a directory, not a " + std::string(what));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::MakeError(std::string(code),
                           path + ": cannot read: " + std::generic_category().message(errno));
  }
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return core::MakeError(std::string(code), path + ": read failed");
  return text;
}

}  // namespace guanxi::plan::toml_reader
