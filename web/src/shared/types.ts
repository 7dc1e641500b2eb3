// The API's shapes (docs/openapi.yaml), as much as the pages use.
export interface MemberBrief {
  id: number
  phone?: string
  name?: string
  display_name?: string // the nickname, else the masked phone
  joined_at?: number
  channel?: string
  rank?: string
}
export interface Me {
  account: number
  role: string
  member?: MemberBrief & { invite_code?: string; referrer?: MemberBrief; rank_label?: string }
}
export interface Product {
  id: number
  sku: string
  name: string
  price: number
  // What the caller would be charged per unit (the server prices orders the same way); the list
  // price for a visitor.
  unit_price: number
  // The lowest member price of any rank when below the list price: advertised only as such.
  member_price_from?: number | null
  member_prices?: Record<string, number>
  stock: number
  status: 'on' | 'off'
  images?: string[]
  description?: string
  activity?: string
}
export interface OrderItem {
  sku: string
  name: string
  qty: number
  unit_price: number
}
export interface Order {
  id: number
  member: number
  status: string
  total: number
  created_at: number
  expires_at?: number
  paid_at?: number
  shipped_at?: number
  received_at?: number
  settle_at?: number
  settled_at?: number
  refund_requested_at?: number
  refunded_at?: number
  refund_reason?: string
  refund_note?: string // the shop's answer to a rejected refund request
  tracking?: string
  items: OrderItem[]
}
export interface Balances {
  pending: number
  available: number
  frozen: number
  withdrawing: number
}
export interface Wallet {
  member: number
  rank: string
  balances: Balances
  earned: Record<string, number>
  earned_total: number
  fund_locked: boolean
}
export interface Earning {
  id: number
  at: number
  type: string
  amount: number
  why: string
  order?: number
  earned?: string
}
export interface Withdrawal {
  id: number
  member: number
  amount: number
  fee: number
  net: number
  status: 'requested' | 'paid' | 'rejected'
  requested_at: number
  decided_at?: number
  reference?: string
  note?: string
}
export interface TeamSummary {
  member: number
  rank: string
  team_size: number
  team_by_rank: Record<string, number>
  team_units: number
  team_sales: number
  directs: number
  member_directs: number
}
// The lists of GET /api/v1/me/team/members?scope=…, and their counts (GET /api/v1/me/team/counts).
export type TeamScope = 'directs' | 'team' | 'downline'
export interface TeamCounts {
  member: number
  scopes: { scope: TeamScope; count: number; by_rank: Record<string, number> }[]
}
export interface TeamMember extends MemberBrief {
  directs?: number
  depth?: number
  level?: number
}
export interface Plan {
  name: string
  ranks: { name: string; label: string }[]
  activities: { name: string; skus: string[]; all_products: boolean }[]
  version?: number
  source?: string
  uploaded_at?: number
}
export interface Invite {
  code: string
  link: string
  qr: string
  // The name the poster prints: the nickname, else the masked phone (never the full phone).
  inviter?: { name: string }
}
