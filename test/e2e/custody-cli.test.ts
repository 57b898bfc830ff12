import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli.ts';
import { openDatabase } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { appendAudit } from '../../src/audit/append.ts';
import { systemClock } from '../../src/lib/clock.ts';

/** `anfu audit verify|head` and `anfu keys status|rotate-master` against a PGlite data dir. */
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
    expect(JSON.parse(h.out).head).toMatch(/^[0-9a-f]{64}$/);
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
});
