// Which price a member pays, as the server computes it: the lowest member price (会员价) of a rank
// the buyer has reached (ranks in the plan's order), else the list price. Used for display only;
// the order's price always comes from the server.
import type { Product } from './types'

export function priceFor(p: Product, ranksInOrder: string[], rank: string | undefined): number {
  let best = p.price
  const reached = rank ? ranksInOrder.indexOf(rank) : -1
  for (const [r, price] of Object.entries(p.member_prices ?? {})) {
    const i = ranksInOrder.indexOf(r)
    if (i >= 0 && i <= reached && price < best) best = price
  }
  return best
}

// The lowest member price of any rank (what the shelf advertises), or null without member prices.
export function lowestMemberPrice(p: Product): number | null {
  const prices = Object.values(p.member_prices ?? {})
  if (prices.length === 0) return null
  const low = Math.min(...prices)
  return low < p.price ? low : null
}
