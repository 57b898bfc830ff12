import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readFixture, vector } from '../../test/helpers/fixtures.ts';
import { fixedClock } from '../lib/clock.ts';
import { loadCertificate, loadPrivateKey, loadPublicKey } from './keys.ts';
import { WechatPayKeyStore } from './verifier.ts';
import { CertificateRefresher, ResponseValidator, header, type HeaderBag } from './validator.ts';
import { WechatPayVerificationError, type VerificationFailure } from './errors.ts';
import { signResponse } from './response-signer.ts';

interface NotificationVector {
  platform_certificate: string;
  headers: Record<string, string>;
  body: string;
}

const TS = 1624523846;
const goCert = loadCertificate(readFixture('official/go-wechatpay_certificate.pem'));
const goKey = loadPrivateKey(readFixture('official/go-test_private_key.pem'));
const javaPub = loadPublicKey(readFixture('official/java-wechat_pay_public_key.pem'));
const javaPriv = loadPrivateKey(readFixture('official/java-wechat_pay_private_key.pem'));
const PUB_ID = 'PUB_KEY_ID_0114232134912410000000000000';

function store(): WechatPayKeyStore {
  return new WechatPayKeyStore().addCertificate(goCert);
}

function validatorAt(ms: number, s = store(), onUnknownSerial?: (serial: string) => Promise<void>): ResponseValidator {
  return new ResponseValidator({ verifier: s, clock: fixedClock(ms), ...(onUnknownSerial ? { onUnknownSerial } : {}) });
}

async function reason(p: Promise<unknown>): Promise<VerificationFailure | 'ok'> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    if (e instanceof WechatPayVerificationError) return e.reason;
    throw e;
  }
}

describe('notification vectors', () => {
  it('verifies the Go SDK notification signature over the raw body', async () => {
    const v = vector<NotificationVector>('notification-go-payscore');
    expect(goCert.serial).toBe(v.headers['Wechatpay-Serial']);
    const out = await validatorAt(TS * 1000).validate(v.headers, Buffer.from(v.body, 'utf8'));
    expect(out).toEqual({ serial: 'D7CE59D1F522D701', timestamp: TS, nonce: v.headers['Wechatpay-Nonce'] });
  });

  it('verifies the derived H5 transaction notification and reproduces its signature', async () => {
    const v = vector<NotificationVector>('notification-h5-transaction-success');
    await expect(validatorAt(TS * 1000).validate(v.headers, v.body)).resolves.toMatchObject({ serial: 'D7CE59D1F522D701' });
    const resigned = signResponse(goKey, { serial: goCert.serial, body: v.body, timestamp: TS, nonce: v.headers['Wechatpay-Nonce']! });
    expect(resigned['Wechatpay-Signature']).toBe(v.headers['Wechatpay-Signature']);
  });

  it('rejects the WECHATPAY/SIGNTEST/ probe', async () => {
    const v = vector<NotificationVector>('signature-probe');
    expect(await reason(validatorAt(TS * 1000).validate(v.headers, v.body))).toBe('signature_probe');
  });
});

