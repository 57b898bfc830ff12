import { beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { createTestMerchant } from '../../../test/helpers/merchant.ts';
import { fixedClock } from '../../lib/clock.ts';
import {
  beginIdempotent,
  completeIdempotent,
  purgeExpiredIdempotencyKeys,
  recordIdempotentResource,
  releaseIdempotent,
  requestFingerprint,
  KEY_RETENTION_MS,
} from './idempotency.ts';

const clock = fixedClock(Date.parse('2025-03-01T00:00:00Z'));
let n = 0;
const freshKey = () => `key-${Date.now()}-${++n}`;

describeEachDb('idempotency store', (t) => {
  let merchantId = '';
  const deps = () => ({ db: t.db, clock, lockTimeoutMs: 60_000 });
  const ref = (key: string, endpoint = 'POST /v1/payments') => ({ merchantId, endpoint, key });
  const fpA = requestFingerprint({ amount: 100, description: 'tea' });
  const fpB = requestFingerprint({ amount: 200, description: 'tea' });

  beforeAll(async () => {
    merchantId = (await createTestMerchant(t.db)).id;
  });

  it('gives exactly one of 20 concurrent first requests the right to run', async () => {
    const key = freshKey();
    const results = await Promise.all(Array.from({ length: 20 }, () => beginIdempotent(deps(), ref(key), fpA)));
    expect(results.filter((r) => r.kind === 'new')).toHaveLength(1);
    expect(results.filter((r) => r.kind === 'in_flight')).toHaveLength(19);
  });

  it('replays the stored status and body for the same key and body once completed', async () => {
    const key = freshKey();
    expect((await beginIdempotent(deps(), ref(key), fpA)).kind).toBe('new');
    const body = { id: 'pay_1', amount: 100, items: [1, 2] };
    expect(await completeIdempotent(deps(), ref(key), 201, body)).toBe(true);
    expect(await beginIdempotent(deps(), ref(key), fpA)).toEqual({ kind: 'replay', status: 201, body });
  });

  it('stores error responses too, so a retry sees the same error', async () => {
    const key = freshKey();
    await beginIdempotent(deps(), ref(key), fpA);
    await completeIdempotent(deps(), ref(key), 400, { error: { code: 'redirect_url_not_allowed' } });
    expect(await beginIdempotent(deps(), ref(key), fpA)).toMatchObject({ kind: 'replay', status: 400 });
  });

  it('answers mismatch for the same key with a different body, completed or not', async () => {
    const key = freshKey();
    await beginIdempotent(deps(), ref(key), fpA);
    expect(await beginIdempotent(deps(), ref(key), fpB)).toEqual({ kind: 'mismatch' });
    await completeIdempotent(deps(), ref(key), 201, {});
    expect(await beginIdempotent(deps(), ref(key), fpB)).toEqual({ kind: 'mismatch' });
  });

  it('scopes keys by endpoint and by merchant', async () => {
    const other = (await createTestMerchant(t.db)).id;
    const key = freshKey();
    expect((await beginIdempotent(deps(), ref(key), fpA)).kind).toBe('new');
    expect((await beginIdempotent(deps(), ref(key, 'POST /v1/payments/:id/refunds'), fpA)).kind).toBe('new');
    expect((await beginIdempotent(deps(), { merchantId: other, endpoint: 'POST /v1/payments', key }, fpA)).kind).toBe('new');
  });

  it('lets a retry run afresh after a release, and a release cannot delete a completed key', async () => {
    const key = freshKey();
    await beginIdempotent(deps(), ref(key), fpA);
    expect(await releaseIdempotent(deps(), ref(key))).toBe(true);
    expect((await beginIdempotent(deps(), ref(key), fpB)).kind).toBe('new');
    await completeIdempotent(deps(), ref(key), 201, { ok: true });
    expect(await releaseIdempotent(deps(), ref(key))).toBe(false);
    expect((await beginIdempotent(deps(), ref(key), fpB)).kind).toBe('replay');
  });

  it('takes over a stale in-flight lock once, handing back the resource the first attempt recorded', async () => {
    const key = freshKey();
    await beginIdempotent(deps(), ref(key), fpA);
    await recordIdempotentResource(deps(), ref(key), 'pay_abc');
    clock.advance(59_000);
    expect((await beginIdempotent(deps(), ref(key), fpA)).kind).toBe('in_flight');
    clock.advance(1_000);
    const racers = await Promise.all(Array.from({ length: 10 }, () => beginIdempotent(deps(), ref(key), fpA)));
    const winners = racers.filter((r) => r.kind === 'new');
    expect(winners).toEqual([{ kind: 'new', recovered: true, resourceId: 'pay_abc' }]);
    expect(racers.filter((r) => r.kind === 'in_flight')).toHaveLength(9);
  });

  it('treats a key reused after its retention as a new request, and purges expired keys', async () => {
    const key = freshKey();
    await beginIdempotent(deps(), ref(key), fpA);
    await completeIdempotent(deps(), ref(key), 201, { first: true });
    clock.advance(KEY_RETENTION_MS - 1);
    expect((await beginIdempotent(deps(), ref(key), fpA)).kind).toBe('replay');
    clock.advance(1);
    expect(await beginIdempotent(deps(), ref(key), fpB)).toEqual({ kind: 'new', recovered: false, resourceId: null });
    await completeIdempotent(deps(), ref(key), 201, { second: true });
    clock.advance(KEY_RETENTION_MS);
    const purged = await purgeExpiredIdempotencyKeys(deps(), 2);
    expect(purged).toBeGreaterThanOrEqual(1);
    const left = await t.db.selectFrom('idempotency_keys').select('key').where('expires_at', '<=', new Date(clock.now())).execute();
    expect(left).toEqual([]);
  });

  it('refuses malformed keys with invalid_idempotency_key', async () => {
    await expect(beginIdempotent(deps(), ref(''), fpA)).rejects.toMatchObject({ code: 'invalid_idempotency_key' });
    await expect(beginIdempotent(deps(), ref('x'.repeat(256)), fpA)).rejects.toMatchObject({ code: 'invalid_idempotency_key' });
    await expect(beginIdempotent(deps(), ref('has space'), fpA)).rejects.toMatchObject({ code: 'invalid_idempotency_key' });
  });
});

it('fingerprints bodies independent of key order but sensitive to values', () => {
  expect(requestFingerprint({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(requestFingerprint({ b: { d: [1, 2], c: 2 }, a: 1 }));
  expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
  expect(requestFingerprint({ a: [1, 2] })).not.toBe(requestFingerprint({ a: [2, 1] }));
  expect(requestFingerprint({ a: '1' })).not.toBe(requestFingerprint({ a: 1 }));
});
