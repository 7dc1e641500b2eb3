// The money check the replay-driven targets share: every balance of a replay document (members,
// pools, platform accounts) sums to zero and to its "ledger_sum" (docs/replay.md), computed here from
// the document rather than trusted from the ledger.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "fuzz_support.h"

namespace guanxi::fuzz {

inline int64_t SumOf(const boost::json::object& accounts) {
  int64_t sum = 0;
  for (const auto& kv : accounts) {
    Check(kv.value().is_int64(), "a balance that is not an integer");
    // Unsigned: the check must report a wrapped sum, not be undefined behaviour itself.
    sum = static_cast<int64_t>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(kv.value().as_int64()));
  }
  return sum;
}

inline void CheckDocumentBalances(const boost::json::object& doc) {
  int64_t sum = SumOf(doc.at("pools").as_object());
  sum = static_cast<int64_t>(static_cast<uint64_t>(sum) + static_cast<uint64_t>(SumOf(doc.at("platform").as_object())));
  for (const auto& m : doc.at("members").as_object()) {
    sum = static_cast<int64_t>(static_cast<uint64_t>(sum) +
                               static_cast<uint64_t>(SumOf(m.value().at("balances").as_object())));
  }
  Check(doc.at("ledger_sum").as_int64() == 0, "ledger_sum is not zero: " + boost::json::serialize(doc.at("ledger_sum")));
  Check(sum == 0, "the document's balances sum to " + std::to_string(sum));
}

}  // namespace guanxi::fuzz
