import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect, test } from 'vitest'
import { describePlan } from '../src/shared/planWords'

const plan = (name: string) => readFileSync(fileURLToPath(new URL(`../../plans/${name}`, import.meta.url)), 'utf8')

test('the chain 2+1 plan in plain Chinese', () => {
  const w = describePlan(plan('chain-2plus1-699.toml'), 'zh')
  expect(w.ranks[0]).toBe('粉丝: 起点，人人从这里开始')
  expect(w.ranks[1]).toBe('会员体验官: 购买 pkg699 之一')
  expect(w.ranks[2]).toBe('合伙人: 直推 2 名会员体验官及以上')
  expect(w.ranks[3]).toContain('3 条线各有会员体验官及以上')
  const vip = w.activities.find((a) => a.name === 'vip699')!
  expect(vip.scope).toBe('商品 pkg699')
  expect(vip.rules[0]).toBe('direct: 买家的推荐人得 按等级：会员体验官 ¥200.00，合伙人 ¥300.00')
  expect(vip.rules.some((r) => r.includes('买家的团队长得 每件 ¥100.00'))).toBe(true)
  expect(vip.rules.some((r) => r.includes('其导师再得该奖励的 10%'))).toBe(true)
  expect(vip.rules.some((r) => r.includes('每件 ¥10.00 进入「区域经销商 VIP1」奖池'))).toBe(true)
  expect(w.pools[0]).toBe('「区域经销商 VIP1」奖池：每天结算时平分给区域经销商 VIP1及以上的会员')
  expect(w.fund).toContain('「direct」、「peer」 奖励的 20% 先冻结')
  expect(w.placement).toContain('链动2+1')
})

test('two-level distribution in English, with rates', () => {
  const w = describePlan(plan('two-level.toml'), 'en', (e) => e.toUpperCase())
  const rules = w.activities.flatMap((a) => a.rules)
  expect(rules[0]).toMatch(/^LEVEL1: the buyer's referrer gets 10% of the amount paid/)
  expect(rules[1]).toMatch(/^LEVEL2: the buyer's referrer 2 generations up gets 5% of the amount paid/)
  expect(w.ranks[1]).toMatch(/set by the merchant$/)
  expect(w.fund).toBeNull()
  expect(w.placement).toBeNull()
})
