import { z } from 'zod';
import { AppError } from '../../lib/errors.ts';
import { hostAllowed, type Merchant } from '../../domain/merchant.ts';
import { isIpLiteral, isPublicAddress } from '../../net/ip.ts';
import { outTradeNoSchema } from '../../wechatpay/h5.ts';

/**
 * The body of `POST /v1/payments`, shared by the service and the OpenAPI document. Shape rules live in
 * zod; the two rules that depend on the merchant or on address classes (redirect_url on an H5 domain,
 * a public payer IP) are checked after parsing so they get their own stable codes.
 */
export const MIN_EXPIRES_IN_SECONDS = 60;
export const MAX_EXPIRES_IN_SECONDS = 7 * 24 * 3600;
export const DEFAULT_EXPIRES_IN_SECONDS = 2 * 3600;

export const createPaymentSchema = z.strictObject({
  amount: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).describe('Amount in fen (分), an integer ≥ 1'),
  description: z.string().min(1).max(127).describe('Goods description shown to the payer (1–127 characters)'),
  out_trade_no: outTradeNoSchema.optional().describe('Your order number (6–32 of 0-9 A-Z a-z _ - | *); generated when absent'),
  payer_client_ip: z.string().min(2).max(45).describe("The payer's public IP address (IPv4 or IPv6)"),
  h5_type: z.enum(['Wap', 'iOS', 'Android']).default('Wap'),
  redirect_url: z.string().max(512).optional().describe('Where the cashier sends the payer back; https on one of your H5 domains'),
  attach: z.string().max(128).optional().describe('Returned as-is in queries and notifications'),
  expires_in_seconds: z.number().int().min(MIN_EXPIRES_IN_SECONDS).max(MAX_EXPIRES_IN_SECONDS).default(DEFAULT_EXPIRES_IN_SECONDS),
  metadata: z
    .record(z.string().min(1).max(40), z.string().max(500))
    .refine((m) => Object.keys(m).length <= 20, 'at most 20 keys')
    .default({}),
  device_id: z.string().min(1).max(32).optional().describe("The payer's device id as your app knows it (≤ 32 characters); sent to WeChat as scene_info.device_id and used by risk control"),
  user_agent: z.string().max(512).optional().describe("The payer's browser User-Agent, for risk control"),
});

export type CreatePaymentInput = z.input<typeof createPaymentSchema>;
export type CreatePaymentParams = z.output<typeof createPaymentSchema>;

export function invalidRequest(err: z.ZodError): AppError {
  return new AppError('invalid_input', 'invalid_request', 'The request is invalid.', {
    issues: err.issues.map((i) => ({ field: `/${i.path.map(String).join('/')}`, message: i.message, code: i.code })),
  });
}

export function parseCreatePayment(input: unknown, merchant: Merchant, mode: 'sandbox' | 'live'): CreatePaymentParams {
  const r = createPaymentSchema.safeParse(input);
  if (!r.success) throw invalidRequest(r.error);
  const p = r.data;
  // WeChat's cashier fails for a loopback or private IP (and risk control needs the real one).
  if (!isIpLiteral(p.payer_client_ip) || !isPublicAddress(p.payer_client_ip)) {
    throw new AppError('invalid_input', 'payer_client_ip_not_public', 'payer_client_ip must be the payer’s public IP address.', { field: '/payer_client_ip' });
  }
  if (p.redirect_url !== undefined && !redirectAllowed(p.redirect_url, merchant, mode)) {
    throw new AppError('invalid_input', 'redirect_url_not_allowed', 'redirect_url must be https on one of the merchant’s H5 payment domains.', {
      field: '/redirect_url',
    });
  }
  return p;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * WeChat's cashier only returns to a host registered as an H5 domain, and only the exact host. The
 * sandbox serves its shop on http://127.0.0.1, so in sandbox mode http is allowed for loopback hosts
 * that the merchant lists.
 */
export function redirectAllowed(raw: string, merchant: Merchant, mode: 'sandbox' | 'live'): boolean {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  const host = u.hostname.toLowerCase();
  if (!hostAllowed(host, merchant.h5Domains)) return false;
  if (u.protocol === 'https:') return true;
  return u.protocol === 'http:' && mode === 'sandbox' && merchant.mode === 'sandbox' && LOOPBACK_HOSTS.has(host);
}

/** The fields that make two requests "the same order" (WeChat compares them on re-entry too). */
export function sameOrder(
  a: { amount: number; description: string; payer_client_ip: string; h5_type: string | null; redirect_url: string | null; attach: string | null; metadata: Record<string, string> },
  b: CreatePaymentParams,
): boolean {
  const metaA = JSON.stringify(Object.entries(a.metadata).sort());
  const metaB = JSON.stringify(Object.entries(b.metadata).sort());
  return (
    Number(a.amount) === b.amount &&
    a.description === b.description &&
    a.payer_client_ip === b.payer_client_ip &&
    (a.h5_type ?? 'Wap') === b.h5_type &&
    a.redirect_url === (b.redirect_url ?? null) &&
    a.attach === (b.attach ?? null) &&
    metaA === metaB
  );
}
