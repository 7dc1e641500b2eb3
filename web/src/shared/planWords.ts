// A plan file (docs/plans.md) in plain words, for the console's plan page: each rank's condition,
// each activity's rules ("the referrer gets ¥300.00 a unit …"), the pools and the assistance fund.
// Reads the TOML the server stores; amounts are integer fen and shown with formatFen.
import { parse } from 'smol-toml'
import { formatBps, formatFen } from './money'

type Lang = 'zh' | 'en'
type Table = Record<string, unknown>

export interface PlanWords {
  ranks: string[]
  placement: string | null
  activities: { name: string; scope: string; rules: string[] }[]
  pools: string[]
  fund: string | null
}

const W = {
  zh: {
    start: '起点，人人从这里开始',
    manual: '由商家设定',
    buyAny: (skus: string) => `购买 ${skus} 之一`,
    directs: (n: number, r: string) => `直推 ${n} 名${r}及以上`,
    legs: (n: number, r: string) => `${n} 条线各有${r}及以上`,
    and: '，且 ',
    or: ' 或 ',
    skus: (s: string) => `商品 ${s}`,
    all: '其余全部商品',
    perUnit: (v: string) => `每件 ${v}`,
    ofPaid: (v: string) => `实付金额的 ${v}`,
    byRank: (parts: string) => `按等级：${parts}`,
    minRank: (r: string) => `；需${r}及以上`,
    referral: (g: number) => (g === 1 ? '买家的推荐人' : `买家的第 ${g} 代推荐人`),
    gets: (who: string, what: string) => `${who}得 ${what}`,
    leader: '买家的团队长',
    differential: (targets: string) => `向上逐级补足到目标（${targets}，每件），扣除下级已得部分`,
    peer: (of: string, rate: string, src: string) => `获得 ${of} 的人${src}，其导师再得该奖励的 ${rate}`,
    srcMin: (r: string) => `（${r}及以上）`,
    pool: (pool: string, what: string) => `${what} 进入「${pool}」奖池`,
    poolShare: (pool: string, r: string) => `「${pool}」奖池：每天结算时平分给${r}及以上的会员`,
    chain: (m: string, p: string, from: number) => `链动2+1：${m}的前两名直推“走”给推荐人的团队（位置 1–2），第 ${from} 名起留在自己团队；成为${p}后独立带队`,
    fund: (share: string, held: string, n: number, r: string, units: string) =>
      `帮扶基金：${held} 奖励的 ${share} 先冻结，直到第 1–${n} 个位置都达到${r}${units} 后解锁`,
    units: (n: number, skus: string) => `且其下累计售出 ${n} 件 ${skus}`,
    earned: (e: string) => `「${e}」`,
  },
  en: {
    start: 'where every member starts',
    manual: 'set by the merchant',
    buyAny: (skus: string) => `buys one of ${skus}`,
    directs: (n: number, r: string) => `has ${n} direct referrals of ${r} or above`,
    legs: (n: number, r: string) => `has ${n} legs each holding a ${r} or above`,
    and: ', and ',
    or: ' or ',
    skus: (s: string) => `products ${s}`,
    all: 'every other product',
    perUnit: (v: string) => `${v} a unit`,
    ofPaid: (v: string) => `${v} of the amount paid`,
    byRank: (parts: string) => `by rank: ${parts}`,
    minRank: (r: string) => `; only ${r} or above`,
    referral: (g: number) => (g === 1 ? "the buyer's referrer" : `the buyer's referrer ${g} generations up`),
    gets: (who: string, what: string) => `${who} gets ${what}`,
    leader: "the buyer's team leader",
    differential: (targets: string) => `referrers up the line are topped up to a target by rank (${targets} a unit), less what those below got`,
    peer: (of: string, rate: string, src: string) => `whoever earns ${of}${src}: their mentor gets ${rate} of that reward`,
    srcMin: (r: string) => ` (${r} or above)`,
    pool: (pool: string, what: string) => `${what} goes into the "${pool}" pool`,
    poolShare: (pool: string, r: string) => `"${pool}" pool: shared out at each day's close among members of ${r} or above`,
    chain: (m: string, p: string, from: number) => `chain 2+1: a ${m}'s first two directs go to the referrer's team (positions 1–2); from the ${from}rd on they stay; a ${p} leads a team of their own`,
    fund: (share: string, held: string, n: number, r: string, units: string) =>
      `assistance fund: ${share} of ${held} rewards stays frozen until positions 1–${n} are ${r} or above${units}`,
    units: (n: number, skus: string) => ` and ${n} units of ${skus} were sold under them`,
    earned: (e: string) => `"${e}"`,
  },
}

