// The API's errors are {"error":{"code","message","field"}} (docs/openapi.yaml, Error). ApiError
// carries them; describeError turns one into a sentence in the user's language, by code, falling
// back to the server's own message for codes this front end does not know. An error with a `field`
// belongs on that field of the form (fieldOf); a limit's error says the limit (LIMIT_WORDS).
import { LIMIT_WORDS } from './limits'

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public field?: string,
    public line?: number,
  ) {
    super(message)
  }
}

// Reads an error body. Also accepts the flat {"error":"code","message","line"} form, so a route
// that answers that way is still shown properly.
export function parseErrorBody(status: number, body: unknown): ApiError {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>
    const e = b.error
    if (e && typeof e === 'object') {
      const o = e as Record<string, unknown>
      return new ApiError(
        status,
        String(o.code ?? 'error'),
        String(o.message ?? ''),
        typeof o.field === 'string' ? o.field : undefined,
        typeof o.line === 'number' ? o.line : typeof b.line === 'number' ? b.line : undefined,
      )
    }
    if (typeof e === 'string') {
      return new ApiError(
        status,
        e,
        String(b.message ?? ''),
        typeof b.field === 'string' ? b.field : undefined,
        typeof b.line === 'number' ? b.line : undefined,
      )
    }
  }
  if (status === 0) return new ApiError(0, 'network', 'network error')
  return new ApiError(status, status >= 500 ? 'server_error' : 'error', `HTTP ${status}`)
}

// Codes with a message of their own in the i18n files ("errors.<code>"). invalid_<field> codes
// fall back to "errors.invalid_field" with the field named.
export const KNOWN_CODES = [
  'network',
  'server_error',
  'unauthorized',
  'forbidden',
  'not_found',
  'missing_field',
  'malformed_json',
  'bad_credentials',
  'too_many_attempts',
  'overloaded',
  'already_paid',
  'idempotency_key_reused',
  'phone_taken',
  'unknown_invite_code',
  'out_of_stock',
  'insufficient_balance',
  'below_minimum',
  'invalid_state',
  'withdrawal_closed',
  'order_expired',
  'day_already_closed',
  'plan_invalid',
  'invalid_plan',
  'unknown_product',
  'unknown_order',
  'unknown_member',
  'unknown_withdrawal',
  'unknown_rank',
  'order_refunded',
  'order_settled',
  'invalid_amount',
  'referrer_fixed',
  'not_a_fan',
  'has_directs',
  'same_referrer',
  'self_referral',
  'fund_locked',
  'body_too_large',
  'invalid_scenario',
  'too_many_simulations',
  'no_report',
  'scenario_too_large',
  'sku_taken',
] as const

// invalid_<field> codes whose only cause, past the form's own checks, is a limit: said with the
// limit itself (limits.json) rather than "…填写不正确".
const LIMIT_KEYS: Record<string, string> = {
  invalid_price: 'validate.price_max',
  invalid_stock: 'validate.stock_max',
  invalid_name: 'validate.name_long',
  invalid_sku: 'validate.sku_format',
  invalid_password: 'validate.password_length',
  invalid_qty: 'validate.qty_range',
  invalid_member_prices: 'validate.member_price_over_list',
}

// The form field an error belongs on, or '' when it concerns the whole form.
export function fieldOf(err: unknown): string {
  return err instanceof ApiError && err.field ? err.field : ''
}

type Translate = (key: string, named?: Record<string, unknown>) => string

export function describeError(err: unknown, t: Translate): string {
  if (!(err instanceof ApiError)) {
    return t('errors.network')
  }
  if ((KNOWN_CODES as readonly string[]).includes(err.code)) {
    const text = t(`errors.${err.code}`, { field: err.field ?? '', line: err.line ?? '' })
    // The plan reader's "plan.toml:45: reason": the line is shown apart, so only the reason here.
    if ((err.code === 'plan_invalid' || err.code === 'invalid_plan' || err.code === 'invalid_scenario') && err.message) {
      return `${text}: ${err.message.replace(/^[^\s:]*:\d+:\s*/, '')}`
    }
    return text
  }
  if (LIMIT_KEYS[err.code]) return t(LIMIT_KEYS[err.code], LIMIT_WORDS)
  if (err.code.startsWith('invalid_')) {
    const field = err.field ?? err.code.slice('invalid_'.length)
    return t('errors.invalid_field', { field: t(`fields.${field}`) === `fields.${field}` ? field : t(`fields.${field}`) })
  }
  return err.message || t('errors.unknown')
}

// The line a plan error points at: the `line` field when the server sends one, else the
// "<source>:<line>: reason" form of the plan reader's message.
export function planErrorLine(err: ApiError): number | null {
  if (typeof err.line === 'number' && err.line > 0) return err.line
  const m = /(?:^|:)(\d+):\s/.exec(err.message) ?? /\bline (\d+)/i.exec(err.message)
  return m ? Number(m[1]) : null
}
