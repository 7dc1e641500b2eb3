// Messages in Chinese (the default) and English for both apps; the choice is kept in localStorage.
import { createI18n } from 'vue-i18n'
import zhMessages from '../../../messages/zh.json'
import enMessages from '../../../messages/en.json'

// The catalogues are shared with the server (messages/*.json, embedded into guanxi at build time), so
// a word a member reads is the same whichever side renders it.
const zh = zhMessages
type Messages = typeof zh
const en: Messages = enMessages

export const LOCALE_KEY = 'gx.locale'

const inBrowser = typeof window !== 'undefined' && typeof localStorage !== 'undefined'

export function makeI18n() {
  const saved = inBrowser ? localStorage.getItem(LOCALE_KEY) : null
  const locale = saved === 'en' || saved === 'zh' ? saved : 'zh'
  if (inBrowser) document.documentElement.lang = locale === 'zh' ? 'zh-CN' : 'en'
  return createI18n({ legacy: false, locale, fallbackLocale: 'zh', messages: { zh, en } })
}

export const i18n = makeI18n()

export function toggleLocale() {
  const next = i18n.global.locale.value === 'zh' ? 'en' : 'zh'
  i18n.global.locale.value = next
  localStorage.setItem(LOCALE_KEY, next)
  document.documentElement.lang = next === 'zh' ? 'zh-CN' : 'en'
}

export { zh, en }

// A plan's earned kind (direct, peer …) in the user's language, or its own name when unknown.
export function earnedLabel(name: string | undefined): string {
  if (!name) return ''
  const key = `earned.${name}`
  const t = i18n.global.t as (k: string) => string
  const text = t(key)
  return text === key ? name : text
}

// A field name as a form label: capitalised ("amount" → "Amount"; Chinese is unchanged).
export function cap(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}
