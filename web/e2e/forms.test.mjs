// Forms, end to end (issue #19), against one real shop with the demo seeded (see harness.mjs):
//   1. 新建商品 with a SKU that is taken shows the Chinese error on the SKU field and changes nothing;
//      a huge price says the largest price; editing a product shows before → after and asks first;
//   2. the staff login speaks of 登录名; a store registration error clears when the phone changes;
//   3. a scenario named in Chinese starts, and a field's error never covers the field below it.
// Each saves a screenshot of the page it ends on.
import { after, afterEach, before, describe } from 'node:test'
import assert from 'node:assert/strict'
import { apiClient, failed, shot, startBrowser, startShop, test } from './harness.mjs'

const STEP = 15_000
let shop, chrome, api, ownerToken
const openPages = new Set()

async function newPage(width, height) {
  const context = await chrome.browser.newContext({ viewport: { width, height }, locale: 'zh-CN', deviceScaleFactor: 1 })
  context.setDefaultTimeout(STEP)
  const page = await context.newPage()
  page.on('pageerror', (e) => console.error('page error:', e.message))
  openPages.add(page)
  return page
}

async function consoleAsOwner(path) {
  const page = await newPage(1440, 900)
  await page.goto(`${shop.url}/admin/login?next=${encodeURIComponent(path)}`)
  await page.locator('#login-phone').fill('owner')
  await page.locator('#login-password').fill(shop.ownerPassword)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((u) => u.pathname === `/admin${path}`)
  return page
}

// The error Element Plus shows under the form item that holds `input`.
const fieldError = (page, input) => page.locator(`.el-form-item:has(${input}) .el-form-item__error`)

