import { expect, test } from 'vitest'
import { csvCell, toCsv } from '../src/shared/csv'
import { formatTime, formatShopDay, shopDayStart } from '../src/shared/time'
import { lowestMemberPrice, priceFor } from '../src/shared/pricing'

test('CSV quoting and formula guards', () => {
  expect(csvCell('plain')).toBe('plain')
  expect(csvCell('a,b')).toBe('"a,b"')
  expect(csvCell('say "hi"')).toBe('"say ""hi"""')
  expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)")
  expect(csvCell(-5)).toBe('-5')
  expect(csvCell(null)).toBe('')
  expect(toCsv([{ a: 1, b: 'x\ny' }], [{ label: 'A', value: (r) => r.a }, { label: 'B', value: (r) => r.b }])).toBe('A,B\r\n1,"x\ny"\r\n')
})

test('times in the shop zone, not the browser zone', () => {
  const ms = Date.UTC(2026, 10, 22, 19, 5) // 19:05 UTC
  expect(formatTime(ms, 480)).toBe('2026-11-23 03:05')
  expect(formatTime(ms, 0)).toBe('2026-11-22 19:05')
  expect(formatTime(0)).toBe('—')
  expect(formatShopDay(20414)).toBe('2025-11-22')
  expect(shopDayStart('2026-11-23', 480)).toBe(Date.UTC(2026, 10, 22, 16, 0))
})

test('the member price a rank pays', () => {
  const p = { id: 1, sku: 's', name: 'n', price: 10000, stock: 1, status: 'on' as const, member_prices: { member: 9000, partner: 8000 } }
  const ranks = ['fan', 'member', 'partner']
  expect(priceFor(p, ranks, 'fan')).toBe(10000)
  expect(priceFor(p, ranks, 'member')).toBe(9000)
  expect(priceFor(p, ranks, 'partner')).toBe(8000)
  expect(priceFor(p, ranks, undefined)).toBe(10000)
  expect(lowestMemberPrice(p)).toBe(8000)
  expect(lowestMemberPrice({ ...p, member_prices: {} })).toBeNull()
})
