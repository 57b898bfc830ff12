import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { writeDevelopmentKekFile } from '../../src/services/custody/kms-from-config.ts';
import { createOperator } from '../../src/services/operators/create-operator.ts';
import { generateMasterKeyFileContent } from '../../src/vault/local-kek.ts';
import { describeEachDb } from '../helpers/db.ts';
import { startGateway } from '../helpers/gateway.ts';
import { routeTable } from '../helpers/route-table.ts';

const CSP_DIRECTIVES = ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"];

/** A concrete path for a route pattern: parameters and wildcards become a harmless placeholder. */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z_]+/g, 'x').replace(/\*$/, 'x');
}

function expectPageHeaders(where: string, headers: Record<string, string | undefined>, live: boolean): void {
  const csp = headers['content-security-policy'] ?? '';
  for (const d of CSP_DIRECTIVES) expect(csp, `${where}: CSP lacks ${d}`).toContain(d);
  expect(csp, `${where}: CSP allows inline code`).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(headers['x-frame-options'], where).toBe('DENY');
  expect(headers['x-content-type-options'], where).toBe('nosniff');
  if (live) expect(headers['strict-transport-security'], where).toBe('max-age=31536000; includeSubDomains');
  else expect(headers['strict-transport-security'], where).toBeUndefined();
}

/**
 * Issue 4 §7 (security headers on every page) and §1 (live mode's KEK gate), checked on the running
 * app: every GET route of the route table — console, payer pages, demo shop, API, admin API, error
 * answers — carries the CSP without unsafe-inline and frame-ancestors 'none'; HSTS only in live mode.
 */
describeEachDb('security headers on every page; live mode’s key-encryption key gate', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'anfu-headers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('sandbox: every GET route answers with the CSP and framing refusal, and without HSTS', async () => {
    const gw = await startGateway({ database: t.handle, workers: false });
    try {
      const gets = routeTable(gw.app.server).filter((r) => r.method === 'GET');
      expect(gets.length).toBeGreaterThan(30);
      for (const r of gets) {
        const res = await fetch(gw.baseUrl + concrete(r.path), { redirect: 'manual' });
        await res.arrayBuffer();
        expectPageHeaders(`GET ${r.path} (${res.status})`, Object.fromEntries(res.headers), false);
      }
    } finally {
      await gw.close();
    }
  }, 120_000);

  it('live mode refuses to start without a KEK or with the development KEK, and sends HSTS on every page with a real one', async () => {
    const logger = createLogger({ level: 'silent' });
    const start = (masterKeyFile?: string) =>
      createApp(loadConfig({}, { mode: 'live', dataDir: dir, logLevel: 'silent', ...(masterKeyFile ? { masterKeyFile } : {}) }), {
        logger,
        database: t.handle,
        jobs: { supervise: false, schedule: false },
        workers: false,
      });
    await expect(start()).rejects.toMatchObject({ code: 'master_key_required' });
    const dev = join(dir, 'development-master.key');
    writeDevelopmentKekFile(dev);
    await expect(start(dev)).rejects.toMatchObject({ code: 'master_key_development_in_live' });

    const real = join(dir, 'live.key');
    writeFileSync(real, generateMasterKeyFileContent(), { mode: 0o600 });
    const app = await start(real);
    try {
      expect(app.ctx.vault?.currentProvider.development).toBe(false);
      for (const r of routeTable(app.server).filter((x) => x.method === 'GET')) {
        const res = await app.server.inject({ method: 'GET', url: concrete(r.path) });
        expectPageHeaders(`live GET ${r.path} (${res.statusCode})`, res.headers as Record<string, string | undefined>, true);
      }
      // The live session cookie: __Host- prefix, Secure, HttpOnly, SameSite=Strict, Path=/.
      const email = `live-${process.pid}-${Date.now()}@example.com`;
      const { oneTimePassword } = await createOperator(app.ctx, { type: 'cli', id: 'test' }, { email, name: 'Live viewer', role: 'viewer' });
      const login = await app.server.inject({ method: 'POST', url: '/admin/api/session', payload: { email, password: oneTimePassword.reveal() } });
      expect(login.statusCode, login.body).toBe(201);
      const cookie = String(login.headers['set-cookie']);
      expect(cookie).toMatch(/^__Host-anfu_session=[A-Za-z0-9_-]{22}; /);
      for (const attr of ['Path=/', 'HttpOnly', 'SameSite=Strict', 'Secure']) expect(cookie.split('; ')).toContain(attr);
      expectPageHeaders('live POST /admin/api/session', login.headers as Record<string, string | undefined>, true);
    } finally {
      await app.close();
    }
  }, 120_000);
});
