import { beforeAll, describe, expect, it } from 'vitest';
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
  IdempotencyKeyTaken,
  IdempotencySession,
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

  describe('IdempotencySession: the claim inside the caller\'s transaction', () => {
    const session = (key: string, fp = fpA) => new IdempotencySession(deps(), ref(key), fp);
    const keyRow = (key: string) => t.db.selectFrom('idempotency_keys').selectAll().where('merchant_id', '=', merchantId).where('key', '=', key).executeTakeFirst();
    const marker = (key: string) => ({ merchant_id: merchantId, endpoint: 'test-marker', key, request_fingerprint: fpA, state: 'in_flight' as const, locked_at: new Date(clock.now()), created_at: new Date(clock.now()), expires_at: new Date(clock.now() + KEY_RETENTION_MS) });

    it('commits the claim with the caller\'s writes; a second claim of the key writes nothing and begin() decides', async () => {
      const key = freshKey();
      const a = session(key);
      await a.inClaimTransaction(async (trx) => {
        await trx.insertInto('idempotency_keys').values(marker(key)).execute();
      });
      expect(a.held).toBe(true);
      expect(await keyRow(key)).toMatchObject({ state: 'in_flight', request_fingerprint: fpA });

      const b = session(key);
      await expect(b.inClaimTransaction(async (trx) => void (await trx.insertInto('idempotency_keys').values(marker(`${key}-b`)).execute()))).rejects.toBeInstanceOf(IdempotencyKeyTaken);
      expect(b.held).toBe(false);
      expect(await t.db.selectFrom('idempotency_keys').select('key').where('key', '=', `${key}-b`).executeTakeFirst()).toBeUndefined();
      expect(await b.begin()).toEqual({ kind: 'in_flight' });
      expect(await session(key, fpB).begin()).toEqual({ kind: 'mismatch' });

      expect(await a.complete(201, { id: 'pay_s' })).toBe(true);
      expect(await a.complete(201, { id: 'again' })).toBe(false);
      expect(await session(key).begin()).toEqual({ kind: 'replay', status: 201, body: { id: 'pay_s' } });
    });

    it('a failure inside the transaction rolls the claim back with everything else: the key is free again', async () => {
      const key = freshKey();
      const a = session(key);
      await expect(
        a.inClaimTransaction(async (trx) => {
          await trx.insertInto('idempotency_keys').values(marker(key)).execute();
          throw new Error('crash before commit');
        }),
      ).rejects.toThrow('crash before commit');
      expect(a.held).toBe(false);
      expect(await keyRow(key)).toBeUndefined();
      expect(await t.db.selectFrom('idempotency_keys').select('key').where('endpoint', '=', 'test-marker').where('key', '=', key).executeTakeFirst()).toBeUndefined();
      const retry = session(key);
      await retry.inClaimTransaction(async () => undefined);
      expect(retry.held).toBe(true);
      expect(await retry.release()).toBe(true);
      expect(await keyRow(key)).toBeUndefined();
    });

    it('stores a refusal before any claim in one insert, and replays it; a taken key is not overwritten', async () => {
      const key = freshKey();
      const a = session(key);
      expect(await a.storeRefusal(400, { error: { code: 'invalid_request' } })).toBe(true);
      expect(a.completed).toBe(true);
      expect(await session(key).begin()).toEqual({ kind: 'replay', status: 400, body: { error: { code: 'invalid_request' } } });
      expect(await session(key).storeRefusal(400, { error: { code: 'other' } })).toBe(false);
      expect((await keyRow(key))!.response_body).toEqual({ error: { code: 'invalid_request' } });
    });

    it('a takeover after a stale lock holds the key and hands back the recorded resource', async () => {
      const key = freshKey();
      const a = session(key);
      await a.inClaimTransaction(async (trx) => {
        await recordIdempotentResource({ db: trx }, ref(key), 'pay_taken_over');
      });
      clock.advance(60_001);
      const b = session(key);
      await expect(b.inClaimTransaction(async () => undefined)).rejects.toBeInstanceOf(IdempotencyKeyTaken);
      expect(await b.begin()).toEqual({ kind: 'new', recovered: true, resourceId: 'pay_taken_over' });
      expect(b.held).toBe(true);
      expect(b.resumeId).toBe('pay_taken_over');
      // Held now: its next transaction does not claim again.
      expect(await b.inClaimTransaction(async () => 'ran')).toBe('ran');
    });
  });
});

it('fingerprints bodies independent of key order but sensitive to values', () => {
  expect(requestFingerprint({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(requestFingerprint({ b: { d: [1, 2], c: 2 }, a: 1 }));
  expect(requestFingerprint({ a: 1 })).not.toBe(requestFingerprint({ a: 2 }));
  expect(requestFingerprint({ a: [1, 2] })).not.toBe(requestFingerprint({ a: [2, 1] }));
  expect(requestFingerprint({ a: '1' })).not.toBe(requestFingerprint({ a: 1 }));
});
