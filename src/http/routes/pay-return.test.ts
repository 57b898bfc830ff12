import { describe, expect, it } from 'vitest';
import type { PaymentStatus } from '../../db/schema.ts';
import { createLogger } from '../../lib/logger.ts';
import { buildHttpServer } from '../server.ts';
import { registerStaticAssets } from '../static/static-assets.ts';
import { registerPayReturnRoutes, viewOf } from './pay-return.ts';

const ID = 'pay_AbCdEfGhIjKlMnOpQrStUv';

function server(status: PaymentStatus | undefined, opts: { retryUrl?: string | null; confirm?: () => Promise<void>; now?: () => number } = {}) {
  const app = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
  const confirmed: string[] = [];
  registerStaticAssets(app);
  registerPayReturnRoutes(app, {
    findPayment: async (id) => (id === ID && status ? { status, retryUrl: opts.retryUrl ?? null } : undefined),
    confirm: async (id) => {
      confirmed.push(id);
      await opts.confirm?.();
    },
    ...(opts.now ? { now: opts.now } : {}),
  });
  return { app, confirmed };
}

describe('hosted return page', () => {
  it('maps every payment status to paid, confirming or closed', () => {
    expect(viewOf('succeeded')).toBe('paid');
    expect(viewOf('partially_refunded')).toBe('paid');
    expect(viewOf('refunded')).toBe('paid');
    expect(viewOf('created')).toBe('confirming');
    expect(viewOf('pending')).toBe('confirming');
    expect(viewOf('closed')).toBe('closed');
    expect(viewOf('failed')).toBe('closed');
  });

  it('says 支付成功 in Chinese and "Payment successful" in English', async () => {
    const { app } = server('succeeded');
    const zh = await app.inject({ url: `/pay/return/${ID}`, headers: { 'accept-language': 'zh-CN,zh;q=0.9' } });
    expect(zh.statusCode).toBe(200);
    expect(zh.body).toMatch(/<html lang="zh-CN">/);
    expect(zh.body).toMatch(/data-for="paid"><div[^>]*>✓<\/div><h2>支付成功/);
    const en = await app.inject({ url: `/pay/return/${ID}?lang=en` });
    expect(en.body).toMatch(/data-for="paid"><div[^>]*>✓<\/div><h2>Payment successful/);
  });

  it('shows a pending payment as 确认支付情况 with a confirm button, and a closed one with a retry link', async () => {
    const pending = await server('pending').app.inject({ url: `/pay/return/${ID}?lang=zh-CN` });
    expect(pending.body).toContain('data-state="confirming"');
    expect(pending.body).toContain(`action="/pay/return/${ID}/confirm?lang=zh-CN"`);
    const closed = await server('closed', { retryUrl: 'https://shop.example.com/' }).app.inject({ url: `/pay/return/${ID}?lang=en` });
    expect(closed.body).toContain('data-state="closed"');
    expect(closed.body).toContain('href="https://shop.example.com/"');
  });

  it('tells a payer inside WeChat to open a phone browser, unless already paid', async () => {
    const ua = { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.49' };
    const pending = await server('pending').app.inject({ url: `/pay/return/${ID}`, headers: ua });
    expect(pending.body).toContain('data-state="in-wechat"');
    expect(pending.body).toContain('请在手机浏览器中打开');
    const paid = await server('succeeded').app.inject({ url: `/pay/return/${ID}`, headers: ua });
    expect(paid.body).toContain('data-state="paid"');
  });

  it('answers the status endpoint with the status alone and 404 for unknown or malformed ids', async () => {
    const { app } = server('pending');
    const ok = await app.inject({ url: `/pay/return/${ID}/status` });
    expect(ok.json()).toEqual({ status: 'pending' });
    expect(ok.headers['cache-control']).toBe('no-store');
    expect((await app.inject({ url: '/pay/return/pay_ZZZZZZZZZZZZZZZZZZZZZZ/status' })).statusCode).toBe(404);
    expect((await app.inject({ url: "/pay/return/'%3Cscript%3E/status" })).statusCode).toBe(404);
    expect((await app.inject({ url: '/pay/return/..%2F..%2Fetc/status' })).statusCode).toBe(404);
  });

  it('loads its behaviour from a served script, never inline, under the CSP', async () => {
    const { app } = server('pending');
    const page = await app.inject({ url: `/pay/return/${ID}` });
    expect(page.body).not.toMatch(/<script>|<style>|style="|onclick=/);
    const src = /<script src="([^"]+)"/.exec(page.body)?.[1];
    const js = await app.inject({ url: src! });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toContain('text/javascript');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('queries WeChat on "I have paid" at most once per interval, then returns to the page', async () => {
    let t = 1_000_000;
    const { app, confirmed } = server('pending', { now: () => t });
    const post = () => app.inject({ method: 'POST', url: `/pay/return/${ID}/confirm?lang=en`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: '' });
    const first = await post();
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(`/pay/return/${ID}?lang=en`);
    await post();
    expect(confirmed).toEqual([ID]);
    t += 5000;
    await post();
    expect(confirmed).toEqual([ID, ID]);
  });

  it('does not query a payment that is already final, and survives a failing query', async () => {
    const paid = server('succeeded');
    await paid.app.inject({ method: 'POST', url: `/pay/return/${ID}/confirm` });
    expect(paid.confirmed).toEqual([]);
    const failing = server('pending', { confirm: async () => Promise.reject(new Error('SYSTEM_ERROR')) });
    const res = await failing.app.inject({ method: 'POST', url: `/pay/return/${ID}/confirm` });
    expect(res.statusCode).toBe(303);
  });
});
