// A demo shop for `make demo`: the chain 2+1 packages and a few ordinary products, and members in a
// small referral tree (worked example 2 of the spec, plus fans) with paid orders. Runs through the
// same service operations as the API, so the demo's books are real books.
//
// So that a newcomer sees the whole cycle in the first minutes, the demo has a history: it runs on the
// shop's own clock (a ShiftedClock) set days in the past, where its orders are paid, shipped and
// received; the scheduler then settles them after the shop's return window and closes the days that
// ended (a pool payout to the district dealer), as it would have. Nearer today a member asks for a
// withdrawal, another asks for a refund with a reason, and a recent order is still pending.
#pragma once

#include <string>

#include "service/clock.h"
#include "service/shop.h"

namespace guanxi::service {

// Seeds an empty shop (no members yet); does nothing on a shop that has members. `owner` is the
// owner's caller identity. REQUIRES: `shop` runs on `clock`; no other writer moves it meanwhile.
// The clock is shifted into the past while seeding and back to zero before returning.
// Returns {"members":[{"phone","password","id"}…],"products":n} and, when it seeded, "tour": what a
// newcomer can try: {"withdrawal":{"id","member","phone","amount"}, "refund":{"order","member","phone",
// "reason"}, "available":{"member","phone","amount"}, "pending":{"order","member","phone","settle_at"},
// "days_closed":n, "pool_payout":{"member","phone","amount"}}.
Reply SeedDemo(Shop& shop, const Caller& owner, ShiftedClock& clock);

}  // namespace guanxi::service
