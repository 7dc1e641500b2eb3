// The console's session: the API client with the staff token, who is logged in (role), the plan
// and the shop's settings.
import { reactive } from 'vue'
import { Api, DEFAULT_SHOP, loadShop, type ShopInfo } from '../shared/api'
import { setShopOffset } from '../shared/time'
import type { Me, Plan } from '../shared/types'

export const api = new Api('gx.staff.token')

export const session = reactive({
  me: null as Me | null,
  plan: null as Plan | null,
  shop: { ...DEFAULT_SHOP } as ShopInfo,
})

export async function loadShopInfo() {
  session.shop = await loadShop(api)
  setShopOffset(session.shop.utc_offset_minutes)
}

export async function refreshMe(): Promise<Me | null> {
  if (!api.token) {
    session.me = null
    return null
  }
  try {
    session.me = await api.get<Me>('/api/v1/me')
    if (session.me.role !== 'member' && !session.plan) {
      session.plan = await api.get<Plan>('/api/v1/admin/plan').catch(() => null)
    }
  } catch {
    session.me = null
  }
  return session.me
}

// Which staff roles see which pages (the server checks again; this only hides what would be 403).
export const PAGE_ROLES: Record<string, string[]> = {
  dashboard: ['owner', 'finance', 'operator', 'sales'],
  members: ['owner', 'finance', 'operator', 'sales'],
  orders: ['owner', 'finance', 'operator', 'sales'],
  withdrawals: ['owner', 'finance'],
  products: ['owner', 'finance', 'operator', 'sales'],
  plan: ['owner', 'finance', 'operator', 'sales'],
  ledger: ['owner', 'finance'],
  audit: ['owner'],
  staff: ['owner'],
  designer: ['owner', 'finance', 'operator', 'sales'],
}

export function can(
  action: 'ship' | 'refund' | 'editProduct' | 'setRank' | 'payWithdrawal' | 'uploadPlan' | 'closeDay' | 'simulate' | 'export',
): boolean {
  const r = session.me?.role ?? ''
  if (r === 'owner') return true
  switch (action) {
    // Sales (销售) reads members' phones masked and exports nothing (docs/web.md, "Data by role").
    case 'export':
      return r === 'finance' || r === 'operator'
    case 'ship':
    case 'editProduct':
    case 'setRank':
    case 'uploadPlan':
    case 'simulate':
      return r === 'operator'
    case 'refund':
      return r === 'operator' || r === 'finance'
    case 'payWithdrawal':
    case 'closeDay':
      return r === 'finance'
  }
  return false
}

export function rankLabel(name: string | undefined): string {
  if (!name) return ''
  return session.plan?.ranks.find((r) => r.name === name)?.label || name
}

export async function logout() {
  try {
    await api.post('/api/v1/auth/logout')
  } catch {
    // the token is dropped either way
  }
  api.token = ''
  session.me = null
}
