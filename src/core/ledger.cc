#include "core/ledger.h"

namespace guanxi::core {

Fen Ledger::Sum() const {
  Fen sum = 0;
  for (size_t i = 0; i < members_.size(); i += stride_) {
    sum += members_[i] + members_[i + 1] + members_[i + 2] + members_[i + 3];
  }
  for (Fen p : pools_) sum += p;
  for (Fen p : platform_) sum += p;
  return sum;
}

}  // namespace guanxi::core
