// Form rules shared by the store and the console; each returns an i18n key of the problem, or ''.
// Keys that state a limit take their numbers from LIMIT_WORDS (shared/limits.ts, from limits.json):
// show them with t(key, LIMIT_WORDS).
import { LIMITS, charCount } from './limits'
import { parseYuan } from './money'

export { LIMIT_WORDS } from './limits'

export function checkPhone(phone: string): string {
  if (!phone.trim()) return 'validate.phone_required'
  return /^1\d{10}$/.test(phone.trim()) ? '' : 'validate.phone_format'
}

export function checkPassword(password: string): string {
  if (!password) return 'validate.password_required'
  if (charCount(password) < LIMITS.password_min_chars) return 'validate.password_short'
  if (charCount(password) > LIMITS.password_max_chars) return 'validate.password_long'
  return ''
}

// A withdrawal amount in fen against the shop's minimum and what is available.
export function checkWithdrawal(fen: number | null, available: number, minimum: number): string {
  if (fen === null) return 'validate.amount_format'
  if (fen <= 0) return 'validate.amount_positive'
  if (fen < minimum) return 'validate.amount_below_min'
  if (fen > available) return 'validate.amount_over_available'
  return ''
}

// Invite codes and channels as they come in a link (?ref=CODE&ch=wechat): trimmed to what the
// server keeps (32 characters of [A-Za-z0-9_-]).
export function cleanCode(s: string | null | undefined): string {
  return (s ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 32)
}

export function checkSku(sku: string): string {
  if (!sku) return 'validate.sku_required'
  if (sku.length > LIMITS.sku_max_chars) return 'validate.sku_long'
  return /^[A-Za-z0-9._-]+$/.test(sku) ? '' : 'validate.sku_format'
}

export function checkProductName(name: string): string {
  if (!name.trim()) return 'validate.name_required'
  return charCount(name.trim()) > LIMITS.product_name_max_chars ? 'validate.name_long' : ''
}

// A price typed in yuan: the format, then the largest price the server takes. `required` false lets
// an empty text through (a member price left blank).
export function checkPrice(text: string, required = true): string {
  if (text.trim() === '') return required ? 'validate.price_required' : ''
  const fen = parseYuan(text)
  // A well-formed amount too long to parse is too large, not malformed: say the maximum.
  const wellFormed = /^¥?\d[\d,]*(?:\.\d{0,2})?$/.test(text.trim())
  if (fen === null) return wellFormed ? 'validate.price_max' : 'validate.price_format'
  return fen > LIMITS.amount_max_fen ? 'validate.price_max' : ''
}

// A member price: a price, at most the list price (in fen; null when the list price is not valid).
export function checkMemberPrice(text: string, listFen: number | null): string {
  const p = checkPrice(text, false)
  if (p || text.trim() === '') return p
  const fen = parseYuan(text)
  return listFen !== null && fen !== null && fen > listFen ? 'validate.member_price_over_list' : ''
}

export function checkStock(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isInteger(n) || n < 0) return 'validate.stock_format'
  return n > LIMITS.stock_max ? 'validate.stock_max' : ''
}

// A simulation scenario's name: letters and digits of any script (春节裂变), '.', '-', '_' and spaces,
// at most scenario_name_max_chars characters (src/sim/scenario.cc CheckScenarioName holds the same rule).
export function checkScenarioName(name: string): string {
  const s = name.trim()
  if (!s) return 'validate.scenario_name_required'
  if (charCount(s) > LIMITS.scenario_name_max_chars) return 'validate.scenario_name'
  return /^[\p{L}\p{N}\p{M}._\- ]+$/u.test(s) ? '' : 'validate.scenario_name'
}
