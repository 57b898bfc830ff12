import { isIP } from 'node:net';
import { z } from 'zod';
import { isRfc3339 } from '../lib/calendar.ts';

/**
 * The H5 order body (spec §4.1). Objects are strict: WeChat rejects undeclared fields.
 * Lengths are counted in characters, as WeChat's field tables state them.
 */
const chars = (max: number, min = 1) =>
  z.string().refine((s) => [...s].length >= min && [...s].length <= max, { message: `长度应为${min}到${max}个字符` });

export const OUT_TRADE_NO = /^[0-9A-Za-z_\-|*]{6,32}$/;
export function notifyUrlSchema(allowHttp: boolean, max = 255) {
  return z.string().superRefine((s, ctx) => {
    if (s.length < 1 || s.length > max) {
      ctx.addIssue({ code: 'custom', message: `notify_url长度应为1到${max}个字符` });
      return;
    }
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'notify_url不是合法的URL' });
      return;
    }
    const okScheme = u.protocol === 'https:' || (allowHttp && u.protocol === 'http:');
    if (!okScheme) ctx.addIssue({ code: 'custom', message: 'notify_url必须以https://开头' });
    else if (s.includes('?')) ctx.addIssue({ code: 'custom', message: 'notify_url不能携带查询参数' });
  });
}

export const rfc3339Schema = z.string().refine((s) => isRfc3339(s) && !Number.isNaN(Date.parse(s)), {
  message: '时间格式应为RFC 3339，例如2018-06-08T10:34:56+08:00',
});

export function h5OrderSchema(opts: { allowHttpNotifyUrl: boolean }) {
  return z.strictObject({
    appid: chars(32),
    mchid: chars(32),
    description: chars(127),
    out_trade_no: z.string().regex(OUT_TRADE_NO, { message: '商户订单号应为6到32位数字、大小写字母或_-|*' }),
    time_expire: rfc3339Schema.optional(),
    attach: chars(128).optional(),
    notify_url: notifyUrlSchema(opts.allowHttpNotifyUrl),
    goods_tag: chars(32).optional(),
    support_fapiao: z.boolean().optional(),
    amount: z.strictObject({
      total: z.number().int({ message: '订单金额必须是整数（单位：分）' }).min(1, { message: '订单金额必须大于0' }).max(1e11),
      currency: z.literal('CNY', { message: '境内商户仅支持人民币CNY' }).optional(),
    }),
    detail: z
      .strictObject({
        cost_price: z.number().int().min(0).optional(),
        invoice_id: chars(32).optional(),
        goods_detail: z
          .array(
            z.strictObject({
              merchant_goods_id: chars(32),
              wechatpay_goods_id: chars(32).optional(),
              goods_name: chars(256).optional(),
              quantity: z.number().int().min(1),
              unit_price: z.number().int().min(0),
            }),
          )
          .optional(),
      })
      .optional(),
    scene_info: z.strictObject({
      payer_client_ip: z.string().refine((s) => s.length <= 45 && isIP(s) !== 0, { message: '用户终端IP应为合法的IPv4或IPv6地址' }),
      device_id: chars(32).optional(),
      store_info: z
        .strictObject({ id: chars(32), name: chars(256).optional(), area_code: chars(32).optional(), address: chars(512).optional() })
        .optional(),
      h5_info: z.strictObject({
        type: z.enum(['Wap', 'iOS', 'Android'], { message: '场景类型应为Wap、iOS或Android' }),
        app_name: chars(64).optional(),
        app_url: chars(128).optional(),
        bundle_id: chars(128).optional(),
        package_name: chars(128).optional(),
      }),
    }),
    settle_info: z.strictObject({ profit_sharing: z.boolean().optional() }).optional(),
  });
}

export type H5OrderRequest = z.infer<ReturnType<typeof h5OrderSchema>>;

/** Key-sorted JSON: two requests with the same fields in another order are the same request. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}
