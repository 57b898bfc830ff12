import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { fenToYuan } from '../lib/money.ts';
import type { SimContext } from './context.ts';
import { payableUntil, payOrder } from './payments.ts';
import { rawBody } from './route-helpers.ts';
import { H5_URL_TTL_MS } from './routes/transactions.ts';
import { SimError } from './sim-error.ts';
import type { SimOrder, SimPrepay } from './state.ts';

/** WeChat's own cashier messages (spec §4.4), shown verbatim so merchants learn to recognise them. */
export const CASHIER_MESSAGES = {
  noReferer: '商家参数格式有误，请联系商家解决',
  domainMismatch: '商家存在未配置的参数，请联系商家解决',
  expired: '支付请求已失效，请重新发起支付',
  insideWechat: '请在微信外打开订单，进行支付',
  badPayerIp: '由于商家传入的H5交易参数有误，该笔交易暂时无法完成，请返回商家重新发起支付',
  paid: '该订单已支付',
  closed: '该订单已关闭',
  orderExpired: '该订单已失效',
  unknown: '商家参数格式有误，请联系商家解决',
} as const;

const STYLE = `body{margin:0;font-family:-apple-system,"PingFang SC","Helvetica Neue",sans-serif;background:#ededed;color:#111}
main{max-width:480px;margin:0 auto;padding:48px 24px;text-align:center}
.brand{color:#07c160;font-weight:600;margin-bottom:32px}.desc{font-size:15px;color:#555}
.amount{font-size:40px;font-weight:600;margin:12px 0 40px}.msg{font-size:17px;margin:64px 0 24px}
button{width:100%;padding:14px;border:0;border-radius:8px;background:#07c160;color:#fff;font-size:17px}
.sub{font-size:12px;color:#999;margin-top:24px}`;
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(reply: FastifyReply, status: number, title: string, inner: string): FastifyReply {
  // No scripts at all; the only style is the hashed block, so a strict CSP holds.
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('content-security-policy', `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'none'`)
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main><div class="brand">微信支付（模拟）</div>${inner}<p class="sub">Anfu 本地模拟收银台 · 不会产生真实交易</p></main></body></html>`,
    );
}

function messagePage(reply: FastifyReply, message: string): FastifyReply {
  return page(reply, 200, '微信支付', `<p class="msg" data-error>${escapeHtml(message)}</p>`);
}

/** The host of a URL when it is exactly one of the configured H5 domains. */
function onH5Domain(ctx: SimContext, url: string | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'http:' || u.protocol === 'https:') && ctx.merchant.json.h5_domains.includes(u.hostname);
  } catch {
    return false;
  }
}

type Check = { ok: true; prepay: SimPrepay; order: SimOrder; returnTo: string } | { ok: false; message: string };

/** The checks of WeChat's cashier, in the order a user meets them. */
function check(ctx: SimContext, q: Record<string, string | undefined>, referer: string | undefined, userAgent: string): Check {
  if (/MicroMessenger/i.test(userAgent)) return { ok: false, message: CASHIER_MESSAGES.insideWechat };
  const prepay = q.prepay_id ? ctx.state.prepay(q.prepay_id) : undefined;
  if (!prepay || prepay.package !== q.package) return { ok: false, message: CASHIER_MESSAGES.unknown };
  if (!referer) return { ok: false, message: CASHIER_MESSAGES.noReferer };
  if (!onH5Domain(ctx, referer)) return { ok: false, message: CASHIER_MESSAGES.domainMismatch };
  if (q.redirect_url !== undefined && !onH5Domain(ctx, q.redirect_url)) return { ok: false, message: CASHIER_MESSAGES.domainMismatch };
  const order = ctx.state.order(prepay.out_trade_no)!;
  if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') return { ok: false, message: CASHIER_MESSAGES.paid };
  if (order.trade_state === 'CLOSED') return { ok: false, message: CASHIER_MESSAGES.closed };
  const now = ctx.clock.now();
  if (now - prepay.issued_at > H5_URL_TTL_MS) return { ok: false, message: CASHIER_MESSAGES.expired };
  if (now > payableUntil(order)) return { ok: false, message: CASHIER_MESSAGES.orderExpired };
  if (order.scene_info.payer_client_ip === '127.0.0.1') return { ok: false, message: CASHIER_MESSAGES.badPayerIp };
  return { ok: true, prepay, order, returnTo: q.redirect_url ?? referer };
}

export function registerCashierRoutes(app: FastifyInstance, ctx: SimContext): void {
  app.get<{ Querystring: Record<string, string | undefined> }>('/pay/checkmweb', async (req, reply) => {
    const c = check(ctx, req.query, req.headers.referer, req.headers['user-agent'] ?? '');
    if (!c.ok) return messagePage(reply, c.message);
    const hidden = (name: string, value: string): string => `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
    return page(
      reply,
      200,
      '微信支付',
      `<p class="desc">${escapeHtml(c.order.description)}</p><p class="amount">￥${fenToYuan(c.order.amount.total)}</p>` +
        `<form method="post" action="/pay/checkmweb/confirm">${hidden('prepay_id', c.prepay.prepay_id)}${hidden('package', c.prepay.package)}${hidden('return_to', c.returnTo)}<button type="submit">确认支付</button></form>`,
    );
  });

  app.post('/pay/checkmweb/confirm', async (req, reply) => {
    const form = new URLSearchParams(rawBody(req).toString('utf8'));
    const returnTo = form.get('return_to') ?? undefined;
    // The form's own Referer is this page, so the merchant page travels in a field and is re-checked.
    const c = check(ctx, { prepay_id: form.get('prepay_id') ?? undefined, package: form.get('package') ?? undefined }, returnTo, req.headers['user-agent'] ?? '');
    if (!c.ok) return messagePage(reply, c.message);
    try {
      payOrder(ctx, c.order);
    } catch (e) {
      if (e instanceof SimError) return messagePage(reply, e.message);
      throw e;
    }
    return reply.code(303).header('location', c.returnTo).send();
  });
}
