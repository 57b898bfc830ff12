import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { Secret } from './secret.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { lines, destination };
}

describe('logger redaction', () => {
  it('censors authorization headers, keys and payer identifiers', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info({ req: { headers: { authorization: 'Bearer sk_test_abc123' } }, data: { apiv3_key: 'k'.repeat(32), openid: 'oUpF8uMuAJO' } }, 'hello');
    const out = lines.join('');
    expect(out).not.toContain('sk_test_abc123');
    expect(out).not.toContain('k'.repeat(32));
    expect(out).not.toContain('oUpF8uMuAJO');
    expect(out).toContain('[REDACTED]');
  });

  it('never prints a Secret, even nested', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info({ nested: { value: new Secret('super-secret-value') } }, 'x');
    expect(lines.join('')).not.toContain('super-secret-value');
  });
});
