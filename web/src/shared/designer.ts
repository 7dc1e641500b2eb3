// The plan designer's logic, kept apart from the page so it can be unit tested: the scenario form
// (validation, and the TOML the API takes), the shapes of lint findings and simulation reports
// (docs/designer.md), and a report's daily figures as chart series.
//
// Rates are typed as percentages ("5.5") and parsed as text into integer basis points, as money is
// parsed into fen: no floating arithmetic on either. Every bound comes from limits.json, the file the
// server's checks are generated from (src/sim/calculators.h, src/sim/scenario.h).
import { LIMITS, LIMIT_WORDS } from './limits'
import { checkScenarioName } from './validate'

// ---- API shapes (src/http/designer_api.cc, src/sim/lint.cc, src/sim/simulation.cc) ----

export interface LintRulePayout {
  rule: number
  kind: string
  earned: string
  max_per_unit: number
  reaches: string
}
export interface LintPayout {
  sku: string
  activity: string
  price: number
  max_per_unit: number
  share: number
  rules: LintRulePayout[]
}
export interface LintFinding {
  code: string
  title: string
  reference: string
  trigger: string
  fix: string
}
export interface LintReport {
  plan: string
  payouts: LintPayout[]
  depth: { deepest_generation: number; unbounded: boolean; because?: string }
  findings: LintFinding[]
  notice: string
}

export type JobState = 'running' | 'done' | 'failed' | 'cancelled'
export interface SimulationStatus {
  id: number
  state: JobState
  plan: string
  scenario: string
  progress: { day: number; days: number; members: number; orders: number }
  error?: string
  report?: { json: string; html: string }
}
export interface SimulationLimits {
  max_running: number
  max_kept: number
  max_days: number
  max_members: number
}

export interface SimulationReport {
  notice: string
  plan: string
  scenario: { name: string; days: number; seed: number; max_members: number }
  days_run: number
  summary: {
    members: number
    ranks: Record<string, number>
    orders: number
    net_sales: number
    payout_ratio: number
    paid_to_members_ratio: number
    platform_margin: number
    margin_ratio: number
    recovered_share: number
    never_recovered_share: number
  }
  totals: Record<string, unknown> & { sales: number; refunds: number; rewards_net: number; pool_contributions: number }
  earnings: {
    participants: number
    total?: number
    mean?: number
    median?: number
    p90?: number
    p99?: number
    max?: number
    top1_share?: number
    gini?: number
    zero_earners?: number
    recovered?: number
  }
  lint?: LintReport
  daily: {
    joined: number[]
    package_buyers?: number[]
    active?: number[]
    members_by_rank: Record<string, number[]>
    sales: number[]
    refunds?: number[]
    payouts: Record<string, number[]>
    clawbacks?: number[]
    pool_contributions?: number[]
    pool_payouts?: number[]
    margin?: number[]
  }
}

// ---- Percentages and basis points ----

