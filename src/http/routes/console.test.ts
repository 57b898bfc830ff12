import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.ts';
import { buildHttpServer } from '../server.ts';
import { registerConsoleRoutes } from './console.ts';

let dir: string;
const JS = `console.log(${JSON.stringify('x'.repeat(2000))});`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'anfu-console-'));
  await mkdir(join(dir, 'assets'));
  await writeFile(join(dir, 'index.html'), '<!doctype html><script type="module" src="/console/assets/index-abc.js"></script>');
  await writeFile(join(dir, 'assets', 'index-abc.js'), JS);
  await writeFile(join(dir, 'assets', 'notes.txt'), 'not served');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function server(distDir: string) {
  const app = buildHttpServer({ logger: createLogger({ level: 'silent' }), live: false });
  registerConsoleRoutes(app, { distDir });
  return app;
}

describe('console routes', () => {
  it('serves hashed assets as immutable for a year, gzipped when asked, with the CSP', async () => {
    const app = server(dir);
    const res = await app.inject({ url: '/console/assets/index-abc.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(res.rawPayload).toString()).toBe(JS);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    const plain = await app.inject({ url: '/console/assets/index-abc.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(JS);
    const again = await app.inject({ url: '/console/assets/index-abc.js', headers: { 'if-none-match': String(res.headers.etag) } });
    expect(again.statusCode).toBe(304);
  });

  it('answers index.html with no-cache for the SPA routes, and redirects /console', async () => {
    const app = server(dir);
    for (const url of ['/console/', '/console/payments/pay_1', '/console/merchants']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.body).toContain('/console/assets/index-abc.js');
    }
    const bare = await app.inject({ url: '/console' });
    expect(bare.statusCode).toBe(308);
    expect(bare.headers.location).toBe('/console/');
  });

  it('never answers HTML for a missing asset, and serves only known asset types', async () => {
    const app = server(dir);
    for (const url of ['/console/assets/missing.js', '/console/assets/notes.txt', '/console/assets/..%2Findex.html']) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type']).toMatch(/json/);
    }
  });

  it('says how to build the console when web/dist is missing', async () => {
    const app = server(join(dir, 'nope'));
    const res = await app.inject({ url: '/console/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build:console');
  });
});
