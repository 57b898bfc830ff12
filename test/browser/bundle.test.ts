import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { firstLoadJs } from './bundle-size.ts';

/**
 * The console's production build, made fresh from web/ into a temp dir: the first-load budget
 * (issue 6 §4: ≤ 300 KB gzipped JS), files only (the CSP has no unsafe-inline), no secret inside.
 */
const WEB = join(import.meta.dirname, '..', '..', 'web');
let out: string;
let files: { name: string; text: string }[];

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'anfu-console-build-'));
  await build({ configFile: join(WEB, 'vite.config.ts'), root: WEB, logLevel: 'silent', build: { outDir: out, emptyOutDir: true } });
  const names = [...(await readdir(out)).map((n) => n), ...(await readdir(join(out, 'assets'))).map((n) => `assets/${n}`)].filter((n) => n !== 'assets');
  files = await Promise.all(names.map(async (name) => ({ name, text: await readFile(join(out, name), 'utf8') })));
}, 120_000);
afterAll(() => rm(out, { recursive: true, force: true }));

describe('console build', () => {
  it('keeps the first load within 300 KB of gzipped JavaScript', () => {
    const r = firstLoadJs(out);
    expect(r.files.length).toBeGreaterThan(0);
    console.log(`console first-load JS: ${(r.totalGzipBytes / 1024).toFixed(1)} KB gzipped in ${r.files.length} file(s)`);
    expect(r.totalGzipBytes).toBeLessThanOrEqual(300 * 1024);
  });

  it('emits scripts and styles as files only: no inline script, style element or style attribute', () => {
    const html = files.find((f) => f.name === 'index.html')!.text;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attrs, body] of scripts) {
      expect(attrs).toMatch(/\bsrc="\/console\/assets\/[^"]+\.js"/);
      expect(body!.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b/i);
    expect(html).not.toMatch(/\sstyle=/i);
    expect(html).toMatch(/<link rel="stylesheet"[^>]*href="\/console\/assets\/[^"]+\.css"/);
    // Hashed names, so the gateway may cache them as immutable.
    for (const f of files.filter((x) => x.name.startsWith('assets/'))) expect(f.name).toMatch(/-[A-Za-z0-9_-]{8}\.(js|css|svg)$/);
  });

  it('carries no secret: no API key, webhook secret, private key or environment value', () => {
    const patterns = [/sk_(test|live)_[A-Za-z0-9]{8,}/, /whsec_[A-Za-z0-9+/=]{8,}/, /-----BEGIN [A-Z ]*PRIVATE KEY-----/, /\bAKIA[0-9A-Z]{16}\b/, /otpauth:\/\/totp\/[^"'\s]*secret=/i];
    for (const f of files) for (const p of patterns) expect(p.test(f.text), `${f.name} matches ${p}`).toBe(false);
    // Nothing from the build machine's environment is inlined (Vite exposes only VITE_* variables).
    const env = Object.entries(process.env).filter(([k, v]) => v && v.length >= 12 && /(SECRET|TOKEN|PASSWORD|KEY|DATABASE_URL)/i.test(k));
    for (const f of files) for (const [k, v] of env) expect(f.text.includes(v!), `${f.name} contains ${k}`).toBe(false);
  });
});
