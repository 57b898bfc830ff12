import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildProgram } from '../../src/cli.ts';

const ROOT = resolve(import.meta.dirname, '..', '..');

describe('anfu simulator (CLI)', () => {
  it('registers the simulator command without running anything on import', () => {
    const cmd = buildProgram().commands.find((c) => c.name() === 'simulator');
    expect(cmd?.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--port', '--state-dir', '--key-mode', '--time-scale', '--host', '--rate-limit']));
  });

  it('reads --rate-limit: a named family replaces its default, "off" clears every limit, nonsense is refused', () => {
    const opt = buildProgram()
      .commands.find((c) => c.name() === 'simulator')!
      .options.find((o) => o.long === '--rate-limit')!;
    const parse = (v: string, prev?: unknown) => opt.parseArg!(v, prev as never) as unknown;
    expect(parse('order=5')).toEqual({ order: 5, 'refund-query': 300 });
    expect(parse('refund=7', parse('order=5'))).toEqual({ order: 5, 'refund-query': 300, refund: 7 });
    expect(parse('off', parse('order=5'))).toEqual({});
    expect(parse('order=9', parse('off'))).toEqual({ order: 9 });
    expect(() => parse('orders=5')).toThrow(/family/);
  });

  it('prints one JSON line with base_url and the sandbox.json path once it accepts connections', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'anfu-sim-cli-'));
    const child = spawn(process.execPath, ['bin/anfu.js', 'simulator', '--port', '0', '--state-dir', stateDir, '--key-mode', 'certificate'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines: string[] = [];
      const line = await new Promise<string>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('no JSON line within 30 s')), 30_000);
        createInterface({ input: child.stdout! }).on('line', (l) => {
          lines.push(l);
          clearTimeout(timer);
          ok(l);
        });
        child.once('exit', (code) => fail(new Error(`exited with ${code}`)));
      });
      const info = JSON.parse(line) as { base_url: string; sandbox: string; key_mode: string };
      expect(info.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.sandbox).toBe(join(stateDir, 'sandbox.json'));
      expect(info.key_mode).toBe('certificate');
      const sandbox = JSON.parse(readFileSync(info.sandbox, 'utf8')) as Record<string, unknown>;
      expect(Object.keys(sandbox).sort()).toEqual(
        [
          'base_url', 'mchid', 'appid', 'apiv3_key', 'merchant_serial_no', 'merchant_private_key_path', 'merchant_certificate_path',
          'wechatpay_public_key_id', 'wechatpay_public_key_path', 'wechatpay_private_key_path', 'platform_certificate_serial',
          'platform_certificate_path', 'platform_private_key_path', 'h5_domains',
        ].sort(),
      );
      expect(sandbox.base_url).toBe(info.base_url);
      expect(sandbox.apiv3_key).toMatch(/^.{32}$/);
      expect(sandbox.platform_certificate_serial).toMatch(/^[0-9A-F]{40}$/);
      expect(sandbox.h5_domains).toEqual(expect.arrayContaining(['127.0.0.1', 'localhost']));
      expect(sandbox.merchant_serial_no).toMatch(/^[0-9A-F]{40}$/);
      expect(sandbox.wechatpay_public_key_id).toMatch(/^PUB_KEY_ID_\d{28}$/);
      for (const k of ['merchant_private_key_path', 'merchant_certificate_path', 'wechatpay_public_key_path', 'wechatpay_private_key_path', 'platform_certificate_path', 'platform_private_key_path']) {
        expect(String(sandbox[k]).startsWith('/')).toBe(true);
      }
      // It is accepting connections by the time the line is printed.
      const res = await fetch(`${info.base_url}/v3/certificates`);
      expect(res.status).toBe(401);
      // Request logs go to stderr: stdout stays the one JSON line scripts read.
      await new Promise((r) => setTimeout(r, 200));
      expect(lines).toEqual([line]);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
