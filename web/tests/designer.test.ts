import { expect, test } from 'vitest'
import {
  checkScenario,
  dailySeries,
  defaultScenario,
  formatRatio,
  parsePercent,
  progressPercent,
  scenarioToml,
} from '../src/shared/designer'
import { LIMITS, LIMIT_WORDS } from '../src/shared/limits'

const limits = { max_days: 730, max_members: 200_000 }

test('percentages are parsed as text into basis points', () => {
  expect(parsePercent('5')).toBe(500)
  expect(parsePercent('5.5')).toBe(550)
  expect(parsePercent('0.29')).toBe(29)
  expect(parsePercent(' 7% ')).toBe(700)
  expect(parsePercent('100')).toBe(10_000)
  expect(parsePercent('100.01')).toBeNull()
  expect(parsePercent('1.234')).toBeNull()
  expect(parsePercent('-1')).toBeNull()
  expect(parsePercent('')).toBeNull()
  expect(parsePercent('abc')).toBeNull()
})

test('ratios are shown with one decimal', () => {
  expect(formatRatio(0.744)).toBe('74.4%')
  expect(formatRatio(0)).toBe('0.0%')
  expect(formatRatio(1)).toBe('100.0%')
  expect(formatRatio(undefined)).toBe('—')
  expect(formatRatio(NaN)).toBe('—')
})

test('the default scenario is valid and becomes the TOML the server reads', () => {
  const f = defaultScenario(['pkg699', 'pkg499', 'id999'])
  expect(checkScenario(f, limits)).toEqual({})
  const toml = scenarioToml(f)
  expect(toml).toContain('name = "launch"\ndays = 90\n')
  expect(toml).toContain('[start]\nmembers = 20\nbuy_bps = 10000\n')
  expect(toml).toContain('[invite]\nwho = "buyers"\ndaily_bps = 700\ninvitees = [1, 3]\n')
  expect(toml).toContain('[package]\nsku = "pkg699"\nbuy_bps = 5500\nwithin_days = 3\n')
  expect(toml).toContain('[repurchase]\nsku = "pkg499"\ndaily_bps = 20\n')
  expect(toml).toContain('[orders]\nrefund_bps = 300\nsettle_after_days = 15\n')
  expect(toml).toContain('[churn]\ndaily_bps = 150\n')
})

test('without a repurchase product there is no [repurchase]; equal invitees are one number', () => {
  const f = { ...defaultScenario(['kit']), repurchaseDaily: 'bad', inviteesMin: '2', inviteesMax: '2' }
  expect(f.packageSku).toBe('kit')
  expect(f.repurchaseSku).toBe('')
  expect(checkScenario(f, limits)).toEqual({})
  const toml = scenarioToml(f)
  expect(toml).not.toContain('[repurchase]')
  expect(toml).toContain('invitees = 2\n')
})

test('the form is checked field by field against the server limits', () => {
  const f = {
    ...defaultScenario(['pkg699']),
    name: 'a/b',
    days: '800',
    maxMembers: '100',
    founders: '200',
    inviteDaily: '7.555',
    inviteesMin: '4',
    inviteesMax: '3',
    packageSku: '',
    churn: '101',
  }
  const e = checkScenario(f, limits)
  expect(e.name).toEqual({ key: 'validate.scenario_name', named: LIMIT_WORDS })
  expect(e.days).toEqual({ key: 'validate.int_range', named: { min: 1, max: 730 } })
  expect(e.founders?.key).toBe('validate.founders_over_max')
  expect(e.inviteDaily?.key).toBe('validate.percent')
  expect(e.inviteesMax?.key).toBe('validate.invitees_order')
  expect(e.packageSku?.key).toBe('validate.required')
  expect(e.churn?.key).toBe('validate.percent')
  expect(e.maxMembers).toBeUndefined()
  expect(checkScenario({ ...defaultScenario(['pkg699']), maxMembers: '300000' }, limits).maxMembers?.named).toEqual({ min: 1, max: 200_000 })
})

test('a scenario name cannot break out of its TOML string', () => {
  expect(checkScenario({ ...defaultScenario(['p']), name: 'x"\nseed = 2' }, limits).name).toBeDefined()
})

test('progress in whole percent', () => {
  expect(progressPercent({ state: 'running', progress: { day: 0, days: 0, members: 0, orders: 0 } })).toBe(0)
  expect(progressPercent({ state: 'running', progress: { day: 45, days: 90, members: 1, orders: 1 } })).toBe(50)
  expect(progressPercent({ state: 'running', progress: { day: 2, days: 3, members: 1, orders: 1 } })).toBe(66)
  expect(progressPercent({ state: 'done', progress: { day: 89, days: 90, members: 1, orders: 1 } })).toBe(100)
})

