import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, scrubForLog } from './logger.ts';
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

  it('censors sensitive keys at the top level and at any depth, personal data and CSRF tokens included', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    const values = ['TOP-PASSWORD', 'TOP-TOKEN', 'DEEP-TOTP', 'CSRF-HEADER', 'CSRF-BODY', '13800138000', '110101199003074477', '6222020200112233445', 'oPAYER0PENID', 'ARRAY-SECRET'];
    log.info(
      {
        password: values[0],
        token: values[1],
        req: { body: { login: { totp: values[2] } }, headers: { 'x-csrf-token': values[3] } },
        data: { csrf_token: values[4], payer: { phone: values[5], id_number: values[6], bank_account: values[7], openid: values[8] } },
        list: [{ secret: values[9] }],
        merchantId: 'mer_kept',
      },
      'x',
    );
    const out = lines.join('');
    for (const v of values) expect(out, v).not.toContain(v);
    expect(out).toContain('mer_kept');
  });

  it('never modifies the logged object, and returns objects without sensitive keys as they are', () => {
    const input = { a: { password: 'p', keep: 1 }, b: { keep: 2 } };
    const out = scrubForLog(input);
    expect(out).toEqual({ a: { password: '[REDACTED]', keep: 1 }, b: { keep: 2 } });
    expect(input.a.password).toBe('p');
    expect(out.b).toBe(input.b);
    const clean = { x: [1, { y: 2 }] };
    expect(scrubForLog(clean)).toBe(clean);
  });

  it('censors the headers of a raw request logged through the standard serializer', () => {
    const { lines, destination } = capture();
    const log = createLogger({ destination });
    log.info({ req: { method: 'GET', url: '/x', headers: { authorization: 'Bearer sk_live_HEADER', cookie: 'anfu_session=COOKIEVALUE' } } }, 'r');
    const out = lines.join('');
    expect(out).not.toContain('sk_live_HEADER');
    expect(out).not.toContain('COOKIEVALUE');
  });
});
