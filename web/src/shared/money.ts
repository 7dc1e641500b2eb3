// Money on the wire is an integer number of fen (1 yuan = 100 fen). Everything here works on
// integers (BigInt), never on floating-point yuan, so ¥0.1 + ¥0.2 is always ¥0.30.

export type Fen = number | bigint

// ¥1,234.56 — two decimals, thousands grouped, a minus sign before the ¥ for negative amounts.
export function formatFen(fen: Fen | null | undefined): string {
  if (fen === null || fen === undefined) return '—'
  let v: bigint
  if (typeof fen === 'bigint') v = fen
  else if (Number.isInteger(fen)) v = BigInt(fen)
  else return '—' // a fraction of a fen is a bug upstream; do not invent a rounding here
  const neg = v < 0n
  if (neg) v = -v
  const yuan = (v / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const cents = (v % 100n).toString().padStart(2, '0')
  return `${neg ? '-' : ''}¥${yuan}.${cents}`
}

// The plain decimal form without ¥ or grouping (for CSV and inputs): 1234.56, -0.05.
export function fenToYuanString(fen: Fen): string {
  let v = typeof fen === 'bigint' ? fen : BigInt(fen)
  const neg = v < 0n
  if (neg) v = -v
  return `${neg ? '-' : ''}${v / 100n}.${(v % 100n).toString().padStart(2, '0')}`
}

// What a person types ("12", "12.3", "12.30", "¥1,200.5") → fen, or null when it is not an amount
// of at most two decimals. Parsed as text, so "0.29" is exactly 29 fen.
export function parseYuan(text: string): number | null {
  const s = text.trim().replace(/^¥/, '').replace(/,/g, '')
  const m = /^(\d{1,13})(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return null
  const fen = BigInt(m[1]) * 100n + BigInt((m[2] ?? '').padEnd(2, '0') || '0')
  if (fen > BigInt(Number.MAX_SAFE_INTEGER)) return null
  return Number(fen)
}

// Basis points as a percentage: 1500 → "15%", 125 → "1.25%".
export function formatBps(bps: number): string {
  const whole = Math.trunc(bps / 100)
  const frac = Math.abs(bps % 100)
  return frac === 0 ? `${whole}%` : `${whole}.${frac.toString().padStart(2, '0').replace(/0$/, '')}%`
}
