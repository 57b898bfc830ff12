import { createHash, timingSafeEqual } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { z } from 'zod';
import type { WechatPayClient } from './client.ts';
import { WechatPayResponseError } from './errors.ts';
import { checkInput } from './request-input.ts';
import { parseTradeBillCsv, type TradeBill } from './bill-csv.ts';
import { isCalendarDay } from '../lib/calendar.ts';

const gunzipAsync = promisify(gunzip);

export const tradeBillRequestSchema = z.strictObject({
  bill_date: z.string().refine(isCalendarDay, 'must be a YYYY-MM-DD day that exists'),
  bill_type: z.enum(['ALL', 'SUCCESS', 'REFUND']).optional(),
  tar_type: z.literal('GZIP').optional(),
});
export type TradeBillRequest = z.infer<typeof tradeBillRequestSchema>;

export const billInfoSchema = z.looseObject({
  hash_type: z.literal('SHA1'),
  hash_value: z.string().regex(/^[0-9a-fA-F]{40}$/),
  download_url: z.url().max(2048),
});
export type BillInfo = z.infer<typeof billInfoSchema>;

/** Bill files can be large; the JSON limit would be too small. */
const MAX_BILL_BYTES = 256 * 1024 * 1024;

/** `GET /v3/bill/tradebill?bill_date=…` → hash and a download_url valid for 30 s (spec §5.5). */
export async function getTradeBill(client: WechatPayClient, input: TradeBillRequest): Promise<BillInfo> {
  const req = checkInput(tradeBillRequestSchema, input);
  const q = new URLSearchParams({ bill_date: req.bill_date });
  if (req.bill_type) q.set('bill_type', req.bill_type);
  if (req.tar_type) q.set('tar_type', req.tar_type);
  return client.json({ method: 'GET', path: `/v3/bill/tradebill?${q.toString()}` }, billInfoSchema);
}

/**
 * Downloads the file: the request is signed, the answer is not (the one unsigned endpoint, spec §2.1),
 * so integrity rests on the SHA-1 of the decompressed CSV matching the verified `hash_value`.
 * The URL must point at one of the client's own hosts: a signed request never goes elsewhere.
 */
export async function downloadBill(client: WechatPayClient, info: BillInfo, opts: { gzip: boolean }): Promise<string> {
  const url = new URL(info.download_url);
  if (!client.origins.includes(url.origin)) {
    throw new WechatPayResponseError('bill_malformed', 'download_url points at a host other than the configured WeChat Pay hosts');
  }
  const res = await client.send({ method: 'GET', path: url.pathname + url.search, verify: false, maxResponseBytes: MAX_BILL_BYTES });
  let csv: Buffer = res.body;
  if (opts.gzip) {
    try {
      csv = await gunzipAsync(res.body, { maxOutputLength: MAX_BILL_BYTES });
    } catch {
      throw new WechatPayResponseError('bill_gzip', 'bill file is not valid gzip', res.requestId);
    }
  }
  const digest = createHash('sha1').update(csv).digest();
  const expected = Buffer.from(info.hash_value, 'hex');
  if (!timingSafeEqual(digest, expected)) {
    throw new WechatPayResponseError('bill_hash_mismatch', 'SHA-1 of the bill file does not match hash_value', res.requestId);
  }
  return csv.toString('utf8');
}

/** Asks for the bill, downloads it, checks its hash and parses it (amounts in fen). */
export async function fetchTradeBill(client: WechatPayClient, input: TradeBillRequest): Promise<TradeBill> {
  const info = await getTradeBill(client, input);
  return parseTradeBillCsv(await downloadBill(client, info, { gzip: input.tar_type === 'GZIP' }));
}
