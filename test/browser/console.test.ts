import { randomBytes } from 'node:crypto';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeCryptoPlugin } from '@otplib/plugin-crypto-node';
import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.ts';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start-sandbox.ts';
import { loadCertificate } from '../../src/wechatpay/keys.ts';
import { merchantPair } from '../e2e/admin-credentials-keys.ts';
import { browserSkipReason, launchBrowser, screenshot, watchCsp, type RunningBrowser } from './browser.ts';

/**
 * The operator console in a real browser against the real sandbox (gateway + simulator in-process,
 * PGlite in a temp dir): the gateway's CSP holds with no violation, language switching persists, an
 * operator signs in with TOTP, sees a paid demo order and its timeline, rotates a webhook secret,
 * verifies the audit chain, and is sent back to sign-in when the session ends. Screenshots go to
 * test-artifacts/screenshots/.
 */
const skip = browserSkipReason();
const WEB = join(import.meta.dirname, '..', '..', 'web');

interface AdminFile {
  gateway_url: string;
  simulator_url: string;
  merchant_id: string;
  merchant_api_key: string;
  console_url?: string;
  admin_email?: string;
  admin_password?: string;
  admin_totp_secret?: string;
}

let dataDir: string;
let sandbox: RunningSandbox | undefined;
let browser: RunningBrowser | undefined;
let page: Page;
let file: AdminFile;
let gw: string;
let paidPaymentId: string;
let cspViolations: () => Promise<string[]>;
/** Uncaught errors in the console app: none is acceptable (checked at the end). */
const pageErrors: string[] = [];

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A demo payment created through the merchant API, paid at the simulator, confirmed by notification. */
async function paidDemoPayment(amount = 2990, description = '安付演示 T 恤'): Promise<string> {
  const server = sandbox!.app.server;
  const auth = { authorization: `Bearer ${file.merchant_api_key}` };
  const created = await server.inject({
    method: 'POST',
    url: '/v1/payments',
    headers: { ...auth, 'idempotency-key': `browser-${Date.now()}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ amount, description, payer_client_ip: '114.114.114.114', h5_type: 'Wap' }),
  });
  expect(created.statusCode, created.body).toBe(201);
  const p = created.json() as { id: string; out_trade_no: string };
  const paid = await fetch(`${file.simulator_url}/sim/transactions/${encodeURIComponent(p.out_trade_no)}/pay`, { method: 'POST' });
  expect(paid.status).toBe(200);
  await until('the payment to be paid', async () => {
    const r = await server.inject({ url: `/v1/payments/${p.id}`, headers: auth });
    const s = (r.json() as { status?: string }).status;
    return s === 'succeeded' || s === 'paid' ? s : undefined;
  });
  return p.id;
}

async function totpNow(secret: string): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000), period: 30, digits: 6, crypto: new NodeCryptoPlugin() });
}

beforeAll(async () => {
  if (skip) return;
  // The console as the gateway serves it: a fresh production build of web/ into web/dist.
  await build({ configFile: join(WEB, 'vite.config.ts'), root: WEB, logLevel: 'silent' });
  dataDir = await mkdtemp(join(tmpdir(), 'anfu-browser-'));
  const config = loadConfig({}, { dataDir, port: 0, simulatorPort: 0, simulatorTimeScale: 1000, logLevel: 'silent' });
  sandbox = await startSandbox({ config });
  file = JSON.parse(await readFile(sandbox.filePath, 'utf8')) as AdminFile;
  gw = file.gateway_url;
  browser = await launchBrowser();
  page = await browser.context.newPage();
  page.setDefaultTimeout(10_000);
  cspViolations = watchCsp(page);
  page.on('pageerror', (e) => pageErrors.push(e.message));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await sandbox?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(skip !== null)('operator console in Chromium', () => {
  it('loads under the gateway CSP (no unsafe-inline) without a single violation, in Chinese first', async () => {
    const res = await page.goto(`${gw}/console/`);
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await page.getByRole('heading', { name: '登录控制台' }).waitFor();
    // The stylesheet applied (a CSP block would leave the default body margin and fonts).
    expect(await page.evaluate('getComputedStyle(document.body).margin')).toBe('0px');
    await screenshot(page, 'login-zh');
    expect(await cspViolations()).toEqual([]);
  });

  it('switches language and keeps the choice across a reload', async () => {
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expect(await page.evaluate('document.documentElement.lang')).toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    await screenshot(page, 'login-en');
    await page.getByTestId('lang-switch').click();
    await page.getByRole('heading', { name: '登录控制台' }).waitFor();
  });

  it('signs in with email, password and a TOTP code from sandbox.json, and shows the dashboard charts', async () => {
    paidPaymentId = await paidDemoPayment();
    expect(file.admin_email, 'sandbox.json has the sandbox admin').toBeTruthy();
    expect(file.console_url).toMatch(new RegExp(`^${gw}/console/?$`));
    await page.getByLabel('邮箱').fill(file.admin_email!);
    await page.getByLabel('密码').fill(file.admin_password!);
    await page.getByLabel('身份验证器中的 6 位动态码').fill(await totpNow(file.admin_totp_secret!));
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('navigation', { name: '主导航' }).waitFor();
    await page.getByRole('heading', { name: '概览' }).waitFor();
    await page.getByTestId('stat-volume').waitFor();
    expect(Number(await page.getByTestId('stat-volume').textContent())).toBeGreaterThanOrEqual(1);
    expect(await page.locator('figure.chart svg').count()).toBeGreaterThanOrEqual(2);
    await screenshot(page, 'dashboard');
  });

  it('lists the paid demo order and shows its timeline of WeChat calls and notifications', async () => {
    await page.getByRole('link', { name: '支付订单' }).click();
    const row = page.getByRole('link', { name: paidPaymentId });
    await row.waitFor();
    await screenshot(page, 'payments');
    await row.click();
    await page.getByRole('heading', { name: `支付单 ${paidPaymentId}` }).waitFor();
    await page.getByTestId('timeline').waitFor();
    expect(await page.getByTestId('payment-status').textContent()).toMatch(/已支付|succeeded/);
    const kinds = await page.locator('[data-testid=timeline] li').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    expect(kinds).toContain('wechat_call');
    expect(kinds).toContain('notification');
    expect(kinds).toContain('risk_decision');
    expect(kinds).toContain('webhook');
    await screenshot(page, 'payment-detail');
  });

  it('queries WeChat now, then refunds part of the order after confirming the exact amount', async () => {
    await page.getByRole('button', { name: '立即查单' }).click();
    await page.getByText('已向微信支付查单：当前状态为 succeeded。').waitFor();
    await page.getByRole('button', { name: '退款' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('退款金额（元）').fill('30.00');
    await dialog.getByText('请输入 ¥0.01 至 ¥29.90 之间的金额。').waitFor();
    await dialog.getByLabel('退款金额（元）').fill('1.50');
    await dialog.getByTestId('confirm').click();
    await page.getByRole('dialog').getByText('确定退款 ¥1.50？').waitFor();
    await page.getByRole('dialog').getByTestId('confirm').click();
    await page.getByText('已提交退款。').waitFor();
    const refunds = await sandbox!.app.server.inject({ url: `/v1/payments/${paidPaymentId}`, headers: { authorization: `Bearer ${file.merchant_api_key}` } });
    expect(refunds.json()).toMatchObject({ refund_count: 1 });
    await page.locator('[data-testid=timeline] li[data-kind=refund]').first().waitFor();
  });

  it('rotates the demo merchant webhook secret after confirmation and shows the new secret once', async () => {
    await page.getByRole('link', { name: '商户' }).click();
    await page.getByRole('link', { name: new RegExp('.') }).filter({ hasText: /./ }).first().waitFor();
    await page.goto(`${gw}/console/merchants/${file.merchant_id}`);
    await page.getByTestId('rotate-secret').click();
    await page.getByRole('dialog').getByTestId('confirm').click();
    const secret = page.getByTestId('secret-once');
    await secret.waitFor();
    expect((await secret.textContent())!.length).toBeGreaterThanOrEqual(24);
    await screenshot(page, 'merchant');
  });

  it('verifies the audit chain', async () => {
    await page.getByRole('link', { name: '审计日志' }).click();
    await page.getByTestId('audit-table').waitFor();
    await page.getByTestId('verify-chain').click();
    const result = page.getByTestId('verify-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('哈希链校验通过');
    await screenshot(page, 'audit');
  });

  it('shows the demo merchant key with its expiry, and changes the APIv3 key with the grace window shown', async () => {
    await page.getByRole('link', { name: '密钥' }).click();
    await page.getByRole('heading', { name: '密钥', exact: true }).waitFor();
    await page.getByTestId('keys-merchant').selectOption(file.merchant_id);
    // What the page shows is what the admin API says (the browser's own session, so the same scope).
    const res = await page.request.get(`${gw}/admin/api/merchants/${file.merchant_id}/credentials`);
    expect(res.status()).toBe(200);
    const status = (await res.json()) as { merchant_key: { active: { serial: string } } };
    const active = page.getByTestId('active-serial');
    await active.waitFor();
    expect(await active.textContent()).toBe(status.merchant_key.active.serial);

    // Merchant key wizard: paste a new certificate (20 days left) and its key, stage, switch, retire.
    const next = merchantPair(sandbox!.simulator.sandbox.mchid, { notAfter: new Date(Date.now() + 20.5 * 86_400_000) });
    await page.getByTestId('wizard-merchant-key').click();
    const mk = page.getByTestId('merchant-key-wizard');
    await mk.getByLabel('新的商户证书（PEM）').fill(next.certificatePem);
    await mk.getByLabel('对应的私钥（PEM）').fill(next.privateKeyPem);
    await mk.getByRole('button', { name: '暂存' }).click();
    await page.getByRole('dialog').getByTestId('confirm').click();
    await page.getByTestId('staged-serial').waitFor();
    expect(await page.getByTestId('staged-serial').textContent()).toBe(next.serial);
    expect(await mk.getByLabel('对应的私钥（PEM）').count()).toBe(0);
    await mk.getByTestId('mk-switch').click();
    await page.getByRole('dialog').getByTestId('confirm').click();
    await page.getByTestId('retired-serial').waitFor();
    // WeChat learns of the new certificate from the merchant platform; here we tell the simulator.
    sandbox!.simulator.merchant.merchantCertificate = loadCertificate(next.certificatePem);
    await mk.getByTestId('mk-retire').click();
    await page.getByRole('dialog').getByTestId('confirm').click();
    await page.getByTestId('retired-serial').waitFor({ state: 'detached' });
    expect(await active.textContent()).toBe(next.serial);
    const expiry = page.getByTestId('active-expiry');
    expect(await expiry.textContent()).toContain('剩余 20 天');
    expect(await expiry.locator('[data-warning]').getAttribute('data-warning')).toBe('expires_in_30d');
    await page.getByTestId('keys-warnings').getByText('30 天内到期').waitFor();

    // A fresh random 32-character key, typed twice: a mismatch is caught before anything is sent.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const newKey = Array.from(randomBytes(32), (b) => alphabet[b % alphabet.length]).join('');
    await page.getByTestId('wizard-apiv3').click();
    const wizard = page.getByTestId('apiv3-wizard');
    await wizard.getByLabel('新的 APIv3 密钥', { exact: true }).fill(newKey);
    await wizard.getByLabel('再次输入新的 APIv3 密钥').fill(`${newKey.slice(0, 31)}!`);
    await wizard.getByText('两次输入不一致。').waitFor();
    await wizard.getByLabel('再次输入新的 APIv3 密钥').fill(newKey);
    await wizard.getByRole('button', { name: '更换密钥' }).click();
    await page.getByRole('dialog').getByTestId('confirm').click();
    const grace = page.getByTestId('apiv3-grace');
    await grace.waitFor();
    expect(await grace.textContent()).toMatch(/旧密钥在 .+ 之前仍被接受/);
    await page.getByTestId('apiv3-grace-status').waitFor();
    // The pasted key is gone from the form and was never stored by the page.
    expect(await wizard.getByLabel('新的 APIv3 密钥', { exact: true }).inputValue()).toBe('');
    expect(await wizard.getByLabel('再次输入新的 APIv3 密钥').inputValue()).toBe('');
    const stored = (await page.evaluate('JSON.stringify([Object.entries(localStorage), Object.entries(sessionStorage)])')) as string;
    expect(stored).not.toContain(newKey);
    await screenshot(page, 'keys');

    // The same key again: the server's refusal code, explained in Chinese.
    await wizard.getByLabel('新的 APIv3 密钥', { exact: true }).fill(newKey);
    await wizard.getByLabel('再次输入新的 APIv3 密钥').fill(newKey);
    await wizard.getByRole('button', { name: '更换密钥' }).click();
    await page.getByRole('dialog').getByTestId('confirm').click();
    const refused = page.getByTestId('key-error');
    await refused.waitFor();
    expect(await refused.getAttribute('data-code')).toBe('credential_apiv3_key_unchanged');
    expect(await refused.textContent()).toContain('新的 APIv3 密钥与当前密钥相同。');
  });

  it('claims and approves a payment held for review (large amount), with the SLA countdown shown', async () => {
    // The default rules hold a paid payment of ¥5,000 or more for review (post-payment).
    const heldId = await paidDemoPayment(600000, '大额订单');
    await page.getByRole('link', { name: '审核队列' }).click();
    const card = page.locator('li.review', { has: page.getByRole('link', { name: heldId }) });
    await card.waitFor();
    expect(await card.locator('time').textContent()).toMatch(/^剩余 /);
    await screenshot(page, 'reviews');
    await card.getByRole('button', { name: '认领' }).click();
    await card.getByText(/由 .+ 认领/).waitFor();
    await card.getByRole('button', { name: '通过' }).click();
    await page.getByRole('dialog').getByLabel('审核备注').fill('客户电话确认');
    await page.getByRole('dialog').getByTestId('confirm').click();
    await card.waitFor({ state: 'detached' });
    // Approved: the payment stays paid (a rejection would refund it).
    const after = await sandbox!.app.server.inject({ url: `/v1/payments/${heldId}`, headers: { authorization: `Bearer ${file.merchant_api_key}` } });
    expect((after.json() as { status: string }).status).toBe('succeeded');
  });

  it('fits a phone: the navigation folds behind a menu button', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${gw}/console/merchants/${file.merchant_id}`);
      const nav = page.getByRole('navigation', { name: '主导航' });
      await page.getByRole('button', { name: '菜单' }).waitFor();
      expect(await nav.isVisible()).toBe(false);
      await page.getByRole('button', { name: '菜单' }).click();
      await nav.waitFor();
      await screenshot(page, 'mobile-menu');
      await nav.getByRole('link', { name: '概览' }).click();
      await page.getByRole('heading', { name: '概览' }).waitFor();
      expect(await nav.isVisible()).toBe(false);
      // Nothing wider than the screen: tables scroll inside their own box.
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  });

  it('shows a clear no-permission state when the server answers 403', async () => {
    await page.route('**/admin/api/operators', (route) =>
      route.fulfill({ status: 403, contentType: 'application/json', body: JSON.stringify({ error: { code: 'permission_denied', message: 'no', request_id: 'r' } }) }),
    );
    await page.getByRole('link', { name: '用户与角色' }).click();
    await page.getByTestId('no-permission').waitFor();
    await page.unroute('**/admin/api/operators');
  });

  it('sends the operator back to sign-in with a message when the session ends', async () => {
    await page.context().clearCookies();
    await page.getByRole('link', { name: '支付订单' }).click();
    await page.getByText('会话已过期，请重新登录。').waitFor();
    await page.getByRole('heading', { name: '登录控制台' }).waitFor();
    expect(await cspViolations()).toEqual([]);
  });

  it('ran every page without an uncaught error', () => {
    expect(pageErrors).toEqual([]);
  });

  it('would notice a violation: an injected inline script is refused and reported', async () => {
    const before = (await cspViolations()).length;
    await page.evaluate("document.head.appendChild(Object.assign(document.createElement('script'), { textContent: 'window.__ran = 1' }))");
    await until('the violation report', async () => ((await cspViolations()).length > before ? true : undefined), 5_000);
    expect(await page.evaluate('window.__ran')).toBeUndefined();
  });
});
