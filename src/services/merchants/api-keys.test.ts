import { describe, expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { createTestMerchant } from '../../../test/helpers/merchant.ts';
import { fixedClock } from '../../lib/clock.ts';
import { setMerchantDisabled } from '../../db/merchants.ts';
import { revokeApiKey as revokeKeyRow } from '../../db/merchant-api-keys.ts';
import { API_KEY_CACHE_TTL_MS, authenticateApiKey, createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';

const clock = fixedClock(Date.parse('2025-03-01T00:00:00Z'));

describeEachDb('merchant API keys', (t) => {
  const deps = () => ({ db: t.db, clock });

  it('issues sk_test_ keys for sandbox merchants that authenticate to their merchant', async () => {
    const m = await createTestMerchant(t.db);
    const { token, key } = await createApiKey(deps(), m.id, 'ci');
    expect(token).toMatch(/^sk_test_[A-Za-z0-9]{44}$/);
    expect(key.hint.startsWith(token.slice(0, 20))).toBe(true);
    expect(key.hint.endsWith(token.slice(-4))).toBe(true);
    const auth = await authenticateApiKey(deps(), token);
    expect(auth?.merchant.id).toBe(m.id);
    expect(auth?.keyId).toBe(key.id);
  });

  it('issues sk_live_ keys for live merchants', async () => {
    const m = await createTestMerchant(t.db, { mode: 'live', h5Domains: ['shop.example.com'], wechatApiBaseUrl: 'https://api.mch.weixin.qq.com' });
    const { token } = await createApiKey(deps(), m.id);
    expect(token.startsWith('sk_live_')).toBe(true);
    expect((await authenticateApiKey(deps(), token))?.merchant.id).toBe(m.id);
    // The same key with the other prefix is not a valid token.
    expect(await authenticateApiKey(deps(), token.replace('sk_live_', 'sk_test_'))).toBeNull();
  });

  it('never stores the token: only its SHA-256 and last four characters', async () => {
    const m = await createTestMerchant(t.db);
    const { token } = await createApiKey(deps(), m.id);
    const rows = await t.db.selectFrom('merchant_api_keys').selectAll().where('merchant_id', '=', m.id).execute();
    expect(JSON.stringify(rows)).not.toContain(token.slice(20));
  });

  it('rejects a wrong secret, a malformed token and an unknown lookup id', async () => {
    const m = await createTestMerchant(t.db);
    const { token } = await createApiKey(deps(), m.id);
    const flipped = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
    expect(await authenticateApiKey(deps(), flipped)).toBeNull();
    expect(await authenticateApiKey(deps(), 'sk_test_short')).toBeNull();
    expect(await authenticateApiKey(deps(), `Bearer ${token}`)).toBeNull();
    expect(await authenticateApiKey(deps(), `sk_test_ZZZZZZZZZZZZ${token.slice(20)}`)).toBeNull();
  });

  it('keeps several keys active for rotation and stops accepting a revoked one', async () => {
    const m = await createTestMerchant(t.db);
    const a = await createApiKey(deps(), m.id, 'old');
    clock.advance(1000);
    const b = await createApiKey(deps(), m.id, 'new');
    expect(await authenticateApiKey(deps(), a.token)).not.toBeNull();
    expect(await authenticateApiKey(deps(), b.token)).not.toBeNull();
    await revokeApiKey(deps(), m.id, a.key.id);
    expect(await authenticateApiKey(deps(), a.token)).toBeNull();
    expect(await authenticateApiKey(deps(), b.token)).not.toBeNull();
    const listed = await listApiKeys(deps(), m.id);
    expect(listed.map((k) => [k.label, k.revokedAt !== null])).toEqual([
      ['old', true],
      ['new', false],
    ]);
    await expect(revokeApiKey(deps(), m.id, a.key.id)).rejects.toMatchObject({ code: 'api_key_not_found' });
  });

  it("cannot revoke another merchant's key", async () => {
    const m1 = await createTestMerchant(t.db);
    const m2 = await createTestMerchant(t.db);
    const k = await createApiKey(deps(), m1.id);
    await expect(revokeApiKey(deps(), m2.id, k.key.id)).rejects.toMatchObject({ code: 'api_key_not_found' });
    expect(await authenticateApiKey(deps(), k.token)).not.toBeNull();
  });

  it('refuses keys of a disabled merchant', async () => {
    const m = await createTestMerchant(t.db);
    const { token } = await createApiKey(deps(), m.id);
    await setMerchantDisabled(t.db, m.id, true, new Date(clock.now()));
    expect(await authenticateApiKey(deps(), token)).toBeNull();
  });

  it('records last use at most once a minute', async () => {
    const m = await createTestMerchant(t.db);
    const { token, key } = await createApiKey(deps(), m.id);
    const lastUsed = async () => (await listApiKeys(deps(), m.id)).find((k) => k.id === key.id)?.lastUsedAt?.getTime();
    await authenticateApiKey(deps(), token);
    const first = clock.now();
    expect(await lastUsed()).toBe(first);
    clock.advance(30_000);
    await authenticateApiKey(deps(), token);
    expect(await lastUsed()).toBe(first);
    clock.advance(31_000);
    await authenticateApiKey(deps(), token);
    expect(await lastUsed()).toBe(clock.now());
  });

  describe('the lookup cache', () => {
    it('serves a known key without the database, and still checks the secret of every token', async () => {
      const m = await createTestMerchant(t.db);
      const { token } = await createApiKey(deps(), m.id);
      const calls: string[] = [];
      const counting = t.db.withPlugin({
        transformQuery: (a) => {
          calls.push(a.node.kind);
          return a.node;
        },
        transformResult: async (a) => a.result,
      });
      // One handle per cache: the counting handle gets its own, filled by the first call.
      const d = { db: counting, clock };
      expect((await authenticateApiKey(d, token))?.merchant.id).toBe(m.id);
      const afterFirst = calls.length;
      expect(afterFirst).toBeGreaterThan(0);
      expect((await authenticateApiKey(d, token))?.merchant.id).toBe(m.id);
      expect(calls.length).toBe(afterFirst);
      // Same lookup id, another secret: refused although the key's row is cached.
      const flipped = token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a');
      expect(await authenticateApiKey(d, flipped)).toBeNull();
      expect(await authenticateApiKey(d, token.replace('sk_test_', 'sk_live_'))).toBeNull();
      expect(calls.length).toBe(afterFirst);
    });

    it('a revocation through the service takes effect at once on this process', async () => {
      const m = await createTestMerchant(t.db);
      const { token, key } = await createApiKey(deps(), m.id);
      expect(await authenticateApiKey(deps(), token)).not.toBeNull();
      expect(await authenticateApiKey(deps(), token)).not.toBeNull();
      await revokeApiKey(deps(), m.id, key.id);
      expect(await authenticateApiKey(deps(), token)).toBeNull();
    });

    it(`a revocation made elsewhere (the CLI, another node) takes effect within ${API_KEY_CACHE_TTL_MS} ms`, async () => {
      const m = await createTestMerchant(t.db);
      const { token, key } = await createApiKey(deps(), m.id);
      expect(await authenticateApiKey(deps(), token)).not.toBeNull();
      // Straight in the table, as another process would: this process's cache is not told.
      expect(await revokeKeyRow(t.db, m.id, key.id, new Date(clock.now()))).toBe(true);
      expect(await authenticateApiKey(deps(), token)).not.toBeNull();
      clock.advance(API_KEY_CACHE_TTL_MS);
      expect(await authenticateApiKey(deps(), token)).toBeNull();
    });

    it('a disabled merchant is refused within the same bound', async () => {
      const m = await createTestMerchant(t.db);
      const { token } = await createApiKey(deps(), m.id);
      expect(await authenticateApiKey(deps(), token)).not.toBeNull();
      await setMerchantDisabled(t.db, m.id, true, new Date(clock.now()));
      clock.advance(API_KEY_CACHE_TTL_MS);
      expect(await authenticateApiKey(deps(), token)).toBeNull();
    });

    it('keeps no miss: a key created after a failed attempt works at once', async () => {
      const m = await createTestMerchant(t.db);
      const { token } = await createApiKey(deps(), m.id);
      const unknown = `sk_test_${'Z'.repeat(12)}${token.slice(20)}`;
      expect(await authenticateApiKey(deps(), unknown)).toBeNull();
      expect(await authenticateApiKey(deps(), token)).not.toBeNull();
    });
  });
});