// "5", "5.5", "0.25", "5%" → basis points (500, 550, 25, 500); null when it is not a percentage of
// at most two decimals between 0 and 100.
export function parsePercent(text: string): number | null {
  const s = text.trim().replace(/%$/, '').trim()
  const m = /^(\d{1,3})(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return null
  const bps = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0')
  return bps <= 10_000 ? bps : null
}

// A ratio the report gives as a number (0.744) as a percentage with one decimal: "74.4%".
export function formatRatio(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—'
  return `${(Math.round(x * 1000) / 10).toFixed(1)}%`
}

// ---- The scenario form ----

export interface ScenarioForm {
  name: string
  days: string
  seed: string
  maxMembers: string
  founders: string
  foundersBuy: string // %
  inviteWho: 'buyers' | 'everyone'
  inviteDaily: string // %
  inviteesMin: string
  inviteesMax: string
  packageSku: string
  packageBuy: string // %
  packageWithin: string
  repurchaseSku: string // '' for none
  repurchaseDaily: string // %
  refund: string // %
  settleAfter: string
  churn: string // %
}

// A small launch that finishes in a moment: the shipped example scenario, shorter and smaller.
export function defaultScenario(skus: string[]): ScenarioForm {
  const pkg = skus.includes('pkg699') ? 'pkg699' : (skus[0] ?? '')
  const rep = skus.includes('pkg499') ? 'pkg499' : ''
  return {
    name: 'launch',
    days: '90',
    seed: '1',
    maxMembers: '5000',
    founders: '20',
    foundersBuy: '100',
    inviteWho: 'buyers',
    inviteDaily: '7',
    inviteesMin: '1',
    inviteesMax: '3',
    packageSku: pkg,
    packageBuy: '55',
    packageWithin: '3',
    repurchaseSku: rep,
    repurchaseDaily: '0.2',
    refund: '3',
    settleAfter: '15',
    churn: '1.5',
  }
}

export type ScenarioErrors = Partial<Record<keyof ScenarioForm, { key: string; named?: Record<string, unknown> }>>

// A whole number as typed ("1,000" and "1_000" too); up to 15 digits, exact in a double.
function int(text: string): number | null {
  const s = text.trim().replace(/[_,]/g, '')
  return /^\d{1,15}$/.test(s) ? Number(s) : null
}

// Checks the form against the server's rules (docs/designer.md) and its limits; returns the problem
// of each field as an i18n key under validate.* with its values, or an empty object.
export function checkScenario(f: ScenarioForm, limits: Pick<SimulationLimits, 'max_days' | 'max_members'>): ScenarioErrors {
  const e: ScenarioErrors = {}
  const range = (field: keyof ScenarioForm, min: number, max: number) => {
    const v = int(String(f[field]))
    if (v === null || v < min || v > max) e[field] = { key: 'validate.int_range', named: { min, max } }
    return v
  }
  const pct = (field: keyof ScenarioForm) => {
    if (parsePercent(String(f[field])) === null) e[field] = { key: 'validate.percent' }
  }
  const name = checkScenarioName(f.name)
  if (name) e.name = { key: name, named: LIMIT_WORDS }
  range('days', 1, Math.min(LIMITS.scenario_days_max, limits.max_days))
  range('seed', 0, 999_999_999)
  const max = range('maxMembers', 1, limits.max_members)
  const founders = range('founders', 1, limits.max_members)
  if (max !== null && founders !== null && founders > max && !e.founders) e.founders = { key: 'validate.founders_over_max' }
  pct('foundersBuy')
  pct('inviteDaily')
  const lo = range('inviteesMin', 1, LIMITS.scenario_invitees_max)
  const hi = range('inviteesMax', 1, LIMITS.scenario_invitees_max)
  if (lo !== null && hi !== null && lo > hi && !e.inviteesMax) e.inviteesMax = { key: 'validate.invitees_order' }
  if (!f.packageSku) e.packageSku = { key: 'validate.required' }
  pct('packageBuy')
  range('packageWithin', 0, LIMITS.scenario_days_max)
  if (f.repurchaseSku) pct('repurchaseDaily')
  pct('refund')
  range('settleAfter', 1, LIMITS.scenario_days_max)
  pct('churn')
  return e
}

const q = (s: string) => JSON.stringify(s) // a TOML basic string is a JSON string for these characters

// The scenario file the API takes (POST /simulations {"scenario": "<TOML>"}); call checkScenario first.
export function scenarioToml(f: ScenarioForm): string {
  const n = (s: string) => String(int(s) ?? 0)
  const b = (s: string) => String(parsePercent(s) ?? 0)
  const lines = [
    `name = ${q(f.name.trim())}`,
    `days = ${n(f.days)}`,
    `seed = ${n(f.seed)}`,
    `max_members = ${n(f.maxMembers)}`,
    '',
    '[start]',
    `members = ${n(f.founders)}`,
    `buy_bps = ${b(f.foundersBuy)}`,
    '',
    '[invite]',
    `who = ${q(f.inviteWho)}`,
    `daily_bps = ${b(f.inviteDaily)}`,
    n(f.inviteesMin) === n(f.inviteesMax) ? `invitees = ${n(f.inviteesMin)}` : `invitees = [${n(f.inviteesMin)}, ${n(f.inviteesMax)}]`,
    '',
    '[package]',
    `sku = ${q(f.packageSku)}`,
    `buy_bps = ${b(f.packageBuy)}`,
    `within_days = ${n(f.packageWithin)}`,
  ]
  if (f.repurchaseSku) lines.push('', '[repurchase]', `sku = ${q(f.repurchaseSku)}`, `daily_bps = ${b(f.repurchaseDaily)}`)
  lines.push('', '[orders]', `refund_bps = ${b(f.refund)}`, `settle_after_days = ${n(f.settleAfter)}`)
  lines.push('', '[churn]', `daily_bps = ${b(f.churn)}`)
  return lines.join('\n') + '\n'
}

// ---- Progress and charts ----

// A job's progress in whole percent (0..100); a finished job is 100.
export function progressPercent(s: Pick<SimulationStatus, 'state' | 'progress'>): number {
  if (s.state === 'done') return 100
  const { day, days } = s.progress
  if (!days) return 0
  return Math.max(0, Math.min(100, Math.floor((day * 100) / days)))
}

export interface Series {
  name: string
  data: number[] // counts, or fen for money
}
export interface DailySeries {
  days: number[] // 1, 2, … days_run
  ranks: Series[] // members by rank, in the order the report gives (the plan's)
  money: Series[] // fen by day: sales, payouts (all rules), margin
  payoutsByRule: Series[] // fen by day, one per earned category
  cumulative: Series[] // running totals of money
}

function sumColumns(cols: number[][], n: number): number[] {
  const out = new Array<number>(n).fill(0)
  for (const c of cols) for (let i = 0; i < n; i++) out[i] += c[i] ?? 0
  return out
}

// A report's daily columns as chart series. Money stays in integer fen (sums of integers are exact
// up to 2^53 fen); the chart turns it into yuan for its axis only.
export function dailySeries(r: Pick<SimulationReport, 'daily' | 'days_run'>): DailySeries {
  const d = r.daily
  const n = Math.max(d.sales?.length ?? 0, d.joined?.length ?? 0)
  const days = Array.from({ length: n }, (_, i) => i + 1)
  const ranks = Object.entries(d.members_by_rank ?? {}).map(([name, data]) => ({ name, data }))
  const payoutsByRule = Object.entries(d.payouts ?? {}).map(([name, data]) => ({ name, data }))
  const payouts = sumColumns(payoutsByRule.map((s) => s.data), n)
  const money: Series[] = [
    { name: 'sales', data: d.sales ?? [] },
    { name: 'payouts', data: payouts },
  ]
  if (d.margin) money.push({ name: 'margin', data: d.margin })
  const cumulative = money.map((s) => {
    let run = 0
    return { name: s.name, data: s.data.map((v) => (run += v)) }
  })
  return { days, ranks, money, payoutsByRule, cumulative }
}

// ---- Calculators (POST /admin/designer/calc/members|lifetime|fission) ----

export type CalcKind = 'members' | 'lifetime' | 'fission'
export interface CalcForms {
  members: { reach: string; fan: string; deal: string; member: string }
  lifetime: { frequency: string; lifetime: string; ticket: string }
  fission: { referrals: string; levels: string; generations: string; seeds: string; conversion: string; market: string }
}

// A number with at most two decimals, for the API's "centi" fields (frequency 2.5), in hundredths
// (parsed as text: "2.55" is exactly 255); the number the text spells is what is sent.
function centi(text: string): number | null {
  const m = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(text.trim())
  return m ? Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0') || '0') : null
}

// A calculator field's problem: an i18n key under validate.* and its values.
export interface CalcError {
  key: string
  named?: Record<string, unknown>
}

// The server's calculator bounds (src/sim/calculators.h, from limits.json), per form field.
export const CALC_LIMITS = {
  reach: { min: 0, max: LIMITS.calc_people_max },
  seeds: { min: 1, max: LIMITS.calc_people_max },
  market: { min: 0, max: LIMITS.calc_people_max },
  levels: { min: 1, max: LIMITS.calc_levels_max },
  generations: { min: 1, max: LIMITS.calc_generations_max },
  frequency: { min: 0, max: LIMITS.calc_centi_periods_max }, // hundredths
  lifetime: { min: 0, max: LIMITS.calc_centi_periods_max }, // hundredths
  referrals: { min: 0, max: LIMITS.calc_referrals_max_centi }, // hundredths
} as const

// Checks a calculator's inputs; returns each field's problem as an i18n key, and the request body
// when there is none. parseYuan is passed in (shared/money).
export function checkCalc<K extends CalcKind>(
  kind: K,
  f: CalcForms[K],
  parseYuan: (s: string) => number | null,
): { errors: Record<string, CalcError>; body: Record<string, number> | null } {
  const errors: Record<string, CalcError> = {}
  const body: Record<string, number> = {}
  const v = f as unknown as Record<string, string>
  const whole = (k: keyof typeof CALC_LIMITS, out: string) => {
    const { min, max } = CALC_LIMITS[k]
    const n = int(v[k])
    if (n === null || n < min || n > max) errors[k] = { key: 'validate.int_range', named: { min, max } }
    else body[out] = n
  }
  const pct = (k: string, out: string) => {
    const b = parsePercent(v[k])
    if (b === null) errors[k] = { key: 'validate.percent' }
    else body[out] = b
  }
  const num = (k: keyof typeof CALC_LIMITS, out: string) => {
    const { min, max } = CALC_LIMITS[k]
    const c = centi(v[k])
    if (c === null || c < min || c > max) errors[k] = { key: 'validate.decimal_range', named: { min: min / 100, max: max / 100 } }
    else body[out] = Number(v[k].trim())
  }
  if (kind === 'members') {
    whole('reach', 'reach')
    pct('fan', 'fan_bps')
    pct('deal', 'deal_bps')
    pct('member', 'member_bps')
  } else if (kind === 'lifetime') {
    num('frequency', 'frequency')
    num('lifetime', 'lifetime')
    const fen = parseYuan(v.ticket)
    if (fen === null || fen > LIMITS.amount_max_fen) {
      errors.ticket = { key: fen === null && !/^\d[\d,]*(?:\.\d{0,2})?$/.test(v.ticket.trim()) ? 'validate.price_format' : 'validate.price_max', named: LIMIT_WORDS }
    } else body.ticket = fen
  } else {
    num('referrals', 'referrals')
    whole('levels', 'levels')
    whole('generations', 'generations')
    whole('seeds', 'seeds')
    pct('conversion', 'conversion_bps')
    whole('market', 'market')
  }
  return { errors, body: Object.keys(errors).length ? null : body }
}
