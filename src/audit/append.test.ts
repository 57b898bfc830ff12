import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { describeEachDb } from '../../test/helpers/db.ts';
import { fixedClock } from '../lib/clock.ts';
import { appendAudit, type AuditInput } from './append.ts';
import { GENESIS_HASH } from './chain.ts';
import { purgeExpiredAudit } from './retention.ts';
import { exportAuditHead, verifyAuditLog } from './verify.ts';

const entry = (action: string, data: Record<string, unknown> = {}): AuditInput => ({
  actor: { type: 'cli', id: 'tester' },
  action,
  target: { type: 'merchant', id: 'mer_A' },
  merchantId: 'mer_A',
  outcome: 'success',
  ip: '127.0.0.1',
  data,
});

describeEachDb('audit log', (t) => {
  const clock = fixedClock(Date.parse('2024-01-01T00:00:00.000Z'));

  it('chains entries written in their own transactions and verifies to the head', async () => {
    const empty = await exportAuditHead(t.db);
    expect(empty.head).toBe(GENESIS_HASH);
    for (let i = 0; i < 3; i++) {
      await t.db.transaction().execute((trx) => appendAudit({ clock }, trx, entry('test.step', { i, nested: { b: 1, a: [true, null] } })));
    }
    const v = await verifyAuditLog(t.db);
    expect(v).toMatchObject({ ok: true, count: 3 });
    expect((await exportAuditHead(t.db)).head).toBe(v.ok ? v.head : '');
  });

  it('gives concurrent appends one order: 20 parallel transactions still verify', async () => {
    await Promise.all(Array.from({ length: 20 }, (_, i) => t.db.transaction().execute((trx) => appendAudit({ clock }, trx, entry('test.parallel', { i })))));
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true, count: 23 });
  });

  it('writes nothing when the surrounding transaction rolls back', async () => {
    const before = (await exportAuditHead(t.db)).head;
    await expect(
      t.db.transaction().execute(async (trx) => {
        await appendAudit({ clock }, trx, entry('test.rolled_back'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await exportAuditHead(t.db)).head).toBe(before);
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true, count: 23 });
  });

  it('refuses malformed entries with audit_entry_invalid', async () => {
    await expect(t.db.transaction().execute((trx) => appendAudit({ clock }, trx, { ...entry('Bad Action') }))).rejects.toMatchObject({ code: 'audit_entry_invalid' });
    await expect(t.db.transaction().execute((trx) => appendAudit({ clock }, trx, entry('test.x', { when: new Date() })))).rejects.toThrow(/canonical JSON/);
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the log', async () => {
    await expect(sql`UPDATE audit_log SET actor_id = 'mallory'`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
    await expect(sql`TRUNCATE audit_log`.execute(t.db)).rejects.toThrow(/append-only/);
  });

  it('names the first broken entry when a row is altered behind the trigger', async () => {
    const rows = await t.db.selectFrom('audit_log').select('id').orderBy('id').execute();
    const victim = rows[5]!.id;
    await t.db.transaction().execute(async (trx) => {
      await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(trx);
      await sql`UPDATE audit_log SET data = '{"i": 999}' WHERE id = ${victim}`.execute(trx);
      const v = await verifyAuditLog(trx as never);
      expect(v).toMatchObject({ ok: false, firstBrokenId: String(victim), reason: 'hash_mismatch' });
      throw new Error('undo');
    }).catch((e: Error) => expect(e.message).toBe('undo'));
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
  });

  it('purges only entries past retention, anchors the rest, and still verifies', async () => {
    await expect(purgeExpiredAudit({ db: t.db, clock }, 30)).rejects.toMatchObject({ code: 'audit_retention_too_short' });
    expect(await purgeExpiredAudit({ db: t.db, clock }, 365)).toBe(0);
    clock.set(Date.parse('2025-06-01T00:00:00.000Z'));
    await t.db.transaction().execute((trx) => appendAudit({ clock }, trx, entry('test.recent')));
    const removed = await purgeExpiredAudit({ db: t.db, clock }, 365);
    expect(removed).toBe(23);
    const v = await verifyAuditLog(t.db);
    expect(v).toMatchObject({ ok: true, count: 2, purged: 23 });
    expect(v.anchor).not.toBe(GENESIS_HASH);
  });

  it('verifies against an exported head after more entries, and detects a tail truncated behind it with the head row rewritten', async () => {
    const exported = await exportAuditHead(t.db);
    await t.db.transaction().execute((trx) => appendAudit({ clock }, trx, entry('test.after_export')));
    await t.db.transaction().execute((trx) => appendAudit({ clock }, trx, entry('test.after_export')));
    expect(await verifyAuditLog(t.db, { expectedHead: exported.head })).toMatchObject({ ok: true });
    // An insider deletes the exported entry and everything after it, and points the head row at what is left.
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(t.db);
    await sql`DELETE FROM audit_log WHERE id >= ${exported.headId}`.execute(t.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(t.db);
    const left = await t.db.selectFrom('audit_log').select(['id', 'hash']).orderBy('id', 'desc').limit(1).executeTakeFirst();
    const head = await t.db.selectFrom('audit_head').select(['anchor_hash', 'anchor_id']).executeTakeFirstOrThrow();
    await t.db.updateTable('audit_head').set({ head_hash: left?.hash ?? head.anchor_hash, head_id: left?.id ?? head.anchor_id }).execute();
    expect(await verifyAuditLog(t.db)).toMatchObject({ ok: true });
    expect(await verifyAuditLog(t.db, { expectedHead: exported.head })).toMatchObject({ ok: false, reason: 'anchor_not_found' });
  });
});

describe('audit content', () => {
  it('is independent of key order in data', async () => {
    const { canonicalJson } = await import('./chain.ts');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
  });
});
