#include "core/ledger.h"

namespace guanxi::core {

Fen Ledger::Sum() const {
  Fen sum = 0;
  for (const auto& b : members_) sum += b[0] + b[1] + b[2] + b[3];
  for (Fen p : pools_) sum += p;
  for (Fen p : platform_) sum += p;
  return sum;
}

}  // namespace guanxi::core
