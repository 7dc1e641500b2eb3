#include "sim/json_check.h"

#include <boost/json.hpp>
#include <cmath>
#include <utility>

namespace guanxi::sim {
namespace {

// "generations" + "[3]" or "naive", with a dot before a key. Appended piece by piece: GCC 12 warns
// (-Wrestrict) about "[" + std::string.
std::string Join(std::string head, const std::string& rest) {
  if (!rest.empty() && rest.front() != '[') head += '.';
  head += rest;
  return head;
}

}  // namespace

std::optional<std::string> FindNonFinite(const boost::json::value& v) {
  namespace json = boost::json;
  switch (v.kind()) {
    case json::kind::double_:
      if (std::isfinite(v.get_double())) return std::nullopt;
      return std::string();
    case json::kind::array: {
      const json::array& a = v.get_array();
      for (size_t i = 0; i < a.size(); ++i) {
        if (auto at = FindNonFinite(a[i])) {
          std::string index = "[";
          index += std::to_string(i);
          index += ']';
          return Join(std::move(index), *at);
        }
      }
      return std::nullopt;
    }
    case json::kind::object:
      for (const json::key_value_pair& kv : v.get_object()) {
        if (auto at = FindNonFinite(kv.value())) return Join(std::string(kv.key()), *at);
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace guanxi::sim
