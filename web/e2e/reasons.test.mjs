// Sensitive actions ask first, with a reason (issue 19), on the demo shop (see harness.mjs):
//   1. the owner changes a member's rank in the console: the dialog shows the change and does not
//      submit without a reason (the field says so, the rank is unchanged); with one it does, and the
//      audit log shows the entry in Chinese: 调整等级, who, whom, 等级 before → after, the reason;
//   2. a refund request rejected in the console with a reason: the member reads it on the order;
//   3. a plan upload first lists the plan's lint findings and asks for a reason; the audit entry records
//      which findings were shown.
// Each saves a screenshot of the page it ends on.
import { after, afterEach, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { apiClient, failed, shot, startBrowser, startShop, test } from './harness.mjs'

let shop, chrome, api, ownerToken
const openPages = new Set()

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

describe('sensitive actions ask for a reason', { timeout: 150_000 }, () => {
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
        await shot(page, `FAILED-reasons-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 50)}-${n++}`).catch(() => {})
      }
      await page.context().close().catch(() => {})
    }
    openPages.clear()
  })

  test('a rank change is refused without a reason and, with one, is in the audit log in Chinese', async () => {
    // A demo member who bought the package (rank "member", 会员体验官).
    const members = await api.call('GET', '/api/v1/admin/members?limit=50', { token: ownerToken })
    assert.equal(members.status, 200)
    const m = members.json.items.find((x) => x.rank === 'member')
    assert.ok(m, 'a demo member of rank member')
    const rankOf = async () => (await api.call('GET', `/api/v1/admin/members/${m.id}`, { token: ownerToken })).json.rank

    const page = await newPage(1440, 900)
    await asStaff(page, ownerToken, `/members/${m.id}`)
    await page.locator('[data-test=member-detail]').waitFor()
    await page.locator('.el-select').filter({ hasText: '调整等级' }).click()
    await page.locator('.el-select-dropdown__item').filter({ hasText: /^合伙人$/ }).click()
    await page.locator('[data-test=set-rank]').click()
    const dialog = page.locator('[data-test=reason-dialog]')
    await dialog.waitFor()
    // What will change: 等级 会员体验官 → 合伙人.
    assert.match(await dialog.locator('[data-test=reason-changes]').innerText(), /等级[\s\S]*会员体验官[\s\S]*合伙人/)
    // Without a reason the dialog does not submit: the field says why, the rank stays.
    await dialog.locator('[data-test=reason-confirm]').click()
    await dialog.locator('.el-form-item__error').filter({ hasText: '请填写原因' }).waitFor()
    assert.ok(await dialog.isVisible())
    assert.equal(await rankOf(), 'member')
    // The server refuses it too.
    const bare = await api.call('POST', `/api/v1/admin/members/${m.id}/rank`, { token: ownerToken, body: { rank: 'partner' } })
    assert.equal(bare.status, 400)
    assert.equal(bare.json.error.field, 'reason')
    assert.equal(await rankOf(), 'member')
    await shot(page, 'reasons-1-rank-needs-a-reason')
    // With a reason it is done.
    await dialog.locator('[data-test=reason-input]').fill('线下签约合伙人')
    await dialog.locator('[data-test=reason-confirm]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('.el-message').filter({ hasText: '等级已调整' }).waitFor()
    assert.equal(await rankOf(), 'partner')

    // The audit log: the newest entry, in Chinese.
    await page.goto(`${shop.url}/admin/audit`)
    const row = page.locator('[data-test=audit] .el-table__body-wrapper tbody tr').first()
    await row.locator('[data-test=audit-action]').filter({ hasText: '调整等级' }).waitFor()
    const text = await row.innerText()
    assert.match(text, /线下签约合伙人/)
    assert.match(text, /等级\s*会员体验官\s*→\s*合伙人/)
    assert.match(text, /owner/) // the owner's login (the demo owner has no name)
    assert.ok(text.includes(m.display_name ?? m.phone), `${text} names the member`)
    const all = await page.locator('[data-test=audit] .el-table__body-wrapper').innerText()
    assert.doesNotMatch(all, /#\d|day:|order:|member:|set_rank|upsert_product/)
    await shot(page, 'reasons-2-audit-log')
  })

  test('a rejected refund request tells the member why', async () => {
    // A demo member buys tea and asks for a refund.
    const phone = '13800000002'
    const token = await api.login(phone, `demo-${phone.slice(7)}`)
    const order = await api.call('POST', '/api/v1/orders', { token, body: { items: [{ sku: 'tea-longjing', qty: 1 }] } })
    assert.equal(order.status, 201, JSON.stringify(order.json))
    const pay = await api.call('POST', `/api/v1/orders/${order.json.id}/pay`, { token, body: { provider: 'sandbox' } })
    assert.equal(pay.status, 200, JSON.stringify(pay.json))
    assert.equal((await api.call('POST', `/api/v1/payments/sandbox/${pay.json.intent}/complete`, { token })).status, 202)
    for (let i = 0; i < 100; i++) {
      if ((await api.call('GET', `/api/v1/orders/${order.json.id}`, { token })).json.status === 'paid') break
      await new Promise((r) => setTimeout(r, 100))
    }
    const asked = await api.call('POST', `/api/v1/orders/${order.json.id}/refund`, { token, body: { reason: '不想要了' } })
    assert.equal(asked.status, 200, JSON.stringify(asked.json))

    const page = await newPage(1440, 900)
    await asStaff(page, ownerToken, '/orders?status=refund_requested')
    await page.locator('[data-test=reject-refund]').first().click()
    const dialog = page.locator('[data-test=reason-dialog]')
    await dialog.waitFor()
    assert.match(await dialog.innerText(), /不想要了/)
    await dialog.locator('[data-test=reason-input]').fill('茶叶已拆封，不能退货')
    await dialog.locator('[data-test=reason-confirm]').click()
    await dialog.waitFor({ state: 'hidden' })
    const after = await api.call('GET', `/api/v1/orders/${order.json.id}`, { token })
    assert.equal(after.json.status, 'paid')
    assert.equal(after.json.refund_note, '茶叶已拆封，不能退货')

    const store = await newPage(390, 844)
    await asMember(store, token, `/order/${order.json.id}`)
    await store.locator('[data-test=refund-note]').filter({ hasText: '茶叶已拆封，不能退货' }).waitFor()
    assert.match(await store.locator('[data-test=refund-note]').innerText(), /商家说明/)
    await shot(store, 'reasons-3-member-reads-the-refund-note')
  })

  test('a plan upload lists the lint findings first and the audit log records that they were shown', async () => {
    const lint = await api.call('POST', '/api/v1/admin/designer/lint', { token: ownerToken, body: {} })
    assert.equal(lint.status, 200, JSON.stringify(lint.json))
    const codes = lint.json.findings.map((f) => f.code)
    assert.ok(codes.length > 0, 'the 699 plan has lint findings')
    const before = (await api.call('GET', '/api/v1/admin/plan', { token: ownerToken })).json.version

    const page = await newPage(1440, 900)
    await asStaff(page, ownerToken, '/plan')
    await page.locator('[data-test=plan-words]').waitFor()
    await page.getByRole('button', { name: '当前方案' }).click()
    await page.locator('[data-test=plan-upload]').click()
    const dialog = page.locator('[data-test=reason-dialog]')
    await dialog.waitFor()
    // Every finding of the text to upload, by code, with its title; then the reason.
    await dialog.locator('[data-test=plan-confirm-finding]').first().waitFor()
    assert.deepEqual(await dialog.locator('[data-test=plan-confirm-finding]').evaluateAll((els) => els.map((e) => e.dataset.code)), codes)
    assert.match(await dialog.innerText(), new RegExp(`方案检查提示 ${codes.length} 条`))
    assert.match(await dialog.innerText(), new RegExp(`版本 ${before}[\\s\\S]*版本 ${before + 1}`))
    await dialog.locator('[data-test=reason-confirm]').click()
    await dialog.locator('.el-form-item__error').filter({ hasText: '请填写原因' }).waitFor()
    assert.equal((await api.call('GET', '/api/v1/admin/plan', { token: ownerToken })).json.version, before)
    await shot(page, 'reasons-4-plan-upload-lint')
    await dialog.locator('[data-test=reason-input]').fill('春季活动前重新发布')
    await dialog.locator('[data-test=reason-confirm]').click()
    await dialog.waitFor({ state: 'hidden' })
    await page.locator('.el-message').filter({ hasText: `已上传版本 ${before + 1}` }).waitFor()

    const audit = await api.call('GET', '/api/v1/admin/audit?limit=5', { token: ownerToken })
    const entry = audit.json.items.find((e) => e.action === 'plan_uploaded')
    assert.ok(entry, JSON.stringify(audit.json))
    assert.deepEqual(entry.detail.lint_shown, codes)
    assert.equal(entry.detail.reason, '春季活动前重新发布')
    await page.goto(`${shop.url}/admin/audit`)
    const row = page.locator('[data-test=audit] .el-table__body-wrapper tbody tr').first()
    await row.locator('[data-test=audit-action]').filter({ hasText: '上传方案' }).waitFor()
    assert.match(await row.innerText(), new RegExp(`已展示 ${codes.length} 条检查提示`))
  })
})
