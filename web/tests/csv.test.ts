import { expect, test } from 'vitest'
import { csvCell, toCsv } from '../src/shared/csv'
import { formatTime, formatShopDay, shopDayStart } from '../src/shared/time'
import { shelfPrice } from '../src/shared/pricing'

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

test('a shelf shows the price the viewer pays, and member prices only as an offer', () => {
  const p = { id: 1, sku: 's', name: 'n', price: 10000, stock: 1, status: 'on' as const, member_prices: { member: 9000, partner: 8000 } }
  // A visitor (the server's unit_price is the list price): the list price, and "member prices from".
  expect(shelfPrice({ ...p, unit_price: 10000, member_price_from: 8000 })).toEqual({ pay: 10000, list: null, memberFrom: 8000 })
  // A member: its own price, the list price struck, the partner price still an offer.
  expect(shelfPrice({ ...p, unit_price: 9000, member_price_from: 8000 })).toEqual({ pay: 9000, list: 10000, memberFrom: 8000 })
  // A partner pays the lowest: no offer below it.
  expect(shelfPrice({ ...p, unit_price: 8000, member_price_from: 8000 })).toEqual({ pay: 8000, list: 10000, memberFrom: null })
  expect(shelfPrice({ ...p, member_prices: {}, unit_price: 10000, member_price_from: null })).toEqual({ pay: 10000, list: null, memberFrom: null })
})