describe('verifier negatives', () => {
  const v = vector<NotificationVector>('notification-h5-transaction-success');
  const val = validatorAt(TS * 1000);

  it('rejects a tampered body, timestamp or nonce', async () => {
    expect(await reason(val.validate(v.headers, v.body.replace('EV-2018', 'EV-2019')))).toBe('signature_mismatch');
    expect(await reason(val.validate(v.headers, v.body + ' '))).toBe('signature_mismatch');
    expect(await reason(val.validate({ ...v.headers, 'Wechatpay-Timestamp': String(TS + 1) }, v.body))).toBe('signature_mismatch');
    expect(await reason(val.validate({ ...v.headers, 'Wechatpay-Nonce': 'X' + v.headers['Wechatpay-Nonce']!.slice(1) }, v.body))).toBe('signature_mismatch');
  });

  it('accepts ±299 s and rejects ±300 s in both directions', async () => {
    const body = '{"a":1}';
    const h = signResponse(goKey, { serial: goCert.serial, body, timestamp: TS });
    for (const delta of [-299, 0, 299]) expect(await reason(validatorAt((TS + delta) * 1000).validate(h, body))).toBe('ok');
    for (const delta of [-300, 300, 3600]) expect(await reason(validatorAt((TS + delta) * 1000).validate(h, body))).toBe('timestamp_out_of_window');
  });

  it('rejects non-numeric and millisecond-looking timestamps', async () => {
    expect(await reason(val.validate({ ...v.headers, 'Wechatpay-Timestamp': '16245x3846' }, v.body))).toBe('timestamp_invalid');
    expect(await reason(val.validate({ ...v.headers, 'Wechatpay-Timestamp': String(TS * 1000) }, v.body))).toBe('timestamp_invalid');
    expect(await reason(val.validate({ ...v.headers, 'Wechatpay-Timestamp': '' }, v.body))).toBe('missing_header');
  });

  it('rejects an unknown serial', async () => {
    expect(await reason(val.validate({ ...v.headers, 'Wechatpay-Serial': 'ABCDEF' }, v.body))).toBe('unknown_serial');
  });

  it('rejects malformed Base64 signatures', async () => {
    const sig = v.headers['Wechatpay-Signature']!;
    for (const bad of [sig.slice(0, -1), sig.replace('+', '-'), `${sig} `, sig.slice(0, -2) + '=A', '']) {
      const r = await reason(val.validate({ ...v.headers, 'Wechatpay-Signature': bad }, v.body));
      expect(r === 'signature_malformed' || (bad === '' && r === 'missing_header')).toBe(true);
    }
  });

  it('rejects a signature made with the wrong key', async () => {
    const h = signResponse(javaPriv, { serial: goCert.serial, body: v.body, timestamp: TS });
    expect(await reason(val.validate(h, v.body))).toBe('signature_mismatch');
  });

  it('rejects missing or repeated headers', async () => {
    for (const name of Object.keys(v.headers)) {
      const h: HeaderBag = { ...v.headers };
      delete h[name];
      expect(await reason(val.validate(h, v.body))).toBe('missing_header');
      expect(await reason(val.validate({ ...v.headers, [name]: [v.headers[name]!, v.headers[name]!] }, v.body))).toBe('missing_header');
    }
    const fetchHeaders = new Headers(v.headers);
    fetchHeaders.append('Wechatpay-Nonce', 'other');
    expect(await reason(val.validate(fetchHeaders, v.body))).toBe('missing_header');
  });

  it('reads headers case-insensitively from plain objects and fetch Headers', async () => {
    const lower = Object.fromEntries(Object.entries(v.headers).map(([k, x]) => [k.toLowerCase(), x]));
    expect(await reason(val.validate(lower, v.body))).toBe('ok');
    expect(await reason(val.validate(new Headers(v.headers), v.body))).toBe('ok');
    expect(header({ 'WECHATPAY-NONCE': 'n' }, 'wechatpay-nonce')).toBe('n');
  });

  it('rejects a platform certificate outside its validity period', async () => {
    const later = goCert.notAfter.getTime() + 1000;
    const ts = Math.floor(later / 1000);
    const body = '{}';
    const h = signResponse(goKey, { serial: goCert.serial, body, timestamp: ts });
    expect(await reason(validatorAt(later).validate(h, body))).toBe('certificate_expired');
    const before = goCert.notBefore.getTime() - 1000;
    const h2 = signResponse(goKey, { serial: goCert.serial, body, timestamp: Math.floor(before / 1000) });
    expect(await reason(validatorAt(before).validate(h2, body))).toBe('certificate_expired');
  });
});

