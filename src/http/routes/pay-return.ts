import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { PaymentStatus } from '../../db/schema.ts';
import type { ServiceContext } from '../../services/context.ts';
import { confirmPaymentForPayer, findPaymentForPayer, type PayerPagesOptions } from '../../services/payer-pages.ts';
import { registerStaticAssets } from '../static/static-assets.ts';
import { errorBody } from '../error-mapper.ts';
import { addFormBodyParser } from '../static/form-body.ts';
import { esc, langOf, sendPage, t, withLang, type Lang, type Text } from '../static/page.ts';

/**
 * The hosted return page `/pay/return/{id}`: where WeChat's cashier sends the payer back (the
 * `redirect_url`). Arriving here proves nothing (spec §4.3), so the page polls a public status endpoint
 * that returns the status only — no amount, description or payer data — and offers "确认支付情况",
 * which makes the gateway query WeChat. Payment ids carry 128 random bits, so they cannot be guessed.
 */
export interface PayReturnDeps {
  /** The payment's status and where a payer may start again, or undefined when there is no such payment. */
  findPayment(id: string): Promise<{ status: PaymentStatus; retryUrl: string | null } | undefined>;
  /** Asks WeChat for the order's state now and records it (the active query). */
  confirm(id: string): Promise<void>;
  /** Minimum time between two confirmations of one payment (protects WeChat's rate limit). */
  confirmIntervalMs?: number;
  now?: () => number;
}

const paramsSchema = z.object({ id: z.string().regex(/^[a-z]{2,8}_[A-Za-z0-9]{16,40}$/) });

type View = 'paid' | 'confirming' | 'closed' | 'in-wechat';

export function viewOf(status: PaymentStatus): Exclude<View, 'in-wechat'> {
  if (status === 'succeeded' || status === 'partially_refunded' || status === 'refunded') return 'paid';
  if (status === 'closed' || status === 'failed') return 'closed';
  return 'confirming';
}

/** WeChat's in-app browser: H5 pay refuses to run there (请在微信外打开订单), so we say so up front. */
export function isWechatBrowser(userAgent: string | undefined): boolean {
  return /MicroMessenger/i.test(userAgent ?? '');
}

const TEXT: Record<string, Text> = {
  title: { 'zh-CN': '支付结果', en: 'Payment result' },
  paidTitle: { 'zh-CN': '支付成功', en: 'Payment successful' },
  paidBody: { 'zh-CN': '商家已收到您的付款，可以关闭本页面。', en: 'The merchant has received your payment. You can close this page.' },
  confirmingTitle: { 'zh-CN': '确认支付情况', en: 'Confirming your payment' },
  confirmingBody: {
    'zh-CN': '正在向微信支付确认结果，请稍候。如果您已完成支付，请点击下方按钮。',
    en: 'We are checking the result with WeChat Pay. If you have paid, tap the button below.',
  },
  confirmButton: { 'zh-CN': '我已完成支付', en: 'I have paid' },
  closedTitle: { 'zh-CN': '订单已关闭', en: 'This order is closed' },
  closedBody: { 'zh-CN': '订单已过期或已取消，未扣款。您可以重新下单。', en: 'The order expired or was cancelled; you were not charged. You can order again.' },
  retry: { 'zh-CN': '重新下单', en: 'Order again' },
  wechatTitle: { 'zh-CN': '请在手机浏览器中打开', en: 'Please open this page in your phone’s browser' },
  wechatBody: {
    'zh-CN': '微信内无法使用 H5 支付。请点击右上角「…」，选择「在浏览器打开」，或复制下面的链接到浏览器。',
    en: 'H5 pay does not work inside WeChat. Tap “…” at the top right and choose “Open in Browser”, or copy the link below into your browser.',
  },
  notFound: { 'zh-CN': '找不到这笔支付', en: 'Payment not found' },
  notFoundBody: { 'zh-CN': '链接可能不完整，请返回商家页面。', en: 'The link may be incomplete. Please go back to the merchant.' },
};

function block(lang: Lang, view: View, shown: View, icon: string, iconClass: string, title: Text, body: string): string {
  return `<section class="state" data-for="${view}"${view === shown ? '' : ' hidden'}><div class="icon ${iconClass}" aria-hidden="true">${icon}</div><h2>${esc(t(lang, title))}</h2>${body}</section>`;
}

