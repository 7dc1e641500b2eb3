// The limits forms state, from limits.json at the repository root: the same file the server's checks
// are generated from (src/core/limits.cmake → guanxi/limits.h), so a form can never allow or promise
// another number than the server enforces. Money in fen; *_chars count characters, not bytes.
import limitsJson from '../../../limits.json'
import { formatFen } from './money'

export const LIMITS = limitsJson

// Characters as a person counts them (a 字 is one, an emoji is one): code points, not UTF-16 units.
export function charCount(text: string): number {
  return [...text].length
}

const group = (n: number) => n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')

// The named values validation messages interpolate ("价格不能超过 {price_max}"): pass to t(key, LIMIT_WORDS).
export const LIMIT_WORDS: Record<string, string | number> = {
  price_max: formatFen(LIMITS.amount_max_fen),
  stock_max: group(LIMITS.stock_max),
  sku_max: LIMITS.sku_max_chars,
  name_max: LIMITS.product_name_max_chars,
  description_max: LIMITS.description_max_chars,
  password_min: LIMITS.password_min_chars,
  password_max: LIMITS.password_max_chars,
  qty_max: LIMITS.order_qty_max,
  scenario_name_max: LIMITS.scenario_name_max_chars,
}