describe('forms, end to end', { timeout: 150_000 }, () => {
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
        await shot(page, `FAILED-forms-${t.name.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 50)}-${n++}`).catch(() => {})
      }
      await page.context().close().catch(() => {})
    }
    openPages.clear()
  })

  test('creating a product with a taken SKU shows the error and changes nothing', async () => {
    const before = await api.call('GET', '/api/v1/products/pkg699', { token: ownerToken })
    assert.equal(before.status, 200)
    assert.equal(before.json.price, 69900)
    const page = await consoleAsOwner('/products')
    await page.getByRole('button', { name: '新建商品' }).click()
    await page.locator('#p-sku').fill('pkg699')
    await page.locator('#p-name').fill('打错的礼包')
    await page.locator('#p-price').fill('1')
    // A huge price says the largest price, not "最多两位小数".
    await page.locator('#p-price').fill('99999999999')
    await page.locator('#p-name').click()
    await fieldError(page, '#p-price').filter({ hasText: '价格不能超过 ¥100,000,000.00' }).waitFor()
    await page.locator('#p-price').fill('1')
    await page.locator('[data-test=product-save]').click()
    const skuError = fieldError(page, '#p-sku')
    await skuError.filter({ hasText: '该 SKU 已被其他商品使用' }).waitFor()
    await shot(page, 'forms-1-sku-taken')
    // Nothing changed: name, price, stock, member prices, to the fen.
    const after = await api.call('GET', '/api/v1/products/pkg699', { token: ownerToken })
    assert.deepEqual(after.json, before.json)
    // Another SKU: the error goes, and the product is created.
    await page.locator('#p-sku').fill('pkg699-e2e')
    await skuError.waitFor({ state: 'detached' })
    await page.locator('[data-test=product-save]').click()
    await page.locator('.el-message').filter({ hasText: '已创建' }).waitFor()
    const created = await api.call('GET', '/api/v1/products/pkg699-e2e', { token: ownerToken })
    assert.equal(created.json.price, 100)
    assert.equal(created.json.name, '打错的礼包')
  })

  test('editing a product shows what changes and asks first', async () => {
    const before = (await api.call('GET', '/api/v1/products/tea-longjing', { token: ownerToken })).json
    assert.equal(before.price, 16800)
    const page = await consoleAsOwner('/products')
    await page.locator('.el-table__row', { hasText: 'tea-longjing' }).getByRole('button', { name: '编辑商品' }).click()
    assert.equal(await page.locator('#p-sku').isDisabled(), true)
    await page.locator('#p-price').fill('158')
    await page.locator('[data-test=product-save]').click()
    const changes = page.locator('[data-test=product-changes]')
    await changes.waitFor()
    const text = await changes.innerText()
    assert.match(text, /原价\s+¥168\.00\s+¥158\.00/)
    assert.doesNotMatch(text, /库存|名称/) // only what changed
    await shot(page, 'forms-2-edit-confirm')
    await page.locator('[data-test=product-confirm-save]').click()
    await page.locator('.el-message').filter({ hasText: '已保存' }).waitFor()
    const tea = await api.call('GET', '/api/v1/products/tea-longjing', { token: ownerToken })
    assert.deepEqual(tea.json, { ...before, price: 15800, unit_price: 15800 }) // the price (the owner's own is the list price), and nothing else
  })

  test('the staff login speaks of 登录名, and a registration error clears when the phone changes', async () => {
    const page = await newPage(1440, 900)
    await page.goto(`${shop.url}/admin/login`)
    await page.getByRole('button', { name: '登录' }).click()
    await fieldError(page, '#login-phone').filter({ hasText: '请输入登录名' }).waitFor()
    await page.locator('#login-phone').fill('owner')
    await page.locator('#login-password').fill('not-the-password')
    await page.getByRole('button', { name: '登录' }).click()
    const error = await page.locator('[data-test=login-error]').innerText()
    assert.match(error, /登录名或密码错误/)
    assert.doesNotMatch(error, /手机号/)

    const store = await newPage(375, 812)
    const taken = shop.members[0].phone
    await store.goto(`${shop.url}/register`)
    await store.locator('input[name=phone]').fill(taken)
    await store.locator('input[name=password]').fill('e2e-password-2')
    await store.getByRole('button', { name: '注册并登录' }).click()
    const phoneError = store.locator('[data-test=register-phone] .van-field__error-message')
    await phoneError.filter({ hasText: '该手机号已注册' }).waitFor()
    await shot(store, 'forms-3-phone-taken')
    await store.locator('input[name=phone]').fill(taken.slice(0, 10) + (taken.endsWith('9') ? '8' : '9'))
    await phoneError.waitFor({ state: 'detached' })
    assert.equal(await store.getByText('该手机号已注册').count(), 0)
  })

  test('a scenario named in Chinese starts, and a field error never covers the next field', async () => {
    const page = await consoleAsOwner('/designer')
    await page.getByRole('tab', { name: '经营模拟' }).click()
    await page.locator('#sim-name').fill('春节/裂变')
    await page.locator('#sim-days').fill('30')
    await page.locator('#sim-maxMembers').fill('300')
    await page.locator('[data-test=sim-start]').click()
    const nameError = fieldError(page, '#sim-name')
    await nameError.filter({ hasText: '最多 64 个字' }).waitFor()
    // The error sits under the name field, above the field that follows in its column.
    const errorBox = await nameError.boundingBox()
    const boxes = await page.locator('form:has(#sim-name) .el-form-item').evaluateAll((items) =>
      items.map((el) => {
        const r = el.getBoundingClientRect()
        return { x: r.x, y: r.y, bottom: r.bottom, width: r.width }
      }),
    )
    const name = boxes[0]
    const below = boxes.find((b) => Math.abs(b.x - name.x) < 2 && b.y > name.y)
    assert.ok(below, 'a field below the name field')
    assert.ok(errorBox.y + errorBox.height <= below.y, `the error (bottom ${errorBox.y + errorBox.height}) ends above the next field (top ${below.y})`)
    assert.ok(errorBox.y + errorBox.height <= name.bottom + 0.5, 'the error is inside its own form item')
    await shot(page, 'forms-4-scenario-name-error')
    await page.locator('#sim-name').fill('春节裂变')
    await page.locator('[data-test=sim-start]').click()
    await page.locator('[data-test=sim-state]').filter({ hasText: '已完成' }).waitFor({ timeout: 30_000 })
    assert.equal(await nameError.count(), 0)
    const list = await api.call('GET', '/api/v1/admin/designer/simulations', { token: ownerToken })
    assert.equal(list.json.items[0].scenario, '春节裂变')
    await shot(page, 'forms-5-scenario-chinese')
  })
})
