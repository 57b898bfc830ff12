import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { isPublicAddress } from '../../net/ip.ts';
import { addFormBodyParser } from '../static/form-body.ts';
import { esc, langOf, sendPage, t, withLang, type Lang, type Text } from '../static/page.ts';

/**
 * The sandbox's demo shop (`/demo`): a product and a buy button. Buying creates the order on the server
 * through the merchant API, then answers with a small page on the gateway's own origin that navigates to
 * WeChat's `h5_url`, so the browser sends a Referer on an H5 domain (a server 302 may drop it, and the
 * cashier then shows 商家参数格式有误, spec §4.4). Registered only in sandbox mode.
 */
export interface DemoPaymentRequest {
  amountFen: number;
  description: string;
  payerClientIp: string;
  idempotencyKey: string;
}

export type DemoPaymentResult = { ok: true; id: string; h5Url: string } | { ok: false; status: number; code: string; message: string };

export interface DemoShopDeps {
  createPayment(req: DemoPaymentRequest): Promise<DemoPaymentResult>;
  /** Absolute URL of the hosted return page for a payment. */
  returnUrl(paymentId: string): string;
}

/**
 * WeChat's cashier refuses 127.0.0.1 as the payer's IP (由于商家传入的H5交易参数有误). A payer on loopback
 * is the developer's own browser, so the demo sends the public example address from WeChat's H5 docs.
 */
export const DEMO_PAYER_IP = '14.23.150.211';

export const DEMO_PRODUCT = {
  amountFen: 3800,
  name: { 'zh-CN': '云南手冲咖啡豆 250g', en: 'Yunnan pour-over coffee beans, 250 g' } satisfies Text,
  blurb: { 'zh-CN': '中度烘焙 · 坚果与焦糖风味 · 沙盒演示商品，不会真实扣款', en: 'Medium roast · nutty, caramel notes · a sandbox item: no real money moves' } satisfies Text,
};

const TEXT: Record<string, Text> = {
  shop: { 'zh-CN': '安付示例商店', en: 'Anfu demo shop' },
  buy: { 'zh-CN': '微信支付', en: 'Pay with WeChat Pay' },
  note: {
    'zh-CN': '点击后将在服务器端创建订单，并跳转到（模拟的）微信支付收银台。',
    en: 'The order is created on the server, then you go to the (simulated) WeChat Pay cashier.',
  },
  launching: { 'zh-CN': '正在前往微信支付…', en: 'Opening WeChat Pay…' },
  launchHint: { 'zh-CN': '如果没有自动跳转，请点击下方按钮。', en: 'If nothing happens, tap the button below.' },
  continue: { 'zh-CN': '继续支付', en: 'Continue to pay' },
  failed: { 'zh-CN': '下单失败', en: 'Could not create the order' },
  back: { 'zh-CN': '返回商店', en: 'Back to the shop' },
  forbidden: { 'zh-CN': '请求来源不被允许', en: 'Request origin not allowed' },
};

function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

const buyForm = z.object({ lang: z.enum(['zh-CN', 'en']).optional() });

/** A cross-site form post must not create orders in the shop's name (WeChat's H5 security rules). */
function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.host;
  } catch {
    return false;
  }
}

function failPage(reply: FastifyReply, lang: Lang, status: number, code: string, message: string): FastifyReply {
  const body = `<div class="card error"><h1>${esc(t(lang, TEXT.failed!))}</h1><p>${esc(message)}</p><p><code>${esc(code)}</code></p><a class="btn secondary" href="${esc(withLang('/demo', lang))}">${esc(t(lang, TEXT.back!))}</a></div>`;
  return sendPage(reply, { lang, title: t(lang, TEXT.failed!), path: '/demo', body, status });
}

export function registerDemoShopRoutes(root: FastifyInstance, deps: DemoShopDeps): void {
  void root.register(async (app) => {
    addFormBodyParser(app);
    routes(app, deps);
  });
}

function routes(app: FastifyInstance, deps: DemoShopDeps): void {
  app.get('/demo', async (req, reply) => {
    const lang = langOf(req);
    const body =
      `<div class="card"><div class="product-art" aria-hidden="true">☕</div>` +
      `<h1>${esc(t(lang, DEMO_PRODUCT.name))}</h1><p class="desc">${esc(t(lang, DEMO_PRODUCT.blurb))}</p>` +
      `<p class="price"><span>￥</span>${yuan(DEMO_PRODUCT.amountFen)}</p>` +
      `<form method="post" action="/demo/buy"><input type="hidden" name="lang" value="${lang}"><button class="btn" type="submit">${esc(t(lang, TEXT.buy!))}</button></form>` +
      `<p class="note">${esc(t(lang, TEXT.note!))}</p></div>`;
    return sendPage(reply, { lang, title: t(lang, TEXT.shop!), path: '/demo', body });
  });

  app.post('/demo/buy', async (req, reply) => {
    const form = buyForm.safeParse(req.body ?? {});
    const lang: Lang = form.success && form.data.lang ? form.data.lang : langOf(req);
    if (!sameOrigin(req)) return failPage(reply, lang, 403, 'cross_origin_forbidden', t(lang, TEXT.forbidden!));
    const result = await deps.createPayment({
      amountFen: DEMO_PRODUCT.amountFen,
      description: DEMO_PRODUCT.name['zh-CN'],
      payerClientIp: isPublicAddress(req.ip) ? req.ip : DEMO_PAYER_IP,
      // One order per click; a double-submitted form simply makes a second, unpaid order.
      idempotencyKey: randomUUID(),
    });
    if (!result.ok) return failPage(reply, lang, result.status >= 500 ? 502 : result.status, result.code, result.message);
    const href = withRedirect(result.h5Url, deps.returnUrl(result.id));
    const body =
      `<div class="card state"><div class="icon wait" aria-hidden="true">…</div><h2>${esc(t(lang, TEXT.launching!))}</h2>` +
      `<p>${esc(t(lang, TEXT.launchHint!))}</p><a class="btn" id="go" href="${esc(href)}">${esc(t(lang, TEXT.continue!))}</a></div>`;
    return sendPage(reply, { lang, title: t(lang, TEXT.launching!), path: '/demo', body, scripts: ['launch.js'] });
  });
}

/** Appends `redirect_url` (url-encoded, spec §4.3) unless the gateway already put one in the h5_url. */
export function withRedirect(h5Url: string, returnUrl: string): string {
  const u = new URL(h5Url);
  if (u.searchParams.has('redirect_url')) return h5Url;
  return `${h5Url}${u.search ? '&' : '?'}redirect_url=${encodeURIComponent(returnUrl)}`;
}
