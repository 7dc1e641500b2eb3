// Form rules shared by the store and the console; each returns an i18n key of the problem, or ''.

export function checkPhone(phone: string): string {
  if (!phone.trim()) return 'validate.phone_required'
  return /^1\d{10}$/.test(phone.trim()) ? '' : 'validate.phone_format'
}

export function checkPassword(password: string): string {
  if (!password) return 'validate.password_required'
  if (password.length < 8) return 'validate.password_short'
  if (password.length > 128) return 'validate.password_long'
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
  return /^[A-Za-z0-9._-]{1,64}$/.test(sku) ? '' : 'validate.sku_format'
}
