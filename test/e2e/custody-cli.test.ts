import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli.ts';
import { openDatabase } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { appendAudit } from '../../src/audit/append.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openVaultFromConfig } from '../../src/services/custody/kms-from-config.ts';
import { openSecret, sealSecret } from '../../src/services/custody/secrets.ts';
import { generateMasterKeyFileContent } from '../../src/vault/local-kek.ts';
import { startFakeVaultTransit } from '../helpers/fake-vault-transit.ts';

/** `anfu audit verify|head` and `anfu keys generate-master|status|rotate-master` against a PGlite data dir. */
describe('custody and audit commands', () => {
  const dir = mkdtempSync(join(tmpdir(), 'anfu-cli-'));
  const saved = { ...process.env };

  beforeAll(async () => {
    process.env.ANFU_DATA_DIR = join(dir, 'data');
    process.env.ANFU_MODE = 'sandbox';
    const h = await openDatabase({ dataDir: join(dir, 'data') });
    await migrateToLatest(h.db);
    for (let i = 0; i < 3; i++) {
      await h.db.transaction().execute((trx) => appendAudit({ clock: systemClock }, trx, { actor: { type: 'cli', id: 't' }, action: 'test.entry', outcome: 'success', data: { i } }));
    }
    await h.close();
  }, 60_000);
  afterAll(() => {
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(...args: string[]): Promise<{ out: string; err: string; code: number }> {
    let out = '';
    let err = '';
    const o = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    const e = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((err += String(c)), true));
    process.exitCode = 0;
    try {
      await buildProgram().exitOverride().parseAsync(['node', 'anfu', ...args]);
    } finally {
      o.mockRestore();
      e.mockRestore();
    }
    const code = Number(process.exitCode ?? 0);
    process.exitCode = 0;
    return { out, err, code };
  }

  it('verifies an intact chain and exports its head', async () => {
    const v = await run('audit', 'verify');
    expect(v.code).toBe(0);
    expect(JSON.parse(v.out)).toMatchObject({ ok: true, count: 3 });
    const h = await run('audit', 'head');
    const exported = JSON.parse(h.out).head as string;
    expect(exported).toMatch(/^[0-9a-f]{64}$/);
    // Later entries keep the exported head a valid anchor; a head that is not on the chain fails.
    const db = await openDatabase({ dataDir: join(dir, 'data') });
    await db.db.transaction().execute((trx) => appendAudit({ clock: systemClock }, trx, { actor: { type: 'cli', id: 't' }, action: 'test.later', outcome: 'success' }));
    await db.close();
    expect((await run('audit', 'verify', '--expected-head', exported)).code).toBe(0);
    const wrong = await run('audit', 'verify', '--expected-head', 'a'.repeat(64));
    expect([wrong.code, wrong.err]).toEqual([1, expect.stringContaining('anchor_not_found')]);
  }, 60_000);

  it('exits 1 naming the first broken entry after tampering', async () => {
    const h = await openDatabase({ dataDir: join(dir, 'data') });
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(h.db);
    await sql`UPDATE audit_log SET actor_id = 'mallory' WHERE id = 2`.execute(h.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(h.db);
    await h.close();
    const v = await run('audit', 'verify');
    expect(v.code).toBe(1);
    expect(v.err).toContain('audit chain broken at entry 2: hash_mismatch');
  }, 60_000);

  it('keys generate-master, rotate-master and status: every sealed secret moves to the new key and still opens', async () => {
    const oldKey = join(dir, 'old.key');
    const newKey = join(dir, 'new.key');
    writeFileSync(oldKey, generateMasterKeyFileContent(), { mode: 0o600 });
    process.env.ANFU_MASTER_KEY_FILE = oldKey;
    const oldVault = openVaultFromConfig(loadConfig());
    const h = await openDatabase({ dataDir: join(dir, 'data') });
    for (let i = 0; i < 5; i++) await h.db.transaction().execute((trx) => sealSecret({ vault: oldVault, clock: systemClock }, trx, `test:cli:${i}`, `cli secret ${i}`));
    await h.close();

    const gen = await run('keys', 'generate-master', '--out', newKey);
    expect([gen.code, JSON.parse(gen.out)]).toEqual([0, { written: newKey }]);
    expect(statSync(newKey).mode & 0o777).toBe(0o600);
    const before = JSON.parse((await run('keys', 'status')).out) as { current_kek: string; secrets_by_kek: Array<{ kek_id: string }> };
    expect(before.secrets_by_kek.map((r) => r.kek_id)).toContain(oldVault.currentProvider.kekId);

    const missing = await run('keys', 'rotate-master', '--new-key-file', join(dir, 'nope.key'));
    expect([missing.code, missing.err]).toEqual([1, expect.stringContaining('master_key_file_missing')]);
    const rotated = await run('keys', 'rotate-master', '--new-key-file', newKey, '--page-size', '2');
    expect(rotated.code, rotated.err).toBe(0);
    expect(JSON.parse(rotated.out)).toMatchObject({ rewrapped: 5, conflicts: 0, remaining: [] });

    // The new key alone now opens everything.
    process.env.ANFU_MASTER_KEY_FILE = newKey;
    const after = JSON.parse((await run('keys', 'status')).out) as { current_kek: string; secrets_by_kek: Array<{ kek_id: string }> };
    expect(after.secrets_by_kek.map((r) => r.kek_id)).toEqual([after.current_kek]);
    expect(after.current_kek).not.toBe(before.current_kek);
    const newVault = openVaultFromConfig(loadConfig());
    const h2 = await openDatabase({ dataDir: join(dir, 'data') });
    try {
      for (let i = 0; i < 5; i++) expect((await openSecret({ vault: newVault, db: h2.db }, `test:cli:${i}`)).reveal()).toBe(`cli secret ${i}`);
      const audit = await h2.db.selectFrom('audit_log').select(['action', 'outcome']).where('action', '=', 'vault.master_key.rotated').execute();
      expect(audit).toEqual([{ action: 'vault.master_key.rotated', outcome: 'success' }]);
    } finally {
      await h2.close();
    }
    // The output never carries key material.
    for (const f of [oldKey, newKey]) expect(gen.out + rotated.out + gen.err + rotated.err).not.toContain(readFileSync(f, 'utf8').trim());
  }, 60_000);

  it('keys rotate-master with Vault transit: moves local-KEK records into Vault and re-wraps the rest onto the newest transit key version', async () => {
    expect((await run('keys', 'rotate-master')).err).toContain('new_key_file_required');
    const fake = await startFakeVaultTransit();
    try {
      const tokenFile = join(dir, 'vault-token');
      writeFileSync(tokenFile, fake.token, { mode: 0o600 });
      // The local key of the previous test stays readable while its records move into Vault.
      process.env.ANFU_PREVIOUS_MASTER_KEY_FILE = process.env.ANFU_MASTER_KEY_FILE;
      delete process.env.ANFU_MASTER_KEY_FILE;
      Object.assign(process.env, { ANFU_KMS: 'vault-transit', ANFU_VAULT_ADDR: fake.url, ANFU_VAULT_TOKEN_FILE: tokenFile, ANFU_VAULT_TRANSIT_KEY: 'anfu-kek' });
      const transitVault = openVaultFromConfig(loadConfig());
      const h = await openDatabase({ dataDir: join(dir, 'data') });
      for (let i = 0; i < 3; i++) await h.db.transaction().execute((trx) => sealSecret({ vault: transitVault, clock: systemClock }, trx, `test:transit:${i}`, `transit secret ${i}`));
      await h.close();
      fake.rotate('anfu-kek');

      const rotated = await run('keys', 'rotate-master');
      expect(rotated.code, rotated.err).toBe(0);
      expect(JSON.parse(rotated.out)).toMatchObject({ rewrapped: 8, remaining: [] });
      const status = JSON.parse((await run('keys', 'status')).out) as { current_kek: string; secrets_by_kek: Array<{ kek_id: string }> };
      expect(status.secrets_by_kek.map((r) => r.kek_id)).toEqual([status.current_kek]);
      const h2 = await openDatabase({ dataDir: join(dir, 'data') });
      try {
        const envelopes = await h2.db.selectFrom('vault_secrets').select(['id', 'envelope']).where('id', 'like', 'test:%').execute();
        for (const e of envelopes) expect([e.id, JSON.parse(typeof e.envelope === 'string' ? e.envelope : JSON.stringify(e.envelope)).wrappedKey]).toEqual([e.id, expect.stringMatching(/^vault:v2:/)]);
        // Vault alone (no local key) opens every record now.
        delete process.env.ANFU_PREVIOUS_MASTER_KEY_FILE;
        const onlyVault = openVaultFromConfig(loadConfig());
        for (let i = 0; i < 5; i++) expect((await openSecret({ vault: onlyVault, db: h2.db }, `test:cli:${i}`)).reveal()).toBe(`cli secret ${i}`);
        for (let i = 0; i < 3; i++) expect((await openSecret({ vault: onlyVault, db: h2.db }, `test:transit:${i}`)).reveal()).toBe(`transit secret ${i}`);
      } finally {
        await h2.close();
      }
      expect(rotated.out + rotated.err).not.toContain(fake.token);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
