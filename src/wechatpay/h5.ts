import { z } from 'zod';
import type { WechatPayClient } from './client.ts';
import { checkInput } from './request-input.ts';
import { isRfc3339 } from '../lib/calendar.ts';

/** `out_trade_no`: 6–32 of [0-9A-Za-z_-|*] (spec §4.1; the 2025 charset). */
export const outTradeNoSchema = z.string().regex(/^[0-9A-Za-z_\-|*]{6,32}$/, 'must be 6-32 characters of 0-9 A-Z a-z _ - | *');

/** notify_url: absolute https, no query, ≤ 255 (spec §3.5). */
export const notifyUrlSchema = z
  .string()
  .max(255)
  .refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'https:' && u.search === '' && !s.includes('?') && u.hash === '';
    } catch {
      return false;
    }
  }, 'must be an absolute https URL without a query');

/** The H5 order body (spec §4.1), WeChat's field names verbatim. Optional fields are omitted, never null. */
export const h5OrderRequestSchema = z.strictObject({
  appid: z.string().min(1).max(32),
  mchid: z.string().min(1).max(32),
  description: z.string().min(1).max(127),
  out_trade_no: outTradeNoSchema,
  time_expire: z.string().refine(isRfc3339, 'must be an RFC 3339 date-time that exists (e.g. 2018-06-08T10:34:56+08:00)').optional(),
  attach: z.string().max(128).optional(),
  notify_url: notifyUrlSchema,
  goods_tag: z.string().max(32).optional(),
  support_fapiao: z.boolean().optional(),
  amount: z.strictObject({ total: z.number().int().min(1), currency: z.literal('CNY').optional() }),
  detail: z.looseObject({}).optional(),
  scene_info: z.strictObject({
    payer_client_ip: z.string().min(1).max(45),
    device_id: z.string().max(32).optional(),
    store_info: z.looseObject({}).optional(),
    h5_info: z.strictObject({
      type: z.enum(['Wap', 'iOS', 'Android']),
      app_name: z.string().max(64).optional(),
      app_url: z.string().max(128).optional(),
      bundle_id: z.string().max(128).optional(),
      package_name: z.string().max(128).optional(),
    }),
  }),
  settle_info: z.strictObject({ profit_sharing: z.boolean().optional() }).optional(),
});

export type H5OrderRequest = z.infer<typeof h5OrderRequestSchema>;
/** appid and mchid default to the client's own. */
export type H5OrderInput = Omit<H5OrderRequest, 'appid' | 'mchid'> & { appid?: string; mchid?: string };

export const h5OrderResponseSchema = z.looseObject({ h5_url: z.url().max(512) });
export type H5OrderResponse = z.infer<typeof h5OrderResponseSchema>;

/** `POST /v3/pay/transactions/h5` → `{h5_url}`, valid 5 minutes; re-call with identical fields for a fresh one. */
export async function createH5Order(client: WechatPayClient, input: H5OrderInput): Promise<H5OrderResponse> {
  const body = checkInput(h5OrderRequestSchema, { ...input, appid: input.appid ?? client.appid, mchid: input.mchid ?? client.mchid });
  return client.json({ method: 'POST', path: '/v3/pay/transactions/h5', body }, h5OrderResponseSchema);
}
