// A demo shop for `make demo`: the chain 2+1 packages and a few ordinary products, and members in a
// small referral tree (worked example 2 of the spec, plus fans) with paid orders. Runs through the
// same service operations as the API, so the demo's books are real books.
#pragma once

#include <string>

#include "service/shop.h"

namespace guanxi::service {

// Seeds an empty shop (no members yet); does nothing on a shop that has members. `owner` is the
// owner's caller identity. Returns {"members":[{"phone","password","id"}…],"products":n}.
Reply SeedDemo(Shop& shop, const Caller& owner);

}  // namespace guanxi::service
