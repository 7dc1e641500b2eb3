// What a shelf shows of a product's price, from the server's view of it: the price the viewer pays
// (`unit_price`, priced by the server exactly as its orders are: a visitor gets the list price), the
// list price struck through when the viewer pays less, and the lowest member price only as an offer
// ("会员价低至 …") when it is below what the viewer pays. Nothing here prices: the server does.
import type { Product } from './types'

export interface ShelfPrice {
  pay: number // fen: what the viewer is charged per unit
  list: number | null // the list price, when the viewer pays less
  memberFrom: number | null // the lowest member price, when below what the viewer pays
}

export function shelfPrice(p: Product): ShelfPrice {
  const pay = p.unit_price ?? p.price
  const from = p.member_price_from ?? null
  return { pay, list: pay < p.price ? p.price : null, memberFrom: from !== null && from < pay ? from : null }
}
