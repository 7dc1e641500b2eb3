import { describe, expect, test } from 'vitest'
import { checkPassword, checkPhone, checkSku, checkWithdrawal, cleanCode } from '../src/shared/validate'

describe('forms', () => {
  test.each([
    ['', 'validate.phone_required'],
    ['1380000000', 'validate.phone_format'],
    ['23800000000', 'validate.phone_format'],
    ['1380000000a', 'validate.phone_format'],
    ['13800000000', ''],
    [' 13800000000 ', ''],
  ])('phone %j → %j', (phone, key) => expect(checkPhone(phone)).toBe(key))

  test.each([
    ['', 'validate.password_required'],
    ['1234567', 'validate.password_short'],
    ['12345678', ''],
    ['x'.repeat(129), 'validate.password_long'],
  ])('password %j → %j', (pw, key) => expect(checkPassword(pw)).toBe(key))

  test.each([
    [null, 5000, 1000, 'validate.amount_format'],
    [0, 5000, 1000, 'validate.amount_positive'],
    [999, 5000, 1000, 'validate.amount_below_min'],
    [1000, 5000, 1000, ''],
    [5000, 5000, 1000, ''],
    [5001, 5000, 1000, 'validate.amount_over_available'],
  ])('withdraw %j of %d (min %d) → %j', (fen, available, min, key) => expect(checkWithdrawal(fen, available, min)).toBe(key))

  test('invite codes and channels from a link are cleaned to what the server keeps', () => {
    expect(cleanCode('QMV97B86')).toBe('QMV97B86')
    expect(cleanCode(' we chat<script>')).toBe('wechatscript')
    expect(cleanCode('x'.repeat(40))).toHaveLength(32)
    expect(cleanCode(undefined)).toBe('')
  })

  test('SKUs', () => {
    expect(checkSku('pkg699')).toBe('')
    expect(checkSku('a.b-c_d')).toBe('')
    expect(checkSku('')).toBe('validate.sku_required')
    expect(checkSku('a b')).toBe('validate.sku_format')
  })
})