test('a report’s daily columns become chart series, money in integer fen', () => {
  const s = dailySeries({
    days_run: 3,
    daily: {
      joined: [20, 5, 7],
      members_by_rank: { fan: [0, 3, 5], member: [20, 22, 24] },
      sales: [1_398_000, 349_500, 0],
      payouts: { direct: [400_000, 100_000, 0], pool: [0, 1, 2] },
      margin: [998_000, 249_499, -2],
    },
  })
  expect(s.days).toEqual([1, 2, 3])
  expect(s.ranks).toEqual([
    { name: 'fan', data: [0, 3, 5] },
    { name: 'member', data: [20, 22, 24] },
  ])
  expect(s.money.map((m) => m.name)).toEqual(['sales', 'payouts', 'margin'])
  expect(s.money[1].data).toEqual([400_000, 100_001, 2])
  expect(s.payoutsByRule.map((m) => m.name)).toEqual(['direct', 'pool'])
  expect(s.cumulative[0].data).toEqual([1_398_000, 1_747_500, 1_747_500])
  expect(s.cumulative[1].data).toEqual([400_000, 500_001, 500_003])
  expect(s.cumulative[2].data).toEqual([998_000, 1_247_499, 1_247_497])
  expect(s.money.every((m) => m.data.every(Number.isInteger))).toBe(true)
})

test('an empty report has no days and no series values', () => {
  const s = dailySeries({ days_run: 0, daily: { joined: [], members_by_rank: {}, sales: [], payouts: {} } })
  expect(s.days).toEqual([])
  expect(s.ranks).toEqual([])
  expect(s.money.map((m) => m.data)).toEqual([[], []])
})

test('calculator inputs become the API’s bodies: bps from percentages, fen from yuan', async () => {
  const { checkCalc } = await import('../src/shared/designer')
  const { parseYuan } = await import('../src/shared/money')
  expect(checkCalc('members', { reach: '100000', fan: '30', deal: '20', member: '50' }, parseYuan)).toEqual({
    errors: {},
    body: { reach: 100000, fan_bps: 3000, deal_bps: 2000, member_bps: 5000 },
  })
  expect(checkCalc('lifetime', { frequency: '4', lifetime: '2.5', ticket: '199' }, parseYuan).body).toEqual({ frequency: 4, lifetime: 2.5, ticket: 19900 })
  expect(checkCalc('lifetime', { frequency: '4', lifetime: '2.555', ticket: '1.999' }, parseYuan)).toEqual({
    errors: {
      lifetime: { key: 'validate.decimal_range', named: { min: 0, max: 1_000_000 } },
      ticket: { key: 'validate.price_format', named: LIMIT_WORDS },
    },
    body: null,
  })
  // A ticket over the largest price says the largest price (limits.json amount_max_fen).
  expect(checkCalc('lifetime', { frequency: '4', lifetime: '2', ticket: '100000000.01' }, parseYuan).errors).toEqual({
    ticket: { key: 'validate.price_max', named: LIMIT_WORDS },
  })
  const f = { referrals: '3', levels: '1', generations: '5', seeds: '100', conversion: '20', market: '0' }
  expect(checkCalc('fission', f, parseYuan).body).toEqual({ referrals: 3, levels: 1, generations: 5, seeds: 100, conversion_bps: 2000, market: 0 })
  expect(checkCalc('fission', { ...f, generations: '101', conversion: '120' }, parseYuan).errors).toEqual({
    generations: { key: 'validate.int_range', named: { min: 1, max: LIMITS.calc_generations_max } },
    conversion: { key: 'validate.percent' },
  })
})

// The console's calculators allow exactly what the server does: its bounds are limits.json's, which
// src/sim/calculators.h is generated from (kLevels 1..1000, not the 1..100 the form once had).
test('calculator bounds are the server’s, from limits.json', async () => {
  const { checkCalc, CALC_LIMITS } = await import('../src/shared/designer')
  const { parseYuan } = await import('../src/shared/money')
  expect(CALC_LIMITS.levels).toEqual({ min: 1, max: LIMITS.calc_levels_max })
  expect(LIMITS.calc_levels_max).toBe(1000)
  const f = { referrals: '3', levels: '1000', generations: '5', seeds: '100', conversion: '20', market: '100000000000' }
  expect(checkCalc('fission', f, parseYuan).errors).toEqual({})
  expect(checkCalc('fission', { ...f, levels: '1001', referrals: '1000.01', market: '100000000001' }, parseYuan).errors).toEqual({
    levels: { key: 'validate.int_range', named: { min: 1, max: 1000 } },
    referrals: { key: 'validate.decimal_range', named: { min: 0, max: 1000 } },
    market: { key: 'validate.int_range', named: { min: 0, max: 100_000_000_000 } },
  })
  expect(checkCalc('fission', { ...f, referrals: '1000' }, parseYuan).body?.referrals).toBe(1000)
})

test('a scenario may be named in Chinese, within the limit in characters', () => {
  const base = defaultScenario(['pkg699'])
  expect(checkScenario({ ...base, name: '春节裂变' }, limits).name).toBeUndefined()
  expect(checkScenario({ ...base, name: 'Spring 2027 v1.2_a-b' }, limits).name).toBeUndefined()
  expect(checkScenario({ ...base, name: '裂'.repeat(LIMITS.scenario_name_max_chars) }, limits).name).toBeUndefined()
  for (const bad of ['裂'.repeat(LIMITS.scenario_name_max_chars + 1), 'a/b', 'a"b', "a'b", 'a\u0007b', '<b>', '   ', '🎉']) {
    expect(checkScenario({ ...base, name: bad }, limits).name?.key, bad).toMatch(/^validate\.scenario_name/)
  }
  expect(scenarioToml({ ...base, name: '春节裂变' })).toContain('name = "春节裂变"\n')
})
