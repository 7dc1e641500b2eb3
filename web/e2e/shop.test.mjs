// The end-to-end stories, in order, against one real shop (see harness.mjs):
//   1. a member registers through another member's invite link, buys the package and pays;
//   2. the referrer logs in and sees the reward with its explanation;
//   3. the finance role approves (pays) the referrer's withdrawal in the console;
//   4. an operator uploads a plan with a mistake and sees the error at its line; an operator reads the
//      plan's lint findings in the designer and runs a small simulation to its charts;
//   5. a member cannot open the console;
//   6. a member pays an order left unpaid from its page;
//   7. an invite link with a bad code can be corrected or cleared; the invite poster shows no full phone
//      number; the sales role reads masked phones, exports nothing and is told 无权限 where it may not go;
// plus a layout check at 375 px and 1440 px. Each saves a screenshot of the page it ends on.
import { after, afterEach, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { apiClient, failed, shot, startBrowser, startShop, test, waitFor } from './harness.mjs'

const STEP = 15_000 // every wait in a page is bounded by this
let shop, chrome, api, ownerToken
const referrer = { phone: '', password: '', id: -1, code: '', link: '' }
const newcomer = { phone: `139${String(Date.now()).slice(-8)}`, password: 'e2e-password-1', id: -1, order: -1 }

const openPages = new Set()

async function newPage(width, height) {
  const context = await chrome.browser.newContext({ viewport: { width, height }, locale: 'zh-CN', deviceScaleFactor: 1 })
  context.setDefaultTimeout(STEP)
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  openPages.add(page)
  return page
}

describe('guanxi web, end to end', { timeout: 240_000 }, () => {
  before(async () => {
    shop = await startShop()
    chrome = await startBrowser()
    api = apiClient(shop.url)
    ownerToken = await api.login('owner', shop.ownerPassword)
    // The referrer: a demo member (rank "member", #2 in worked example 2).
    Object.assign(referrer, shop.members[2])
    const token = await api.login(referrer.phone, referrer.password)
    const me = await api.call('GET', '/api/v1/me', { token })
    referrer.id = me.json.member.id
    const invite = await api.call('GET', '/api/v1/me/invite', { token })
    referrer.code = invite.json.code
    referrer.link = invite.json.link
  })

  after(async () => {
    await chrome?.close()
    await shop?.stop()
  })

  // A failed test leaves a screenshot of each page it had open (FAILED-<test>-<n>.png); every test's
  // pages are closed after it.
  afterEach(async (t) => {
    let n = 0
    for (const page of openPages) {
      if (failed(t) && !page.isClosed()) {
        await shot(page, `FAILED-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 60)}-${n++}`).catch(() => {})
      }
      await page.context().close().catch(() => {})
    }
    openPages.clear()
  })

  test('a member registers through an invite link, buys the package and pays', async () => {
    const page = await newPage(375, 812)
    // The server's invite link (/h5/?ref=CODE), shared on WeChat.
    await page.goto(`${referrer.link}&ch=wechat`)
    await page.waitForURL(/\/register\?/)
    assert.equal(await page.locator('input[name=invite_code]').inputValue(), referrer.code)
    // The banner names who invites as people read it (a masked phone, never the number) and the channel in words.
    const banner = await page.locator('[data-test=invited]').innerText()
    assert.match(banner, new RegExp(`${referrer.phone.slice(0, 3)}\\*{4}${referrer.phone.slice(-4)} 邀请你加入`))
    assert.match(banner, /来自微信/)
    assert.doesNotMatch(banner, /wechat|(^|\D)1[3-9]\d{9}(\D|$)/)
    await page.locator('input[name=phone]').fill(newcomer.phone)
    await page.locator('input[name=password]').fill(newcomer.password)
    await page.getByRole('button', { name: '注册并登录' }).click()
    await page.waitForURL((u) => u.pathname === '/')
    // The package, at its price, then checkout: 立即购买 shows the order's total, and 提交订单 places
    // the order and pays it in the sandbox.
    await page.locator('a[data-sku=pkg699]').click()
    await page.locator('[data-test=total]').filter({ hasText: '¥699.00' }).waitFor()
    await page.locator('[data-test=place-order] button').click()
    await page.locator('[data-test=confirm-total]').filter({ hasText: '¥699.00' }).waitFor()
    await page.locator('[data-test=submit-order]').click()
    await page.waitForURL(/\/order\/\d+/)
    newcomer.order = Number(/\/order\/(\d+)/.exec(page.url())[1])
    await page.locator('[data-test=order-status]').filter({ hasText: '待发货' }).waitFor()
    assert.doesNotMatch(page.url(), /intent=/) // a reload does not complete it again
    await shot(page, '1-member-paid')

    // The server agrees: the newcomer sits under the referrer, from the wechat channel, and paid.
    const found = await api.call('GET', `/api/v1/admin/members?q=${newcomer.phone}`, { token: ownerToken })
    newcomer.id = found.json.items[0].id
    const detail = await api.call('GET', `/api/v1/admin/members/${newcomer.id}`, { token: ownerToken })
    assert.equal(detail.json.referrer.id, referrer.id)
    assert.equal(detail.json.channel, 'wechat')
    const order = await api.call('GET', `/api/v1/orders/${newcomer.order}`, { token: ownerToken })
    assert.equal(order.json.status, 'paid')
    assert.equal(order.json.total, 69900)
    await page.context().close()
  })

  test('the referrer logs in and sees the reward with its explanation', async () => {
    const page = await newPage(375, 812)
    await page.goto(`${shop.url}/login`)
    await page.locator('input[name=phone]').fill(referrer.phone)
    await page.locator('input[name=password]').fill(referrer.password)
    await page.getByRole('button', { name: '登录', exact: true }).click()
    await page.waitForURL(/\/me$/)
    await page.goto(`${shop.url}/earnings`)
    // The newcomer is named by a masked phone, in Chinese; no id, no English.
    const masked = `${newcomer.phone.slice(0, 3)}****${newcomer.phone.slice(-4)}`
    const entry = page.locator('[data-test=earning]').filter({ hasText: `${masked}购买 1 件` }).first()
    await entry.waitFor()
    const why = await entry.locator('[data-test=why]').innerText()
    assert.ok(why.includes(`作为${masked}的推荐人`), why)
    assert.doesNotMatch(why, /#|bought|referrer/)
    assert.match(await entry.innerText(), /\+¥\d{1,3}(,\d{3})*\.\d{2}/)
    await shot(page, '2-referrer-earnings')
    await page.context().close()
  })

  test('the finance role approves a withdrawal in the console', async () => {
    // The order is shipped and received, so it settles (return window 0) and the reward is available.
    const newToken = await api.login(newcomer.phone, newcomer.password)
    const shipped = await api.call('POST', `/api/v1/admin/orders/${newcomer.order}/ship`, { token: ownerToken, body: { tracking: 'SF-E2E' } })
    assert.equal(shipped.status, 200, JSON.stringify(shipped.json))
    const confirmed = await api.call('POST', `/api/v1/orders/${newcomer.order}/confirm`, { token: newToken })
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json))
    const refToken = await api.login(referrer.phone, referrer.password)
    await waitFor(async () => (await api.call('GET', '/api/v1/me/wallet', { token: refToken })).json.balances.available >= 1000, {
      what: 'the reward becomes available',
      timeout: 15_000,
    })

    // The referrer asks for ¥10.00 in the store.
    const store = await newPage(375, 812)
    await store.goto(`${shop.url}/login?next=/wallet`)
    await store.locator('input[name=phone]').fill(referrer.phone)
    await store.locator('input[name=password]').fill(referrer.password)
    await store.getByRole('button', { name: '登录', exact: true }).click()
    await store.waitForURL(/\/wallet$/)
    await store.locator('input[name=amount]').fill('10.00')
    await store.locator('[data-test=withdraw]').click()
    await store.locator('[data-test=withdrawal]').filter({ hasText: '待审核' }).first().waitFor()
    await shot(store, '3a-member-withdrawal-requested')
    await store.context().close()

    // Finance pays it with the bank's reference.
    const finance = { phone: 'finance-e2e', password: 'finance-password' }
    const created = await api.call('POST', '/api/v1/admin/staff', { token: ownerToken, body: { ...finance, role: 'finance', name: 'E2E 财务' } })
    assert.equal(created.status, 201, JSON.stringify(created.json))
    const page = await newPage(1440, 900)
    await page.goto(`${shop.url}/admin/withdrawals`)
    await page.waitForURL(/\/admin\/login/)
    await page.locator('#login-phone').fill(finance.phone)
    await page.locator('#login-password').fill(finance.password)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(/\/admin\/withdrawals$/)
    const row = page.locator('[data-test=withdrawals] .el-table__body-wrapper tr').filter({ hasText: `#${referrer.id}` }).first()
    await row.waitFor()
    // The action column is fixed to the right: its button lives in the fixed copy of the row.
    await page.locator('[data-test=pay-withdrawal]').first().click()
    // It asks first: the transfer's reference and the reason (kept in the audit log).
    const dialog = page.locator('[data-test=reason-dialog]')
    await dialog.locator('[data-test=reason-extra]').fill('BANK-E2E-0001')
    await dialog.locator('[data-test=reason-input]').fill('已核对收款人户名')
    await dialog.locator('[data-test=reason-confirm]').click()
    await page.locator('[data-test=w-status]').filter({ hasText: '已打款' }).first().waitFor()
    await dialog.waitFor({ state: 'hidden' })
    await shot(page, '3b-finance-paid-withdrawal')
    // The paid list exports to CSV, amounts in yuan with two decimals.
    await page.locator('.el-radio-button').filter({ hasText: '已打款' }).click()
    await page.locator('[data-test=w-status]').filter({ hasText: '已打款' }).first().waitFor()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出 CSV' }).click()])
    const csv = readFileSync(await download.path(), 'utf8')
    assert.match(csv, /^\ufeffid,member,amount_yuan,fee_yuan,net_yuan,status,requested,decided,reference,note\r\n/)
    assert.match(csv, new RegExp(`\r\n\\d+,${referrer.id},10\\.00,0\\.00,10\\.00,paid,.*,BANK-E2E-0001,`))
    const list = await api.call('GET', `/api/v1/admin/withdrawals?member=${referrer.id}`, { token: ownerToken })
    assert.equal(list.json.items[0].status, 'paid')
    assert.equal(list.json.items[0].reference, 'BANK-E2E-0001')
    assert.equal(list.json.items[0].amount, 1000)
    await page.context().close()
  })

  test('an operator uploads a plan with a mistake and sees the error at its line', async (t) => {
    const operator = { phone: 'operator-e2e', password: 'operator-password' }
    const created = await api.call('POST', '/api/v1/admin/staff', { token: ownerToken, body: { ...operator, role: 'operator' } })
    assert.equal(created.status, 201)
    // The upload route (POST /api/v1/admin/plan) is being added to the server; without it there is
    // nothing to test yet.
    const opToken = await api.login(operator.phone, operator.password)
    const probe = await api.call('POST', '/api/v1/admin/plan', { token: opToken, body: { toml: '', note: 'probe' } })
    if (probe.status === 404 || probe.status === 405) {
      t.skip('POST /api/v1/admin/plan is not on this server yet')
      return
    }
    const page = await newPage(1440, 900)
    await page.goto(`${shop.url}/admin/login?next=/plan`)
    await page.locator('#login-phone').fill(operator.phone)
    await page.locator('#login-password').fill(operator.password)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(/\/admin\/plan$/)
    // The rules in plain words.
    await page.locator('[data-test=plan-words]').waitFor()
    assert.match(await page.locator('.activity').first().innerText(), /买家的推荐人得 按等级：会员体验官 ¥200\.00，合伙人 ¥300\.00/)
    // The current plan with one mistake: a rate that is not a number.
    const plan = await api.call('GET', '/api/v1/admin/plan', { token: opToken })
    const lines = plan.json.source.split('\n')
    const bad = lines.findIndex((l) => /^\s*hold_bps\s*=/.test(l))
    assert.ok(bad >= 0, 'the plan has a hold_bps line')
    lines[bad] = 'hold_bps = "twenty percent"'
    await page.locator('[data-test=plan-toml]').fill(lines.join('\n'))
    await page.locator('[data-test=plan-upload]').click()
    const error = page.locator('[data-test=plan-error-text]')
    await error.waitFor()
    assert.match(await error.innerText(), new RegExp(`第 ${bad + 1} 行`))
    assert.match(await page.locator('[data-test=plan-error-line]').innerText(), /hold_bps = "twenty percent"/)
    await shot(page, '4-operator-plan-error')
    await page.context().close()
  })

  test('an operator reads the plan lint and runs a small simulation in the designer', async () => {
    const operator = { phone: 'designer-e2e', password: 'designer-password' }
    const created = await api.call('POST', '/api/v1/admin/staff', { token: ownerToken, body: { ...operator, role: 'operator' } })
    assert.equal(created.status, 201)
    const page = await newPage(1440, 900)
    await page.goto(`${shop.url}/admin/login?next=/designer`)
    await page.locator('#login-phone').fill(operator.phone)
    await page.locator('#login-password').fill(operator.password)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(/\/admin\/designer/)
    // The chain 2+1 plan's findings: buying the package is the ticket to earning (entry fee) …
    await page.locator('[data-test=lint-finding][data-code=entry_fee]').waitFor()
    assert.match(await page.locator('[data-test=lint-notice]').innerText(), /不构成法律意见/)
    // … and pkg699 can pay out up to ¥520.00 a unit (74.4% of its price).
    assert.match(await page.locator('[data-test=lint-payouts]').innerText(), /pkg699[\s\S]*¥699\.00[\s\S]*¥520\.00[\s\S]*74\.4%/)
    await shot(page, '4b-operator-designer-lint')
    // A small simulation: 30 days, at most 300 members.
    await page.getByRole('tab', { name: '经营模拟' }).click()
    await page.locator('#sim-days').fill('30')
    await page.locator('#sim-maxMembers').fill('300')
    await page.locator('[data-test=sim-start]').click()
    await page.locator('[data-test=sim-state]').filter({ hasText: '已完成' }).waitFor({ timeout: 30_000 })
    await page.locator('[data-test=sim-summary]').waitFor()
    await page.locator('[data-test=sim-chart-money] canvas').waitFor()
    await page.locator('[data-test=sim-html]').waitFor()
    assert.match(await page.locator('[data-test=sim-progress]').innerText(), /第 30 \/ 30 天/)
    assert.equal(await page.locator('[data-test=sim-list] .el-table__row').count(), 1)
    await page.waitForTimeout(300)
    await shot(page, '4c-operator-designer-simulation')
    // The calculators with their defaults: 100000 reached → 3000 members; 4 × 2.5 × ¥199 = ¥1,990.00.
    await page.getByRole('tab', { name: '计算器' }).click()
    const calc = page.getByRole('button', { name: '计算' })
    await calc.nth(0).click()
    assert.match(await page.locator('[data-test=calc-members-result]').innerText(), /100000 → 30000 → 6000 → 3000/)
    await calc.nth(1).click()
    assert.match(await page.locator('[data-test=calc-lifetime-result]').innerText(), /¥1,990\.00/)
    await calc.nth(2).click()
    await page.locator('[data-test=calc-fission-result]').waitFor()
    await shot(page, '4d-operator-designer-calculators')
    await page.context().close()
  })

  test('a member cannot open the console', async () => {
    const page = await newPage(1440, 900)
    await page.goto(`${shop.url}/admin/`)
    await page.waitForURL(/\/admin\/login/)
    await page.locator('#login-phone').fill(referrer.phone)
    await page.locator('#login-password').fill(referrer.password)
    await page.getByRole('button', { name: '登录' }).click()
    await page.locator('[data-test=login-error]').filter({ hasText: '会员账号' }).waitFor()
    assert.match(page.url(), /\/admin\/login/)
    // A member's token planted in the console's storage does not open it either.
    const token = await api.login(referrer.phone, referrer.password)
    await page.evaluate((t) => localStorage.setItem('gx.staff.token', t), token)
    await page.goto(`${shop.url}/admin/members`)
    await page.waitForURL(/\/admin\/login\?.*denied=1/)
    await page.locator('[data-test=login-error]').waitFor()
    await shot(page, '5-member-denied-console')
    // And the API refuses the member on every console route it tries.
    for (const path of ['/api/v1/admin/members', '/api/v1/admin/reports/summary', '/api/v1/admin/orders']) {
      assert.equal((await api.call('GET', path, { token })).status, 403, path)
    }
    await page.context().close()
  })

  test('an invite link with a bad code can be corrected or cleared', async () => {
    const page = await newPage(375, 812)
    await page.goto(`${shop.url}/register?ref=NOPE1234&ch=wechat`)
    const field = page.locator('input[name=invite_code]')
    assert.equal(await field.inputValue(), 'NOPE1234')
    assert.equal(await field.getAttribute('readonly'), null, 'the code can be edited')
    // The page says at once that the code was not found and what to do; nobody is named as inviter.
    await page.locator('.van-field__error-message').filter({ hasText: '没有找到邀请码 NOPE1234' }).waitFor()
    assert.equal(await page.locator('[data-test=invited]').count(), 0)
    const phone = `137${String(Date.now()).slice(-8)}`
    await page.locator('input[name=phone]').fill(phone)
    await page.locator('input[name=password]').fill('e2e-password-2')
    // Registering with it is refused, and the field says why and what to do (once, at the field).
    const [refused] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/register')),
      page.getByRole('button', { name: '注册并登录' }).click(),
    ])
    assert.equal(refused.status(), 400)
    await page.locator('.van-button--loading').waitFor({ state: 'detached' })
    const error = page.locator('.van-field__error-message')
    assert.match(await error.innerText(), /没有找到邀请码 NOPE1234。请核对后修改，或清空邀请码直接注册/)
    assert.equal(await page.locator('[role=alert]').count(), 0)
    assert.match(page.url(), /\/register/)
    await shot(page, '7a-register-bad-invite-code')
    // Corrected to a real code, the page names its member; cleared, the visitor registers without one.
    await field.fill(referrer.code)
    await field.blur()
    await page.locator('[data-test=invited]').filter({ hasText: '邀请你加入' }).waitFor()
    assert.equal(await page.locator('.van-field__error-message').count(), 0)
    await field.fill('')
    await field.blur()
    await page.getByRole('button', { name: '注册并登录' }).click()
    await page.waitForURL((u) => u.pathname === '/')
    const found = await api.call('GET', `/api/v1/admin/members?q=${phone}`, { token: ownerToken })
    const detail = await api.call('GET', `/api/v1/admin/members/${found.json.items[0].id}`, { token: ownerToken })
    assert.equal(detail.json.referrer, null)
    await page.context().close()
  })

  test('the invite poster names the inviter without the full phone number', async () => {
    const token = await api.login(referrer.phone, referrer.password)
    const page = await newPage(375, 812)
    await page.goto(`${shop.url}/`)
    await page.evaluate((t) => localStorage.setItem('gx.member.token', t), token)
    await page.goto(`${shop.url}/invite`)
    const poster = page.locator('[data-test=poster]')
    await poster.waitFor()
    // The text drawn on the poster (also its alt text): the masked phone, the code and the link.
    const text = await poster.getAttribute('alt')
    assert.ok(text.includes(`${referrer.phone.slice(0, 3)}****${referrer.phone.slice(-4)}`), text)
    assert.ok(text.includes(referrer.code), text)
    assert.doesNotMatch(text, /(^|\D)1[3-9]\d{9}(\D|$)/)
    assert.doesNotMatch(await page.locator('body').innerText(), /(^|\D)1[3-9]\d{9}(\D|$)/)
    await shot(page, '7b-invite-poster')
    await page.context().close()
  })

  test('the sales role reads masked phones, exports nothing, and is told 无权限', async () => {
    const sales = { phone: 'sales-e2e', password: 'sales-password' }
    const created = await api.call('POST', '/api/v1/admin/staff', { token: ownerToken, body: { ...sales, role: 'sales', name: 'E2E 销售' } })
    assert.equal(created.status, 201, JSON.stringify(created.json))
    const page = await newPage(1440, 900)
    await page.goto(`${shop.url}/admin/members`)
    await page.waitForURL(/\/admin\/login/)
    await page.locator('#login-phone').fill(sales.phone)
    await page.locator('#login-password').fill(sales.password)
    await page.getByRole('button', { name: '登录' }).click()
    await page.waitForURL(/\/admin\/members$/)
    await page.locator('.el-table__body-wrapper tr').filter({ hasText: '138****0001' }).first().waitFor()
    await page.locator('[data-test=masked-note]').waitFor()
    assert.doesNotMatch(await page.locator('body').innerText(), /(^|\D)1[3-9]\d{9}(\D|$)/)
    assert.equal(await page.locator('[data-test=export]').count(), 0, 'no CSV export for the sales role')
    await page.goto(`${shop.url}/admin/orders`)
    await page.locator('.el-table__body-wrapper tr').first().waitFor()
    assert.equal(await page.locator('[data-test=export]').count(), 0)
    // A page the role may not open says so where it was asked for, with the reason and a way back.
    await page.goto(`${shop.url}/admin/withdrawals`)
    const denied = page.locator('[data-test=forbidden]')
    await denied.filter({ hasText: '无权限' }).waitFor()
    assert.match(await page.locator('[data-test=forbidden-reason]').innerText(), /销售.*「提现」/)
    assert.match(page.url(), /\/admin\/withdrawals$/)
    await shot(page, '7c-sales-forbidden')
    await page.locator('[data-test=forbidden-back]').click()
    await page.waitForURL((u) => u.pathname === '/admin/' || u.pathname === '/admin')
    await page.locator('[data-test=forbidden]').waitFor({ state: 'detached' })
    // The server agrees: the same list is refused, and the member API gives the sales role masked phones.
    const token = await api.login(sales.phone, sales.password)
    assert.equal((await api.call('GET', '/api/v1/admin/withdrawals', { token })).status, 403)
    const members = await api.call('GET', '/api/v1/admin/members?q=138', { token })
    assert.ok(members.json.items.length > 0)
    for (const m of members.json.items) assert.match(m.phone, /^\d{3}\*{4}\d{4}$/)
    const owner = await api.call('GET', '/api/v1/admin/members?q=13800000001', { token: ownerToken })
    assert.equal(owner.json.items[0].phone, '13800000001')
    await page.context().close()
  })

  test('a member pays an order left unpaid from its page', async () => {
    // The newcomer orders without paying (as when the payment sheet is closed) …
    const token = await api.login(newcomer.phone, newcomer.password)
    const made = await api.call('POST', '/api/v1/orders', { token, body: { items: [{ sku: 'tea-longjing', qty: 1 }] } })
    assert.equal(made.status, 201)
    assert.equal(made.json.payment, undefined)
    // … and pays later from the order's page.
    const page = await newPage(375, 812)
    await page.goto(`${shop.url}/`)
    await page.evaluate((t) => localStorage.setItem('gx.member.token', t), token)
    await page.goto(`${shop.url}/order/${made.json.id}`)
    await page.locator('[data-test=order-status]').filter({ hasText: '待付款' }).waitFor()
    await page.locator('[data-test=pay]').click()
    await page.locator('[data-test=order-status]').filter({ hasText: '待发货' }).waitFor()
    const paid = await api.call('GET', `/api/v1/orders/${made.json.id}`, { token })
    assert.equal(paid.json.status, 'paid')
    assert.equal(paid.json.total, 14800) // the newcomer is a member now: the member price
    await page.context().close()
  })

  test('no horizontal overflow at 375 px and 1440 px', async () => {
    const token = await api.login(referrer.phone, referrer.password)
    const store = await newPage(375, 812)
    await store.goto(`${shop.url}/`)
    await store.evaluate((t) => localStorage.setItem('gx.member.token', t), token)
    for (const path of ['/', '/product/pkg699', '/orders', '/team', '/earnings', '/wallet', '/invite', '/me']) {
      await store.goto(shop.url + path)
      await store.waitForLoadState('networkidle')
      const [scroll, client] = await store.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth])
      assert.ok(scroll <= client, `${path}: ${scroll} px wide in a ${client} px window`)
    }
    await store.goto(`${shop.url}/invite`)
    await store.locator('[data-test=poster]').waitFor()
    await shot(store, '6a-store-invite-375')
    await store.context().close()

    const console1440 = await newPage(1440, 900)
    await console1440.goto(`${shop.url}/admin/`)
    await console1440.evaluate((t) => localStorage.setItem('gx.staff.token', t), ownerToken)
    for (const width of [1440, 375]) {
      await console1440.setViewportSize({ width, height: 900 })
      for (const path of ['/admin/', '/admin/members', `/admin/members/${referrer.id}`, '/admin/orders', '/admin/plan', '/admin/designer', '/admin/designer?tab=sim', '/admin/designer?tab=calc']) {
        await console1440.goto(shop.url + path)
        await console1440.waitForLoadState('networkidle')
        const [scroll, client] = await console1440.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth])
        assert.ok(scroll <= client, `${path} at ${width}: ${scroll} px wide in a ${client} px window`)
      }
    }
    // The designer's lint on a phone-wide window (the loop above ends at 375 px).
    await console1440.goto(`${shop.url}/admin/designer`)
    await console1440.locator('[data-test=lint-finding]').first().waitFor()
    await shot(console1440, '6c-console-designer-375')
    await console1440.setViewportSize({ width: 1440, height: 900 })
    await console1440.goto(`${shop.url}/admin/`)
    await console1440.waitForLoadState('networkidle')
    await console1440.waitForTimeout(500) // chart animations
    await shot(console1440, '6b-console-dashboard-1440')
    await console1440.context().close()
  })
})
