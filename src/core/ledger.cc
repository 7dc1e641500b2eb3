#include "core/ledger.h"

namespace guanxi::core {

Fen Ledger::Sum() const {
  Fen sum = 0;
  for (MemberId m = 0; m < member_count(); ++m) {
    const Fen* b = Buckets(m);
    sum += b[0] + b[1] + b[2] + b[3];
  }
  for (Fen p : pools_) sum += p;
  for (Fen p : platform_) sum += p;
  return sum;
}

}  // namespace guanxi::core