describe('public key and certificate both live (migration)', () => {
  it('verifies by serial with either key and prefers the public key ID on requests', async () => {
    const s = store().addPublicKey(PUB_ID, javaPub);
    expect(s.acceptSerial()).toBe(PUB_ID);
    const val = validatorAt(TS * 1000, s);
    const body = '{"code":"x"}';
    expect(await reason(val.validate(signResponse(goKey, { serial: goCert.serial, body, timestamp: TS }), body))).toBe('ok');
    expect(await reason(val.validate(signResponse(javaPriv, { serial: PUB_ID, body, timestamp: TS }), body))).toBe('ok');
    // A key must match the serial that names it.
    expect(await reason(val.validate(signResponse(javaPriv, { serial: goCert.serial, body, timestamp: TS }), body))).toBe('signature_mismatch');
    expect(await reason(val.validate(signResponse(goKey, { serial: PUB_ID, body, timestamp: TS }), body))).toBe('signature_mismatch');
  });

  it('refuses a public key ID without the PUB_KEY_ID_ prefix', () => {
    expect(() => new WechatPayKeyStore().addPublicKey('0114232134912410000000000000', javaPub)).toThrow();
  });
});

describe('unknown serial refresh', () => {
  it('refreshes once and then accepts a serial that the refresh brought in', async () => {
    const s = new WechatPayKeyStore();
    const clock = fixedClock(TS * 1000);
    let calls = 0;
    const refresher = new CertificateRefresher({
      clock,
      refresh: async () => {
        calls++;
        s.addCertificate(goCert);
      },
    });
    const val = new ResponseValidator({ verifier: s, clock, onUnknownSerial: refresher.hook });
    const body = '{}';
    expect(await reason(val.validate(signResponse(goKey, { serial: goCert.serial, body, timestamp: TS }), body))).toBe('ok');
    expect(calls).toBe(1);
  });

  it('downloads at most once per interval however many forged serials arrive', async () => {
    const clock = fixedClock(TS * 1000);
    let calls = 0;
    const refresher = new CertificateRefresher({
      clock,
      minIntervalMs: 60_000,
      refresh: async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 5));
      },
    });
    const val = new ResponseValidator({ verifier: store(), clock, onUnknownSerial: refresher.hook });
    const body = '{}';
    const forged = Array.from({ length: 50 }, (_, i) => signResponse(goKey, { serial: `FORGED${i}`, body, timestamp: TS }));
    const results = await Promise.all(forged.map((h) => reason(val.validate(h, body))));
    expect(results.every((r) => r === 'unknown_serial')).toBe(true);
    for (const h of forged.slice(0, 10)) expect(await reason(val.validate(h, body))).toBe('unknown_serial');
    expect(calls).toBe(1);
    clock.advance(60_000);
    for (const h of forged.slice(0, 10)) await reason(val.validate(h, body));
    expect(calls).toBe(2);
  });

  it('keeps rejecting when the refresh itself fails', async () => {
    const clock = fixedClock(TS * 1000);
    const refresher = new CertificateRefresher({ clock, refresh: async () => Promise.reject(new Error('network down')) });
    const val = new ResponseValidator({ verifier: store(), clock, onUnknownSerial: refresher.hook });
    expect(await reason(val.validate(signResponse(goKey, { serial: 'NEW', body: '', timestamp: TS }), ''))).toBe('unknown_serial');
  });
});

describe('verification properties', () => {
  it('accepts any body signed by the platform key and rejects it after any single-bit flip', async () => {
    const val = validatorAt(TS * 1000);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 256 }), fc.nat(), fc.integer({ min: 0, max: 7 }), async (bytes, pos, bit) => {
        const body = Buffer.from(bytes);
        const h = signResponse(goKey, { serial: goCert.serial, body: body.toString('latin1'), timestamp: TS });
        const signedBytes = Buffer.from(body.toString('latin1'), 'utf8');
        expect(await reason(val.validate(h, signedBytes))).toBe('ok');
        const flipped = Buffer.from(signedBytes);
        flipped[pos % flipped.length]! ^= 1 << bit;
        expect(await reason(val.validate(h, flipped))).toBe('signature_mismatch');
      }),
      { numRuns: 60 },
    );
  });
});
