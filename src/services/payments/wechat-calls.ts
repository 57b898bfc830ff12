import { z } from 'zod';
import type { WechatPayClient } from '../../wechatpay/client.ts';
import { createH5Order, h5OrderRequestSchema, h5OrderResponseSchema, type H5OrderRequest, type H5OrderResponse } from '../../wechatpay/h5.ts';
import { createRefund, refundRequestSchema, type RefundRequest } from '../../wechatpay/refunds.ts';
import { refundSchema, type Refund } from '../../wechatpay/refund-schema.ts';
import { checkInput } from '../../wechatpay/request-input.ts';
import type { ServiceContext } from '../context.ts';

/**
 * The notify_url given to WeChat, and the two calls that carry it. WeChat demands an https notify_url;
 * the local sandbox runs on http://127.0.0.1, which the simulator accepts, so in sandbox mode an http
 * URL is sent through the client's raw JSON call after the same field checks with that one rule relaxed.
 */
export function notifyUrlFor(ctx: Pick<ServiceContext, 'publicUrl'>, merchantId: string): string {
  return `${ctx.publicUrl}/wechatpay/notify/${merchantId}`;
}

const isHttps = (u: string): boolean => u.startsWith('https://');
const sandboxNotifyUrl = z.url({ protocol: /^https?$/ }).max(255);
// Built once: zod compiles a schema on first use, so extending it per call would compile per order.
const sandboxH5OrderSchema = h5OrderRequestSchema.extend({ notify_url: sandboxNotifyUrl });

export async function sendH5Order(ctx: Pick<ServiceContext, 'mode'>, client: WechatPayClient, body: Omit<H5OrderRequest, 'appid' | 'mchid'>): Promise<H5OrderResponse> {
  if (isHttps(body.notify_url) || ctx.mode === 'live') return createH5Order(client, body);
  const checked = checkInput(sandboxH5OrderSchema, { ...body, appid: client.appid, mchid: client.mchid });
  return client.json({ method: 'POST', path: '/v3/pay/transactions/h5', body: checked }, h5OrderResponseSchema);
}

export async function sendRefund(ctx: Pick<ServiceContext, 'mode'>, client: WechatPayClient, body: RefundRequest): Promise<Refund> {
  if (!body.notify_url || isHttps(body.notify_url) || ctx.mode === 'live') return createRefund(client, body);
  checkInput(refundRequestSchema, { ...body, notify_url: undefined });
  checkInput(sandboxNotifyUrl, body.notify_url);
  return client.json({ method: 'POST', path: '/v3/refund/domestic/refunds', body }, refundSchema);
}
