// A small client for the guanxi API: JSON in and out, the bearer token from localStorage (one key
// per app, so a member and a staff login in one browser do not mix), errors as ApiError.
import { ApiError, parseErrorBody } from './errors'

export interface Page<T> {
  items: T[]
  next?: number
}

export class Api {
  onUnauthorized: (() => void) | null = null

  constructor(private tokenKey: string) {}

  get token(): string {
    return localStorage.getItem(this.tokenKey) ?? ''
  }

  set token(t: string) {
    if (t) localStorage.setItem(this.tokenKey, t)
    else localStorage.removeItem(this.tokenKey)
  }

  async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const h: Record<string, string> = { ...headers }
    if (this.token) h.Authorization = `Bearer ${this.token}`
    if (body !== undefined) h['Content-Type'] = 'application/json'
    let res: Response
    try {
      res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch {
      throw new ApiError(0, 'network', 'network error')
    }
    const text = await res.text()
    let data: unknown = null
    if (text) {
      try {
        data = JSON.parse(text)
      } catch {
        data = null
      }
    }
    if (!res.ok) {
      const err = parseErrorBody(res.status, data)
      if (res.status === 401 && this.token && !path.endsWith('/auth/login')) {
        this.token = ''
        this.onUnauthorized?.()
      }
      throw err
    }
    return data as T
  }

  get<T>(path: string, query: Record<string, string | number | undefined | null> = {}): Promise<T> {
    const q = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&')
    return this.request<T>('GET', q ? `${path}?${q}` : path)
  }

  post<T>(path: string, body: unknown = {}, headers: Record<string, string> = {}): Promise<T> {
    return this.request<T>('POST', path, body, headers)
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, body)
  }

  // A binary resource that needs the token (the invite QR code) as an object URL.
  async blobUrl(path: string): Promise<string> {
    const res = await fetch(path, { headers: this.token ? { Authorization: `Bearer ${this.token}` } : {} })
    if (!res.ok) {
      let data: unknown = null
      try {
        data = await res.json()
      } catch {
        data = null
      }
      throw parseErrorBody(res.status, data)
    }
    return URL.createObjectURL(await res.blob())
  }
}

// Shop settings a page needs (time zone, withdrawal minimum …); GET /api/v1/shop when the server has
// it, else the documented defaults.
export interface ShopInfo {
  name: string
  utc_offset_minutes: number
  withdraw_min: number
  withdraw_fee_fixed: number
  withdraw_fee_bps: number
  sandbox_payments: boolean
}

export const DEFAULT_SHOP: ShopInfo = {
  name: '',
  utc_offset_minutes: 480,
  withdraw_min: 1000,
  withdraw_fee_fixed: 0,
  withdraw_fee_bps: 0,
  sandbox_payments: true,
}

export async function loadShop(api: Api): Promise<ShopInfo> {
  try {
    const s = await api.get<Partial<ShopInfo>>('/api/v1/shop')
    return { ...DEFAULT_SHOP, ...s }
  } catch {
    return { ...DEFAULT_SHOP }
  }
}
