import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { readSandboxFile, type SandboxFile } from '../../src/sandbox/sandbox-file.ts';
import { ensureSandboxAdmin } from '../../src/sandbox/sandbox-admin.ts';
import { Secret } from '../../src/lib/secret.ts';
import { totpCode } from '../../src/operators/totp.ts';
import type { ServiceContext } from '../../src/services/context.ts';

/**
 * The two-command sandbox end to end, as a developer's browser would use it: the demo shop orders on
 * the server, the launch page sends the browser to the cashier with a Referer on the gateway's origin,
 * the simulated payer pays, the cashier returns to the hosted return page, the notification reaches the
 * gateway and the signed webhook reaches the demo receiver. Then a restart on the same data dir.
 */
let dataDir: string;
let sandbox: RunningSandbox | undefined;

function start(): Promise<RunningSandbox> {
  // An empty env: the sandbox must not pick up a developer's DATABASE_URL or ports.
  const config = loadConfig({}, { dataDir, port: 0, simulatorPort: 0, simulatorTimeScale: 1000, logLevel: 'silent' });
  return startSandbox({ config });
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers, headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

function unescapeHtml(s: string): string {
  return s.replace(/&#(\d+);/g, (_m, n: string) => String.fromCharCode(Number(n))).replace(/&amp;/g, '&');
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Buys on the demo shop; returns the h5_url the launch page navigates to and the payment id. */
async function buy(gatewayUrl: string): Promise<{ h5Url: string; paymentId: string; launchPage: string }> {
  const res = await postForm(`${gatewayUrl}/demo/buy`, { lang: 'zh-CN' }, { origin: gatewayUrl });
  expect(res.status).toBe(200);
  const href = /id="go" href="([^"]+)"/.exec(res.text)?.[1];
  expect(href).toBeDefined();
  const h5Url = unescapeHtml(href!);
  const redirect = new URL(h5Url).searchParams.get('redirect_url');
  const paymentId = /\/pay\/return\/([A-Za-z0-9_]+)$/.exec(redirect ?? '')?.[1];
  expect(paymentId).toBeDefined();
  return { h5Url, paymentId: paymentId!, launchPage: res.text };
}

/** Signs in to the admin API with sandbox.json's owner, a TOTP code computed from its secret at `atMs`. */
async function consoleLogin(file: SandboxFile, atMs: number) {
  const code = await totpCode(new Secret(file.admin_totp_secret!), atMs);
  const res = await request(`${file.gateway_url}/admin/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: file.admin_email, password: file.admin_password, totp: code }),
  });
  const body = (await res.body.json()) as { role?: string; setup_required?: string[]; csrf_token?: string; error?: { code: string } };
  const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
  return { status: res.statusCode, body, cookie };
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'anfu-sandbox-'));
  sandbox = await start();
}, 120_000);

afterAll(async () => {
  await sandbox?.close();
  await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe('npm start sandbox', () => {
  it('writes sandbox.json with working URLs, paths and API key', async () => {
    const file = await readSandboxFile(dataDir);
    expect(file).toEqual(sandbox!.file);
    expect(existsSync(file!.simulator_sandbox)).toBe(true);
    expect((await get(`${file!.gateway_url}/readyz`)).status).toBe(200);
    expect((await get(file!.demo_shop_url)).status).toBe(200);
    expect(JSON.parse((await get(file!.webhook_inbox_url)).text)).toHaveProperty('data');
    const orders = await get(`${file!.simulator_url}/sim/orders`);
    expect(orders.status).toBe(200);
    const list = await get(`${file!.gateway_url}/v1/payments`, { authorization: `Bearer ${file!.merchant_api_key}` });
    expect(list.status).toBe(200);
    const unauth = await get(`${file!.gateway_url}/v1/payments`, { authorization: 'Bearer sk_test_wrong' });
    expect(unauth.status).toBe(401);
  });

  it('has a console owner from the first start: sandbox.json holds console_url, e-mail, password and TOTP secret that sign in', async () => {
    const file = sandbox!.file;
    expect(file.console_url).toBe(`${file.gateway_url}/console`);
    expect(file.admin_email).toMatch(/@/);
    expect(file.admin_password!.length).toBeGreaterThanOrEqual(12);
    expect(file.admin_totp_secret).toMatch(/^[A-Z2-7]{16,}$/);
    const noCode = await request(`${file.gateway_url}/admin/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: file.admin_email, password: file.admin_password }) });
    expect(((await noCode.body.json()) as { error: { code: string } }).error.code).toBe('totp_required');
    const login = await consoleLogin(file, Date.now());
    expect([login.status, login.body.role, login.body.setup_required]).toEqual([201, 'owner', []]);
    const dash = await get(`${file.gateway_url}/admin/api/dashboard`, { cookie: login.cookie });
    expect(dash.status).toBe(200);
    await expect(ensureSandboxAdmin({ ...sandbox!.app.ctx, mode: 'live' } as ServiceContext, undefined)).rejects.toThrow(/sandbox mode only/);
  });

  it('buys on the demo shop, pays at the cashier with a Referer, and the return page and webhook inbox see the payment', async () => {
    const { gateway_url: gw } = sandbox!.file;
    const { h5Url, paymentId, launchPage } = await buy(gw);
    // The launch page navigates by a served script (no inline JS under the CSP).
    expect(launchPage).toMatch(/<script src="\/static\/launch\.js\?v=[^"]+" defer><\/script>/);
    expect(new URL(h5Url).origin).toBe(sandbox!.file.simulator_url);

    // What the browser sends on a cross-origin navigation under strict-origin-when-cross-origin.
    const referer = `${gw}/`;
    const cashier = await get(h5Url, { referer, 'user-agent': 'Mozilla/5.0 (iPhone) Mobile Safari' });
    expect(cashier.status).toBe(200);
    expect(cashier.text).not.toContain('data-error');
    const fields = Object.fromEntries([...cashier.text.matchAll(/name="([a-z_]+)" value="([^"]*)"/g)].map((m) => [m[1]!, unescapeHtml(m[2]!)]));
    const paid = await postForm(`${sandbox!.file.simulator_url}/pay/checkmweb/confirm`, fields, { 'user-agent': 'Mozilla/5.0 (iPhone) Mobile Safari' });
    expect(paid.status).toBe(303);
    expect(paid.headers.location).toBe(`${gw}/pay/return/${paymentId}`);

    const page = await get(String(paid.headers.location), { 'accept-language': 'zh-CN' });
    expect(page.status).toBe(200);
    expect(page.text).toContain('支付成功');
    expect(page.text).toContain('/static/pay-return.js');

    const status = await until('payment succeeded', async () => {
      const s = JSON.parse((await get(`${gw}/pay/return/${paymentId}/status`)).text) as { status: string };
      return s.status === 'succeeded' ? s : undefined;
    });
    // Status only: nothing about the payer or the order leaks from the public endpoint.
    expect(Object.keys(status)).toEqual(['status']);
    expect((await get(`${gw}/pay/return/${paymentId}`, { 'accept-language': 'en' })).text).toContain('Payment successful');

    const received = await until('a verified payment.succeeded webhook', async () => {
      const inbox = JSON.parse((await get(sandbox!.file.webhook_inbox_url)).text) as { data: Array<{ type: string | null; verified: boolean; event?: unknown }> };
      return inbox.data.find((w) => w.type === 'payment.succeeded' && w.verified);
    });
    expect(JSON.stringify(received.event)).toContain(paymentId);
  }, 90_000);

  it('shows an unpaid order as still confirming, and guides a payer inside WeChat to a phone browser', async () => {
    const { gateway_url: gw } = sandbox!.file;
    const { paymentId } = await buy(gw);
    const zh = await get(`${gw}/pay/return/${paymentId}`, { 'accept-language': 'zh-CN' });
    expect(zh.text).toMatch(/data-state="confirming"/);
    expect(zh.text).toContain('确认支付情况');
    const inWechat = await get(`${gw}/pay/return/${paymentId}?lang=zh-CN`, { 'user-agent': 'Mozilla/5.0 (iPhone) MicroMessenger/8.0.50' });
    expect(inWechat.text).toMatch(/data-state="in-wechat"/);
    expect(inWechat.text).toContain('请在手机浏览器中打开');
    // "I have paid" makes the gateway query WeChat and comes back to the page.
    const confirm = await postForm(`${gw}/pay/return/${paymentId}/confirm?lang=en`, {});
    expect(confirm.status).toBe(303);
    expect(confirm.headers.location).toBe(`/pay/return/${paymentId}?lang=en`);
    expect(JSON.parse((await get(`${gw}/pay/return/${paymentId}/status`)).text)).toEqual({ status: 'pending' });
  }, 60_000);

  it('refuses a cross-site post to the demo shop', async () => {
    const res = await postForm(`${sandbox!.file.gateway_url}/demo/buy`, { lang: 'en' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
  });

  it('reuses the merchant and its API key after a restart on the same data dir', async () => {
    const before = sandbox!.file;
    await sandbox!.close();
    sandbox = undefined;
    sandbox = await start();
    expect(sandbox.file.merchant_id).toBe(before.merchant_id);
    expect(sandbox.file.merchant_api_key).toBe(before.merchant_api_key);
    // The same console owner, not a second one; the next TOTP step signs in (the previous one was used).
    expect([sandbox.file.admin_email, sandbox.file.admin_password, sandbox.file.admin_totp_secret]).toEqual([before.admin_email, before.admin_password, before.admin_totp_secret]);
    expect((await consoleLogin(sandbox.file, Date.now() + 30_000)).status).toBe(201);
    const list = await get(`${sandbox.file.gateway_url}/v1/payments`, { authorization: `Bearer ${sandbox.file.merchant_api_key}` });
    expect(list.status).toBe(200);
    // The merchant now points at the simulator's new address, so ordering still works.
    const { h5Url } = await buy(sandbox.file.gateway_url);
    expect(new URL(h5Url).origin).toBe(sandbox.file.simulator_url);
  }, 120_000);
});
