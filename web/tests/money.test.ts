import { describe, expect, test } from 'vitest'
import { fenToYuanString, formatBps, formatFen, parseYuan } from '../src/shared/money'

describe('formatFen', () => {
  test.each([
    [0, '¥0.00'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [69900, '¥699.00'],
    [123456789, '¥1,234,567.89'],
    [-5, '-¥0.05'],
    [-100000, '-¥1,000.00'],
    [Number.MAX_SAFE_INTEGER, '¥90,071,992,547,409.91'],
    [9223372036854775807n, '¥92,233,720,368,547,758.07'],
  ])('%s fen is %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text)
  })
  test('missing and fractional amounts are not invented', () => {
    expect(formatFen(null)).toBe('—')
    expect(formatFen(undefined)).toBe('—')
    expect(formatFen(0.5)).toBe('—')
  })
  test('sums of fen stay exact where yuan floats would not', () => {
    expect(0.1 + 0.2).not.toBe(0.3)
    expect(formatFen(10 + 20)).toBe('¥0.30')
  })
})

describe('parseYuan', () => {
  test.each([
    ['10', 1000],
    ['10.5', 1050],
    ['10.05', 1005],
    ['0.29', 29],
    ['0.1', 10],
    ['¥1,200.50', 120050],
    [' 7. ', 700],
    ['0', 0],
  ])('%j is %d fen', (text, fen) => {
    expect(parseYuan(text)).toBe(fen)
  })
  test.each(['', 'abc', '1.234', '-1', '1e3', '.5', '1,2,3.4.5', '99999999999999'])('%j is not an amount', (text) => {
    expect(parseYuan(text)).toBeNull()
  })
  test('round trip with fenToYuanString', () => {
    for (const fen of [0, 1, 99, 100, 12345, 69900, 1000000001]) expect(parseYuan(fenToYuanString(fen))).toBe(fen)
    expect(fenToYuanString(-5)).toBe('-0.05')
  })
})

test('formatBps', () => {
  expect(formatBps(1500)).toBe('15%')
  expect(formatBps(125)).toBe('1.25%')
  expect(formatBps(2010)).toBe('20.1%')
})
