import { expect, it } from 'vitest';
import { describeEachDb } from '../../../test/helpers/db.ts';
import { fixedClock } from '../../lib/clock.ts';
import { generateDevelopmentKek, LocalKek } from '../../vault/local-kek.ts';
import { Vault } from '../../vault/vault.ts';
import { randomBytes } from 'node:crypto';
import { countVaultSecretsByKek, findVaultSecret } from '../../db/vault-secrets.ts';
import { verifyAuditLog } from '../../audit/verify.ts';
import { openSecret, sealSecret } from './secrets.ts';
import { rotateMasterKey } from './rotate-master-key.ts';

describeEachDb('master key rotation over vault_secrets', (t) => {
  const clock = fixedClock(Date.parse('2024-05-01T00:00:00Z'));
  const oldKek = generateDevelopmentKek();
  const newKek = new LocalKek(randomBytes(32));

  it('re-wraps every data key while concurrent readers keep opening secrets, never touching ciphertexts', async () => {
    const writer = new Vault({ provider: oldKek });
    const ids = Array.from({ length: 60 }, (_, i) => `test:rotation:${String(i).padStart(3, '0')}`);
    await t.db.transaction().execute(async (trx) => {
      for (const id of ids) await sealSecret({ vault: writer, clock }, trx, id, `value-${id}`);
    });
    const before = await findVaultSecret(t.db, ids[0]!);

    // A running node: knows the new KEK for reading before the rotation starts (runbook step 1).
    const node = new Vault({ provider: oldKek, previous: [newKek] });
    let reads = 0;
    let stop = false;
    const readers = (async () => {
      while (!stop) {
        const id = ids[reads % ids.length]!;
        expect((await openSecret({ vault: node, db: t.db }, id)).reveal()).toBe(`value-${id}`);
        reads++;
      }
    })();
    const rotator = new Vault({ provider: oldKek });
    const report = await rotateMasterKey({ db: t.db, clock, vault: rotator }, newKek, { type: 'cli', id: 'test' }, { pageSize: 7 });
    stop = true;
    await readers;

    expect(report.rewrapped).toBe(60);
    expect(report.remaining).toEqual([]);
    expect(reads).toBeGreaterThan(0);
    expect(await countVaultSecretsByKek(t.db)).toEqual([{ kek_id: newKek.kekId, n: 60 }]);
    const after = await findVaultSecret(t.db, ids[0]!);
    expect((after!.envelope as { ciphertext: string }).ciphertext).toBe((before!.envelope as { ciphertext: string }).ciphertext);
    // Only the new KEK is needed from now on.
    const onlyNew = new Vault({ provider: newKek });
    for (const id of ids) expect((await openSecret({ vault: onlyNew, db: t.db }, id)).reveal()).toBe(`value-${id}`);
    // Re-running is a no-op, and both runs are in the audit log.
    expect((await rotateMasterKey({ db: t.db, clock, vault: onlyNew }, newKek, { type: 'cli', id: 'test' })).rewrapped).toBe(0);
    const audit = await t.db.selectFrom('audit_log').select(['action', 'outcome']).where('action', '=', 'vault.master_key.rotated').execute();
    expect(audit).toHaveLength(2);
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
  });

  it('seals a replacement with the next version, and an old envelope put back does not open', async () => {
    const v = new Vault({ provider: newKek });
    const id = 'test:versioned';
    await t.db.transaction().execute((trx) => sealSecret({ vault: v, clock }, trx, id, 'one'));
    const first = await findVaultSecret(t.db, id);
    await t.db.transaction().execute((trx) => sealSecret({ vault: v, clock }, trx, id, 'two'));
    expect((await findVaultSecret(t.db, id))!.version).toBe(2);
    // Replay v1's ciphertext under the v2 version: the AAD binds the version, so it fails closed.
    const replay = { ...(first!.envelope as Record<string, unknown>), version: 2 };
    await t.db.updateTable('vault_secrets').set({ envelope: JSON.stringify(replay) }).where('id', '=', id).execute();
    await expect(openSecret({ vault: v, db: t.db }, id)).rejects.toMatchObject({ code: 'secret_open_failed' });
  });
});
