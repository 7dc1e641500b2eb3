// Expected failures as values. A command the business refuses (unknown member, balance too low, a
// duplicate order) returns an Error that names the reason; exceptions are kept for the edges (files,
// parsing) and asserts for programmer errors. std::expected is C++23, so this is the small C++20 stand-in.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace guanxi::core {

// A machine-readable code ("unknown_member") and a sentence for people. `field` names the input that
// was wrong, when there is one, so an HTTP layer can point at it.
struct Error {
  std::string code;
  std::string message;
  std::string field;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const { assert(!ok()); return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;

inline Error MakeError(std::string code, std::string message, std::string field = {}) {
  return Error{std::move(code), std::move(message), std::move(field)};
}

}  // namespace guanxi::core
