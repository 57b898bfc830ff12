import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { testVault } from '../../../test/helpers/vault.ts';
import { fixedClock } from '../../lib/clock.ts';
import { personalDataIndex, protectPersonalData, revealPersonalData } from './personal-data.ts';

/**
 * Field-level encryption with blind indexes, on the database: each kind of personal datum is sealed
 * in `vault_secrets` under its owner, the owning row keeps only an HMAC index and a mask, and an
 * equality lookup finds the owner from the value however it is spelled. No plaintext anywhere.
 */
describeEachDb('personal data in the database: sealed values, blind-index lookup, masks', (t) => {
  const clock = fixedClock(Date.parse('2026-01-01T00:00:00Z'));
  const ctx = () => ({ db: t.db, clock, vault: testVault() });
  const values = {
    openid: ['oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o'],
    phone: ['+86 138-0013-8000', '13800138000'],
    id_number: ['11010519491231002x', '11010519491231002X'],
    bank_account: ['6222 0202 0011 2233 445', '6222020200112233445'],
  } as const;

  it('seals each kind under its owner, finds the owner by its index from any spelling, and stores no plaintext', async () => {
    const stored: Array<{ kind: keyof typeof values; owner: string; index: string; masked: string }> = [];
    for (const kind of Object.keys(values) as Array<keyof typeof values>) {
      for (const owner of [`${kind}-a`, `${kind}-b`]) {
        // Owner b holds another value of the same kind; owner a the listed one.
        const value = owner.endsWith('-a') ? values[kind][0] : kind === 'openid' ? 'oOtherOpenid0000000000000000' : kind === 'phone' ? '13900139000' : kind === 'id_number' ? '110101199001011237' : '6217000010001234567';
        const r = await t.db.transaction().execute((trx) => protectPersonalData(ctx(), trx, kind, { type: 'test', id: owner }, value));
        stored.push({ kind, owner, ...r });
      }
    }
    for (const kind of Object.keys(values) as Array<keyof typeof values>) {
      // The lookup spelling differs from the stored one (separators, +86, case of X): same index.
      const index = await personalDataIndex(ctx(), kind, values[kind][1]);
      expect(stored.filter((s) => s.index === index).map((s) => s.owner)).toEqual([`${kind}-a`]);
      expect((await revealPersonalData(ctx(), kind, { type: 'test', id: `${kind}-a` }))!.reveal()).toBe(values[kind][1]);
    }
    expect(stored.find((s) => s.owner === 'phone-a')!.masked).toBe('138****8000');
    expect(stored.find((s) => s.owner === 'bank_account-a')!.masked).toMatch(/^\*+3445$/);
    // Kinds are separated: the same digits as a phone and as a bank account index differently.
    expect(await personalDataIndex(ctx(), 'phone', '13800138000')).not.toBe(await personalDataIndex(ctx(), 'bank_account', '13800138000'));

    const dump = (await sql<{ j: string }>`SELECT row_to_json(v)::text AS j FROM vault_secrets v`.execute(t.db)).rows.map((r) => r.j).join('\n');
    for (const v of [...Object.values(values).flat(), '13800138000', '6222020200112233445', '11010519491231002']) expect(dump).not.toContain(v);
    // One index key, created once and sealed like any other secret.
    const keys = await t.db.selectFrom('vault_secrets').select('id').where('id', '=', 'system:blind_index_key').execute();
    expect(keys).toHaveLength(1);
  });

  it('refuses malformed values with per-kind codes, never echoing them', async () => {
    for (const [kind, bad] of [['phone', '12345'], ['id_number', '110101199003074478'], ['bank_account', '12ab'], ['openid', '']] as const) {
      const err = await t.db
        .transaction()
        .execute((trx) => protectPersonalData(ctx(), trx, kind, { type: 'test', id: `bad-${kind}` }, bad))
        .then(
          () => undefined,
          (e: { code?: string; message?: string; details?: unknown }) => e,
        );
      expect(err?.code).toBe(`pii_${kind}_invalid`);
      if (bad.length > 3) expect(JSON.stringify({ m: err?.message, d: err?.details })).not.toContain(bad);
    }
  });
});
