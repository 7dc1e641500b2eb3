// Times on the wire are Unix milliseconds; people see them in the shop's time zone (an offset in
// minutes east of UTC, from GET /api/v1/shop; Asia/Shanghai, +480, until it is known).

let shopOffsetMinutes = 480

export function setShopOffset(minutes: number) {
  if (Number.isInteger(minutes) && Math.abs(minutes) <= 14 * 60) shopOffsetMinutes = minutes
}

export function shopOffset(): number {
  return shopOffsetMinutes
}

const pad = (n: number) => n.toString().padStart(2, '0')

// 2026-11-22 19:05 in the shop's zone.
export function formatTime(ms: number | null | undefined, offsetMinutes = shopOffsetMinutes): string {
  if (ms === null || ms === undefined || ms <= 0) return '—'
  const d = new Date(ms + offsetMinutes * 60_000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`
}

export function formatDate(ms: number | null | undefined, offsetMinutes = shopOffsetMinutes): string {
  return formatTime(ms, offsetMinutes).slice(0, 10)
}

// A shop day number (days since 1970-01-01 in the shop's zone) as a date.
export function formatShopDay(day: number): string {
  const d = new Date(day * 86_400_000)
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`
}

// The start of a shop day given as YYYY-MM-DD, in Unix ms.
export function shopDayStart(date: string, offsetMinutes = shopOffsetMinutes): number {
  const [y, m, d] = date.split('-').map(Number)
  return Date.UTC(y, m - 1, d) - offsetMinutes * 60_000
}
