// End-to-end harness: a real `guanxi serve` on 127.0.0.1 (an ephemeral port) with a fresh database in
// a temp dir and the built web app, and Debian's Chromium driven by playwright-core. Everything is
// started by the tests and stopped at the end, with timeouts on every wait.
import { spawn } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test as nodeTest } from 'node:test'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
export const webDir = resolve(here, '..')
export const repoDir = resolve(webDir, '..')
export const artifacts = resolve(process.env.E2E_ARTIFACTS ?? join(repoDir, 'build', 'e2e-artifacts'))

// Chromium's flags for this closed network (no background connections, no sandbox as root).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
]

function withTimeout(promise, ms, what) {
  let timer
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)
    }),
  ])
}

export async function startShop() {
  const bin = resolve(process.env.GUANXI_BIN ?? join(repoDir, 'build', 'release', 'src', 'cli', 'guanxi'))
  if (!existsSync(bin)) throw new Error(`no guanxi binary at ${bin} (build it, or set GUANXI_BIN)`)
  const dist = join(webDir, 'dist')
  if (!existsSync(join(dist, 'index.html')) || !existsSync(join(dist, 'admin', 'index.html'))) {
    throw new Error(`no built web app in ${dist}: run npm run build`)
  }
  const dir = mkdtempSync(join(tmpdir(), 'guanxi-e2e-'))
  // Orders settle as soon as they are received, so a reward can be withdrawn within the test.
  writeFileSync(join(dir, 'shop.toml'), 'return_window_days = 0\n')
  const child = spawn(
    bin,
    [
      'serve',
      '--db', join(dir, 'shop.db'),
      '--listen', '127.0.0.1:0',
      '--plan', join(repoDir, 'plans', 'chain-2plus1-699.toml'),
      '--config', join(dir, 'shop.toml'),
      '--static', dist,
      '--demo',
      '--fast-password-hashing',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise((resolveExit) => child.on('exit', (code, signal) => resolveExit({ code, signal })))
  await withTimeout(
    new Promise((ok, fail) => {
      const check = setInterval(() => {
        if (/store: +http/.test(out)) {
          clearInterval(check)
          ok()
        }
      }, 50)
      exited.then(({ code }) => {
        clearInterval(check)
        fail(new Error(`guanxi serve exited (${code}):\n${out}`))
      })
    }),
    30_000,
    'guanxi serve start',
  )
  const url = /serving .* at (http:\/\/\S+)/.exec(out)[1]
  const ownerPassword = /login "owner", password "([^"]+)"/.exec(out)[1]
  const members = [...out.matchAll(/demo member: phone (\d+), password (\S+)/g)].map((m) => ({ phone: m[1], password: m[2] }))
  const shop = {
    url,
    dir,
    ownerPassword,
    members,
    log: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM')
        await withTimeout(exited, 15_000, 'guanxi serve stop').catch(() => child.kill('SIGKILL'))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
  return shop
}

export async function startBrowser() {
  mkdirSync(artifacts, { recursive: true })
  const browser = await withTimeout(
    chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      // playwright gives the browser a new empty profile of its own (a fresh --user-data-dir)
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    }),
    40_000,
    'chromium launch',
  )
  return {
    browser,
    async close() {
      await withTimeout(browser.close(), 15_000, 'chromium close').catch(() => {})
    },
  }
}

// A small JSON client for set-up and checks that are not what the test is about.
export function apiClient(base) {
  async function call(method, path, { token, body } = {}) {
    const headers = {}
    if (token) headers.Authorization = `Bearer ${token}`
    if (body !== undefined) headers['Content-Type'] = 'application/json'
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) })
    const text = await res.text()
    let json = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = text
    }
    return { status: res.status, json }
  }
  return {
    call,
    async login(phone, password) {
      const r = await call('POST', '/api/v1/auth/login', { body: { phone, password } })
      if (r.status !== 200) throw new Error(`login ${phone}: ${r.status} ${JSON.stringify(r.json)}`)
      return r.json.token
    },
  }
}

export async function waitFor(fn, { timeout = 10_000, interval = 200, what = 'condition' } = {}) {
  const end = Date.now() + timeout
  let last
  while (Date.now() < end) {
    last = await fn()
    if (last) return last
    await new Promise((r) => setTimeout(r, interval))
  }
  throw new Error(`${what}: not true within ${timeout} ms (last: ${JSON.stringify(last)})`)
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true })
}

// node:test's test(name, fn), for afterEach's failed(t), which keeps a failed test's screenshots. A test
// context has `passed` from Node 20.12; on older Node (Debian 12's 18) test() notes the names of the tests
// that fail instead (and the report then places each test at this file).
const [major, minor] = process.versions.node.split('.').map(Number)
const hasPassed = major > 20 || (major === 20 && minor >= 12)
const failedNames = new Set()
export const test = hasPassed
  ? nodeTest
  : (name, fn) =>
      nodeTest(name, async (t) => {
        try {
          return await fn(t)
        } catch (e) {
          failedNames.add(name)
          throw e
        }
      })
export const failed = (t) => t.passed === false || failedNames.has(t.name)
