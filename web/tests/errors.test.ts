import { describe, expect, test } from 'vitest'
import { createI18n } from 'vue-i18n'
import { ApiError, describeError, fieldOf, parseErrorBody, planErrorLine } from '../src/shared/errors'
import { en, zh } from '../src/shared/i18n'

function translator(locale: 'zh' | 'en') {
  const i18n = createI18n({ legacy: false, locale, messages: { zh, en } })
  return i18n.global.t as (key: string, named?: Record<string, unknown>) => string
}

describe('the API error shape', () => {
  test('{"error":{"code","message","field"}} is read', () => {
    const e = parseErrorBody(409, { error: { code: 'insufficient_balance', message: 'not enough', field: 'amount' } })
    expect(e).toMatchObject({ status: 409, code: 'insufficient_balance', message: 'not enough', field: 'amount' })
  })
  test('the flat {"error":"code","message","line"} form is read too', () => {
    const e = parseErrorBody(422, { error: 'plan_invalid', message: 'bad rate', line: 12 })
    expect(e).toMatchObject({ status: 422, code: 'plan_invalid', line: 12 })
  })
  test('a body that is not an error still gives one', () => {
    expect(parseErrorBody(502, null).code).toBe('server_error')
    expect(parseErrorBody(0, null).code).toBe('network')
  })
})

describe('errors in the user language', () => {
  const zhT = translator('zh')
  const enT = translator('en')
  test.each([
    ['bad_credentials', '手机号或密码错误', 'Wrong phone number or password'],
    ['phone_taken', '该手机号已注册', 'This phone number is already registered'],
    ['out_of_stock', '库存不足', 'Out of stock'],
    ['insufficient_balance', '可提现余额不足', 'Not enough available balance'],
    ['forbidden', '没有权限进行此操作', 'You may not do this'],
  ])('%s', (code, zhText, enText) => {
    const err = new ApiError(409, code, 'server words')
    expect(describeError(err, zhT)).toBe(zhText)
    expect(describeError(err, enT)).toBe(enText)
  })
  test('invalid_<field> names the field in the language', () => {
    const err = new ApiError(400, 'invalid_phone', 'phone must be …', 'phone')
    expect(describeError(err, zhT)).toBe('手机号填写不正确')
    expect(describeError(err, enT)).toBe('The phone is not valid')
  })
  test('unknown codes fall back to the server message; non-API errors are network errors', () => {
    expect(describeError(new ApiError(400, 'brand_new_code', 'the server says why'), zhT)).toBe('the server says why')
    expect(describeError(new TypeError('fetch failed'), zhT)).toBe('网络异常，请检查网络后重试')
  })
  test('every known code has a message in both languages', async () => {
    const { KNOWN_CODES } = await import('../src/shared/errors')
    for (const code of KNOWN_CODES) {
      expect(Object.keys(zh.errors)).toContain(code)
      expect(Object.keys(en.errors)).toContain(code)
    }
  })
})

describe('the line of a plan error', () => {
  test.each([
    [new ApiError(422, 'plan_invalid', 'rate must be a number', undefined, 12), 12],
    [new ApiError(400, 'invalid_plan', 'upload:44: hold_bps must be an integer'), 44],
    [new ApiError(400, 'invalid_plan', 'line 7: unknown key'), 7],
    [new ApiError(400, 'invalid_plan', 'no ranks'), null],
  ])('%#', (err, line) => expect(planErrorLine(err)).toBe(line))
})

test('a plan error shows its reason without the file:line prefix', () => {
  const t = translator('en')
  const err = new ApiError(422, 'invalid_plan', 'plan.toml:45: [fund]: hold_bps must be an integer', 'toml', 45)
  expect(describeError(err, t)).toBe('The plan has a mistake: [fund]: hold_bps must be an integer')
  expect(planErrorLine(err)).toBe(45)
})

test('the designer’s errors: a scenario error shows its reason and line; busy and missing reports by code', () => {
  const zhT = translator('zh')
  const err = new ApiError(400, 'invalid_scenario', 'scenario:15: [package]: sku names "pkg799", which plan "p" does not declare', 'scenario')
  expect(describeError(err, zhT)).toBe('模拟场景有误: [package]: sku names "pkg799", which plan "p" does not declare')
  expect(planErrorLine(err)).toBe(15)
  expect(describeError(new ApiError(429, 'too_many_simulations', 'busy'), zhT)).toBe('已有模拟在运行，请稍后再试')
  expect(describeError(new ApiError(409, 'no_report', 'running'), translator('en'))).toBe('The simulation has not finished; there is no report yet')
})

// Server refusals name their field and, for limits, are said with the limit from limits.json.
test('a taken SKU and the server’s limit errors, on their field, in Chinese', () => {
  const zhT = translator('zh')
  const taken = parseErrorBody(409, { error: { code: 'sku_taken', message: 'a product already has this SKU', field: 'sku' } })
  expect(fieldOf(taken)).toBe('sku')
  expect(describeError(taken, zhT)).toMatch(/^该 SKU 已被其他商品使用/)
  const price = new ApiError(400, 'invalid_price', 'price must be 0..10000000000 fen (at most 100000000.00 yuan)', 'price')
  expect(fieldOf(price)).toBe('price')
  expect(describeError(price, zhT)).toBe('价格不能超过 ¥100,000,000.00')
  expect(describeError(new ApiError(400, 'invalid_qty', 'qty must be a whole number from 1 to 999', 'qty'), zhT)).toBe('数量须为 1 到 999 之间的整数')
  expect(describeError(new ApiError(400, 'invalid_password', 'password has 8 to 128 characters', 'password'), zhT)).toBe('密码须为 8 到 128 位')
  expect(fieldOf(new ApiError(500, 'server_error', 'x'))).toBe('')
})
