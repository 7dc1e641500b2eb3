// What people see of the shop's figures (issue 19), in Chinese, on the demo shop (see harness.mjs):
//   1. the owner's dashboard after a refund shows sales, the refund and net sales; commissions, the
//      claw-back and net commissions; pending vs settled; to-do counts that open their lists filtered;
//   2. the ledger's business days are dates, the same as the close-day toast's;
//   3. a member's team shows 直推, 我的 2+1 团队 and 全部下级, each count the length of its list;
//   4. a visitor sees the list price, a member prices only as an offer, and pays in a second step.
// Each saves a screenshot of the page it ends on.
import { after, afterEach, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { apiClient, failed, shot, startBrowser, startShop, test } from './harness.mjs'

let shop, chrome, api, ownerToken
const openPages = new Set()

// As web/src/shared/money.ts formatFen: ¥1,234.56, -¥0.05.
function yuan(fen) {
  const neg = fen < 0
  const v = Math.abs(fen)
  const whole = Math.floor(v / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  return `${neg ? '-' : ''}¥${whole}.${String(v % 100).padStart(2, '0')}`
}

async function newPage(width, height) {
  const context = await chrome.browser.newContext({ viewport: { width, height }, locale: 'zh-CN', deviceScaleFactor: 1 })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  openPages.add(page)
  return page
}

async function asStaff(page, token, path) {
  await page.goto(`${shop.url}/admin/login`)
  await page.evaluate((t) => localStorage.setItem('gx.staff.token', t), token)
  await page.goto(`${shop.url}/admin${path}`)
}

async function asMember(page, token, path) {
  await page.goto(`${shop.url}/login`)
  await page.evaluate((t) => localStorage.setItem('gx.member.token', t), token)
  await page.goto(shop.url + path)
}

describe('figures that add up, in Chinese', { timeout: 150_000 }, () => {
  before(async () => {
    shop = await startShop()
    chrome = await startBrowser()
    api = apiClient(shop.url)
    ownerToken = await api.login('owner', shop.ownerPassword)
  })

  after(async () => {
    await chrome?.close()
    await shop?.stop()
  })

  afterEach(async (t) => {
    let n = 0
    for (const page of openPages) {
      if (failed(t) && !page.isClosed()) {
        await shot(page, `FAILED-screens-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 50)}-${n++}`).catch(() => {})
      }
      await page.context().close().catch(() => {})
    }
    openPages.clear()
  })

  test('the dashboard after a refund shows net sales and net commissions', async () => {
    // B (the demo's third member) bought the package, and it settled days ago; the owner refunds it: A's
    // direct reward and L's team point on it are clawed back.
    const b = shop.members[2]
    const bToken = await api.login(b.phone, b.password)
    const mine = await api.call('GET', '/api/v1/orders', { token: bToken })
    const order = mine.json.items.find((o) => o.status === 'settled' && o.total === 69900)
    assert.ok(order, 'B has a settled pkg699 order')
    const refunded = await api.call('POST', `/api/v1/admin/orders/${order.id}/refund`, { token: ownerToken, body: { reason: '买家退货' } })
    assert.equal(refunded.status, 200, JSON.stringify(refunded.json))
    // The demo's refund request (a member's honey) and withdrawal request make the to-do counts.

    const report = (await api.call('GET', '/api/v1/admin/reports/summary', { token: ownerToken })).json
    const tot = report.totals
    assert.equal(tot.refunded, 69900)
    assert.equal(tot.clawed_back, 30000) // A's direct 20000 and L's team point 10000
    assert.equal(tot.net_sales, tot.sales - 69900)
    assert.equal(tot.net_payouts, tot.payouts - 30000)
    assert.equal(report.commissions.pending + report.commissions.settled, tot.net_payouts) // all in the period

    const page = await newPage(1440, 900)
    await asStaff(page, ownerToken, '/')
    const card = (test, label) => page.locator(`[data-test=${test}]`).filter({ hasText: label })
    await card('net-sales', '净销售额（扣除退款）').filter({ hasText: yuan(tot.net_sales) }).waitFor()
    await card('gross-sales', '销售额（退款前）').filter({ hasText: yuan(tot.sales) }).waitFor()
    await card('refunded', '退款').filter({ hasText: yuan(69900) }).waitFor()
    await card('payouts', '按规则的佣金').filter({ hasText: yuan(tot.payouts) }).waitFor()
    await card('clawed-back', '追回佣金').filter({ hasText: yuan(30000) }).waitFor()
    await card('net-payouts', '净佣金（扣除追回）').filter({ hasText: yuan(tot.net_payouts) }).waitFor()
    await card('pending', '待结算佣金').filter({ hasText: yuan(report.commissions.pending) }).waitFor()
    await card('settled', '已结算佣金').waitFor()
    // By rule: the direct reward's claw-back as a minus, and its net.
    const direct = page.locator('[data-test=rule-table] tr').filter({ hasText: '直推奖' })
    await direct.filter({ hasText: `-${yuan(report.clawed_back_by_rule.direct)}` }).waitFor()
    await direct.filter({ hasText: yuan(report.net_payouts_by_rule.direct) }).waitFor()
    // To-do counts, each opening its list already filtered.
    const toShip = page.locator('[data-test=todo-to-ship]')
    await toShip.filter({ hasText: '待发货' }).filter({ hasText: String(report.todo.to_ship) }).waitFor()
    await page.locator('[data-test=todo-refund-requests]').filter({ hasText: '待审核退款' }).filter({ hasText: '1' }).waitFor()
    await page.locator('[data-test=todo-withdrawals-to-pay]').filter({ hasText: '待打款提现' }).waitFor()
    assert.doesNotMatch(await page.locator('main, #app').first().innerText(), /refunded|clawed|payouts/)
    await page.waitForTimeout(500) // chart animations
    await shot(page, 'screens-1-dashboard-after-refund')
    await page.locator('[data-test=todo-refund-requests] a').click()
    await page.waitForURL(/\/admin\/orders\?status=refund_requested$/)
    // The filter is selected and the list holds the one request.
    await page.locator('.el-select').filter({ hasText: '退款中' }).first().waitFor()
    await page.locator('.el-table__body-wrapper tbody tr').filter({ hasText: '退款中' }).first().waitFor()
    await page.waitForLoadState('networkidle')
    assert.equal(await page.locator('.el-table__body-wrapper tbody tr').filter({ hasText: '退款中' }).count(), report.todo.refund_requests)
    await shot(page, 'screens-1b-orders-refund-requests')
  })

  test('the ledger shows business days as dates, as the close-day toast does', async () => {
    const page = await newPage(1440, 900)
    await asStaff(page, ownerToken, '/ledger')
    const day = page.locator('[data-test=business-day]')
    await day.waitFor()
    const today = (await day.innerText()).trim()
    assert.match(today, /^20\d\d-\d\d-\d\d$/)
    assert.doesNotMatch(await page.locator('.el-descriptions').last().innerText(), /1970/)
    await page.getByRole('button', { name: '立即日结' }).click()
    await page.locator('.el-message-box__btns .el-button--primary').click()
    const toast = page.locator('.el-message').filter({ hasText: '已日结' })
    await toast.waitFor()
    const closed = /已日结 (\d{4}-\d\d-\d\d)/.exec(await toast.innerText())[1]
    assert.equal(closed, today)
    await page.locator('[data-test=last-closed]').filter({ hasText: closed }).waitFor()
    assert.doesNotMatch(await page.locator('[data-test=last-closed]').innerText(), /1970/)
    await shot(page, 'screens-2-ledger-closed-day')
  })

  test('my team: three labelled counts, each the length of its list', async () => {
    // L, the demo's partner at the top.
    const l = shop.members[0]
    const token = await api.login(l.phone, l.password)
    const counts = (await api.call('GET', '/api/v1/me/team/counts', { token })).json.scopes
    const page = await newPage(375, 812)
    await asMember(page, token, '/team')
    const labels = { directs: '直推', team: '我的 2+1 团队', downline: '全部下级' }
    assert.deepEqual(counts.map((s) => s.scope), ['directs', 'team', 'downline'])
    for (const s of counts) {
      await page.locator(`[data-test=count-${s.scope}]`).filter({ hasText: labels[s.scope] }).filter({ hasText: String(s.count) }).waitFor()
    }
    assert.doesNotMatch(await page.locator('body').innerText(), /团队人数/)
    for (const s of counts) {
      await page.getByRole('tab', { name: `${labels[s.scope]} ${s.count}` }).click()
      await page.locator('[data-test=scope-hint]').waitFor()
      if (s.count > 0) await page.locator('[data-test=team-row]').nth(s.count - 1).waitFor()
      await page.waitForLoadState('networkidle')
      assert.equal(await page.locator('[data-test=team-row]').count(), s.count, s.scope)
    }
    await page.getByRole('tab', { name: `${labels.team} ${counts[1].count}` }).click()
    await shot(page, 'screens-3-team-375')
  })

  test('a visitor sees the list price; a member pays its own in a second step', async () => {
    const page = await newPage(375, 812)
    await page.goto(`${shop.url}/`)
    // 五常大米: list ¥99.00, partners ¥79.00.
    const rice = page.locator('a[data-sku=rice-wuchang]')
    await rice.locator('[data-test=price]').filter({ hasText: '¥99.00' }).waitFor()
    assert.equal((await rice.locator('[data-test=member-from]').innerText()).trim(), '会员价低至 ¥79.00')
    await shot(page, 'screens-4a-visitor-shelf')
    await rice.click()
    await page.locator('[data-test=unit-price]').filter({ hasText: '¥99.00' }).waitFor()
    await page.locator('.van-nav-bar__title').filter({ hasText: '五常大米 5kg' }).waitFor()
    await page.locator('[data-test=total]').filter({ hasText: '¥99.00' }).waitFor()
    await shot(page, 'screens-4b-visitor-product')

    // L (a partner) sees and pays ¥79.00 a bag; paying is a second step with the total.
    const l = shop.members[0]
    const token = await api.login(l.phone, l.password)
    await asMember(page, token, '/product/rice-wuchang')
    await page.locator('[data-test=unit-price]').filter({ hasText: '¥79.00' }).waitFor()
    await page.locator('[data-test=place-order] button').click()
    await page.locator('[data-test=confirm-total]').filter({ hasText: '¥79.00' }).waitFor()
    await shot(page, 'screens-4c-partner-confirm')
    await page.locator('[data-test=submit-order]').click()
    await page.waitForURL(/\/order\/\d+/)
    const id = Number(/\/order\/(\d+)/.exec(page.url())[1])
    const order = await api.call('GET', `/api/v1/orders/${id}`, { token })
    assert.equal(order.json.total, 7900)
  })
})
