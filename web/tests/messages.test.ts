// The message catalogues (messages/zh.json, messages/en.json) are shared by the server and both apps:
// every message has a Chinese text (the default language) and an English one, with the same
// placeholders, and nothing in vue-i18n's message syntax that would render differently on the server.
import { describe, expect, it } from 'vitest'
import zh from '../../messages/zh.json'
import en from '../../messages/en.json'

type Tree = { [key: string]: string | Tree }

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k
    if (typeof v === 'string') out.set(key, v)
    else for (const [kk, vv] of flatten(v, key)) out.set(kk, vv)
  }
  return out
}

const placeholders = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort()

describe('message catalogues', () => {
  const z = flatten(zh as Tree)
  const e = flatten(en as Tree)

  it('give every message a Chinese text', () => {
    const missing = [...e.keys()].filter((k) => !z.get(k)?.trim())
    expect(missing).toEqual([])
  })

  it('give every message an English text', () => {
    const missing = [...z.keys()].filter((k) => !e.get(k)?.trim())
    expect(missing).toEqual([])
  })

  it('use the same placeholders in both languages', () => {
    const differ = [...z.keys()].filter((k) => e.has(k) && placeholders(z.get(k)!).join() !== placeholders(e.get(k)!).join())
    expect(differ).toEqual([])
  })

  it('hold no vue-i18n syntax the server would not render (| plural, @ link)', () => {
    const odd = [...z.entries(), ...e.entries()].filter(([, v]) => /[|@]|\{[^\w}]/.test(v)).map(([k]) => k)
    expect(odd).toEqual([])
  })
})
