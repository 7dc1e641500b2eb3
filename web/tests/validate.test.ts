import { describe, expect, test } from 'vitest'
import { createI18n } from 'vue-i18n'
import {
  LIMIT_WORDS,
  checkMemberPrice,
  checkPassword,
  checkPhone,
  checkPrice,
  checkProductName,
  checkScenarioName,
  checkSku,
  checkStock,
  checkWithdrawal,
  cleanCode,
} from '../src/shared/validate'
import { LIMITS } from '../src/shared/limits'
import { en, zh } from '../src/shared/i18n'

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

// Every limit a form states comes from limits.json, the file the server's checks are generated from:
// the values at the limit pass, one past it fails, and the message names the limit itself.
describe('limits from the one source', () => {
  const zhT = createI18n({ legacy: false, locale: 'zh', messages: { zh, en } }).global.t as (k: string, n?: Record<string, unknown>) => string
  test('prices: a huge price says the maximum, not "at most two decimals"', () => {
    expect(LIMITS.amount_max_fen).toBe(10_000_000_000)
    expect(checkPrice('100000000')).toBe('')
    expect(checkPrice('100000000.01')).toBe('validate.price_max')
    expect(checkPrice('99999999999999999')).toBe('validate.price_max')
    expect(checkPrice('1,000,000,000')).toBe('validate.price_max')
    expect(checkPrice('12.345')).toBe('validate.price_format')
    expect(checkPrice('abc')).toBe('validate.price_format')
    expect(checkPrice('')).toBe('validate.price_required')
    expect(checkPrice('', false)).toBe('')
    expect(zhT('validate.price_max', LIMIT_WORDS)).toBe('价格不能超过 ¥100,000,000.00')
  })
  test('member prices are at most the list price', () => {
    expect(checkMemberPrice('', 9900)).toBe('')
    expect(checkMemberPrice('99', 9900)).toBe('')
    expect(checkMemberPrice('99.01', 9900)).toBe('validate.member_price_over_list')
    expect(checkMemberPrice('999999999999', 9900)).toBe('validate.price_max')
  })
  test('stock, names, SKUs and passwords', () => {
    expect(checkStock(LIMITS.stock_max)).toBe('')
    expect(checkStock(LIMITS.stock_max + 1)).toBe('validate.stock_max')
    expect(checkStock(-1)).toBe('validate.stock_format')
    expect(zhT('validate.stock_max', LIMIT_WORDS)).toBe('库存不能超过 1,000,000,000')
    expect(checkProductName('茶'.repeat(LIMITS.product_name_max_chars))).toBe('')
    expect(checkProductName('茶'.repeat(LIMITS.product_name_max_chars + 1))).toBe('validate.name_long')
    expect(checkProductName('  ')).toBe('validate.name_required')
    expect(zhT('validate.name_long', LIMIT_WORDS)).toBe('名称最多 200 个字')
    expect(checkSku('s'.repeat(LIMITS.sku_max_chars))).toBe('')
    expect(checkSku('s'.repeat(LIMITS.sku_max_chars + 1))).toBe('validate.sku_long')
    expect(checkPassword('密'.repeat(LIMITS.password_min_chars))).toBe('')
    expect(checkPassword('😀'.repeat(LIMITS.password_max_chars))).toBe('') // 128 characters, 256 UTF-16 units
    expect(checkPassword('x'.repeat(LIMITS.password_max_chars + 1))).toBe('validate.password_long')
    expect(zhT('validate.password_short', LIMIT_WORDS)).toBe('密码至少 8 位')
  })
  test('scenario names: any language, no slashes, quotes or control characters', () => {
    expect(checkScenarioName('春节裂变')).toBe('')
    expect(checkScenarioName('launch-2027 v1.2')).toBe('')
    expect(checkScenarioName('a/b')).toBe('validate.scenario_name')
    expect(checkScenarioName('a"b')).toBe('validate.scenario_name')
    expect(checkScenarioName('a\tb')).toBe('validate.scenario_name')
    expect(checkScenarioName('')).toBe('validate.scenario_name_required')
    expect(zhT('validate.scenario_name', LIMIT_WORDS)).toContain('最多 64 个字')
  })
})
