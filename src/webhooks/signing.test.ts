import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signWebhook, verifyWebhook } from './signing.ts';

describe('Standard Webhooks signing', () => {
  it('is accepted by the independent standardwebhooks implementation', () => {
    const secret = generateWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({ type: 'payment.succeeded', data: { id: 'pay_1', amount: 100 } });
    const headers = signWebhook([secret], 'evt_1', now, body);
    expect(() => new Webhook(secret).verify(body, { ...headers })).not.toThrow();
  });

  it('signs with both secrets during a rotation, and each alone verifies', () => {
    const oldS = generateWebhookSecret();
    const newS = generateWebhookSecret();
    const now = 1_700_000_000;
    const headers = signWebhook([newS, oldS], 'evt_2', now, '{}');
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verifyWebhook([oldS], { ...headers }, '{}', now)).toEqual({ ok: true });
    expect(verifyWebhook([newS], { ...headers }, '{}', now)).toEqual({ ok: true });
    expect(verifyWebhook([generateWebhookSecret()], { ...headers }, '{}', now)).toEqual({ ok: false, reason: 'no_matching_signature' });
  });

  it('rejects a tampered body, id or timestamp, and stale or future timestamps', () => {
    const s = generateWebhookSecret();
    const now = 1_700_000_000;
    const h = signWebhook([s], 'evt_3', now, '{"a":1}');
    expect(verifyWebhook([s], { ...h }, '{"a":2}', now).ok).toBe(false);
    expect(verifyWebhook([s], { ...h, 'webhook-id': 'evt_4' }, '{"a":1}', now).ok).toBe(false);
    expect(verifyWebhook([s], { ...h }, '{"a":1}', now + 301)).toEqual({ ok: false, reason: 'timestamp_out_of_window' });
    expect(verifyWebhook([s], { ...h }, '{"a":1}', now - 301)).toEqual({ ok: false, reason: 'timestamp_out_of_window' });
    expect(verifyWebhook([s], {}, '{"a":1}', now)).toEqual({ ok: false, reason: 'missing_headers' });
  });

  it('round-trips any body (property)', () => {
    const s = generateWebhookSecret();
    fc.assert(
      fc.property(fc.string(), fc.string({ minLength: 1, maxLength: 40 }), (body, id) => {
        const h = signWebhook([s], id, 1_700_000_000, body);
        return verifyWebhook([s], { ...h }, body, 1_700_000_000).ok;
      }),
    );
  });
});