const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v))
const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : 0)

export function describePlan(source: string, lang: Lang = 'zh', earnedLabel: (e: string) => string = (e) => e): PlanWords {
  const w = W[lang]
  const doc = parse(source) as Table
  const rankTables = arr(doc.ranks) as Table[]
  const label = (name: unknown) => {
    const r = rankTables.find((x) => x.name === name)
    return str(r?.label) || str(name)
  }
  const money = (v: unknown, perUnit: boolean) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const parts = Object.entries(v as Table).map(([r, x]) => `${label(r)} ${perUnit ? formatFen(num(x)) : formatBps(num(x))}`)
      return w.byRank(parts.join(lang === 'zh' ? '，' : ', '))
    }
    return perUnit ? w.perUnit(formatFen(num(v))) : w.ofPaid(formatBps(num(v)))
  }
  const pay = (rule: Table) => (rule.amount !== undefined ? money(rule.amount, true) : money(rule.rate_bps, false))
  const minRank = (rule: Table, key = 'min_rank') => (rule[key] ? w.minRank(label(rule[key])) : '')

  const ranks = rankTables.map((r, i) => {
    const conds: string[] = []
    if (arr(r.buy_any).length) conds.push(w.buyAny(arr(r.buy_any).map(str).join(', ')))
    const d = r.directs as Table | undefined
    if (d) conds.push(w.directs(num(d.count), label(d.rank)))
    const l = r.legs as Table | undefined
    if (l) conds.push(w.legs(num(l.count), label(l.rank)))
    const text = conds.length ? conds.join(w.and) : i === 0 ? w.start : w.manual
    return `${label(r.name)}: ${text}`
  })

  const pl = doc.placement as Table | undefined
  const placement =
    pl && pl.kind === 'chain-2plus1'
      ? w.chain(label(pl.member_rank ?? rankTables[1]?.name), label(pl.partner_rank ?? rankTables[2]?.name), num(pl.team_from_position ?? 3))
      : null

  const activities = (arr(doc.activities) as Table[]).map((a) => {
    const scope = [arr(a.skus).length ? w.skus(arr(a.skus).map(str).join(', ')) : '', a.all_products ? w.all : '']
      .filter(Boolean)
      .join(w.or)
    const rules = (arr(a.rules) as Table[]).map((r) => {
      const earned = r.earned ? `${earnedLabel(str(r.earned))}: ` : ''
      switch (r.kind) {
        case 'referral':
          return earned + w.gets(w.referral(num(r.generation ?? 1)), pay(r)) + minRank(r)
        case 'leader':
          return earned + w.gets(w.leader, pay(r)) + minRank(r)
        case 'differential': {
          const t = Object.entries((r.targets as Table) ?? {})
            .map(([k, v]) => `${label(k)} ${formatFen(num(v))}`)
            .join(lang === 'zh' ? '，' : ', ')
          return earned + w.differential(t) + minRank(r)
        }
        case 'peer': {
          const of = arr(r.of).map((e) => w.earned(earnedLabel(str(e)))).join(lang === 'zh' ? '、' : ', ')
          const src = r.source_min_rank ? w.srcMin(label(r.source_min_rank)) : ''
          return earned + w.peer(of, formatBps(num(r.rate_bps)), src) + minRank(r)
        }
        case 'pool':
          return w.pool(label(r.pool), pay(r))
        default:
          return `${earned}${str(r.kind)}`
      }
    })
    return { name: str(a.name), scope, rules }
  })

  const pools = (arr(doc.pools) as Table[]).map((p) => w.poolShare(label(p.name), label(p.min_rank)))
  const f = doc.fund as Table | undefined
  const fund = f
    ? w.fund(
        formatBps(num(f.hold_bps)),
        arr(f.held).map((e) => w.earned(earnedLabel(str(e)))).join(lang === 'zh' ? '、' : ', '),
        num(f.positions ?? 2),
        label(f.position_min_rank ?? rankTables[0]?.name),
        num(f.units) > 0 ? w.units(num(f.units), arr(f.unit_skus).map(str).join(', ')) : '',
      )
    : null
  return { ranks, placement, activities, pools, fund }
}