function renderReturn(lang: Lang, id: string, shown: View, retryUrl: string | null, pageUrl: string): string {
  const p = (x: Text): string => `<p>${esc(t(lang, x))}</p>`;
  const confirmForm = `<form method="post" action="${esc(withLang(`/pay/return/${id}/confirm`, lang))}"><button class="btn" type="submit">${esc(t(lang, TEXT.confirmButton!))}</button></form>`;
  const retry = retryUrl ? `<a class="btn secondary" href="${esc(retryUrl)}">${esc(t(lang, TEXT.retry!))}</a>` : '';
  return (
    `<div class="card" id="return" data-state="${shown}" data-status-url="/pay/return/${esc(id)}/status">` +
    block(lang, 'paid', shown, '✓', 'ok', TEXT.paidTitle!, p(TEXT.paidBody!)) +
    block(lang, 'confirming', shown, '…', 'wait', TEXT.confirmingTitle!, p(TEXT.confirmingBody!) + confirmForm) +
    block(lang, 'closed', shown, '×', 'bad', TEXT.closedTitle!, p(TEXT.closedBody!) + retry) +
    block(lang, 'in-wechat', shown, 'i', 'info', TEXT.wechatTitle!, p(TEXT.wechatBody!) + `<p class="copy">${esc(pageUrl)}</p>`) +
    `</div>`
  );
}

function notFoundPage(req: FastifyRequest, reply: FastifyReply, lang: Lang): FastifyReply {
  const body = `<div class="card state"><div class="icon bad" aria-hidden="true">?</div><h2>${esc(t(lang, TEXT.notFound!))}</h2><p>${esc(t(lang, TEXT.notFoundBody!))}</p></div>`;
  return sendPage(reply, { lang, title: t(lang, TEXT.notFound!), path: req.url.split('?')[0]!, body, status: 404 });
}

export function registerPayReturnRoutes(root: FastifyInstance, deps: PayReturnDeps): void {
  // Its own plugin scope: the confirm button posts an HTML form, a body type only these routes accept.
  void root.register(async (app) => {
    addFormBodyParser(app);
    routes(app, deps);
  });
}

function routes(app: FastifyInstance, deps: PayReturnDeps): void {
  const interval = deps.confirmIntervalMs ?? 5000;
  const now = deps.now ?? Date.now;
  const lastConfirm = new Map<string, number>();

  app.get('/pay/return/:id', async (req, reply) => {
    const lang = langOf(req);
    const params = paramsSchema.safeParse(req.params);
    if (!params.success) return notFoundPage(req, reply, lang);
    const id = params.data.id;
    const payment = await deps.findPayment(id);
    if (!payment) return notFoundPage(req, reply, lang);
    let shown: View = viewOf(payment.status);
    if (shown !== 'paid' && isWechatBrowser(req.headers['user-agent'])) shown = 'in-wechat';
    const pageUrl = `${req.protocol}://${req.host}/pay/return/${id}`;
    return sendPage(reply, {
      lang,
      title: t(lang, TEXT.title!),
      path: `/pay/return/${id}`,
      body: renderReturn(lang, id, shown, payment.retryUrl, pageUrl),
      scripts: ['pay-return.js'],
    });
  });

  app.get('/pay/return/:id/status', async (req, reply) => {
    const params = paramsSchema.safeParse(req.params);
    const payment = params.success ? await deps.findPayment(params.data.id) : undefined;
    reply.header('cache-control', 'no-store');
    if (!payment) return reply.status(404).send(errorBody('payment_not_found', 'No such payment.', String(req.id)));
    return { status: payment.status };
  });

  app.post('/pay/return/:id/confirm', async (req, reply) => {
    const lang = langOf(req);
    const params = paramsSchema.safeParse(req.params);
    if (!params.success) return notFoundPage(req, reply, lang);
    const id = params.data.id;
    const payment = await deps.findPayment(id);
    if (!payment) return notFoundPage(req, reply, lang);
    // Only unfinished payments are worth a query, and at most one per interval per payment.
    const last = lastConfirm.get(id) ?? 0;
    if (viewOf(payment.status) === 'confirming' && now() - last >= interval) {
      lastConfirm.set(id, now());
      if (lastConfirm.size > 10_000) lastConfirm.delete(lastConfirm.keys().next().value as string);
      try {
        await deps.confirm(id);
      } catch (e) {
        // The page then still says "confirming" and keeps polling; the query is retried by the workers.
        req.log.warn({ err: e, payment_id: id }, 'confirm query failed');
      }
    }
    return reply.status(303).header('location', withLang(`/pay/return/${id}`, lang)).send();
  });
}

/** The return page wired to the services, with the static files it loads. */
export function registerPayerPages(app: FastifyInstance, ctx: ServiceContext, opts: PayerPagesOptions = {}): void {
  registerStaticAssets(app);
  registerPayReturnRoutes(app, {
    findPayment: (id) => findPaymentForPayer(ctx, id, opts),
    confirm: (id) => confirmPaymentForPayer(ctx, id),
    now: () => ctx.clock.now(),
  });
}
