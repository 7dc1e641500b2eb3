// The store app's session: the API client with the member's token, who is logged in, the plan's
// ranks (for member prices) and the shop's settings.
import { reactive } from 'vue'
import { Api, DEFAULT_SHOP, loadShop, type ShopInfo } from '../shared/api'
import { setShopOffset } from '../shared/time'
import type { Me, Plan } from '../shared/types'

export const api = new Api('gx.member.token')

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
    if (!session.plan) session.plan = await api.get<Plan>('/api/v1/plan').catch(() => null)
  } catch {
    session.me = null
  }
  return session.me
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
