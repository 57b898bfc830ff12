import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { describeEachDb } from '../../test/helpers/db.ts';
import { openDatabase } from './connect.ts';
import { migrateToLatest } from './migrate.ts';

describeEachDb('database connection', (t) => {
  it('reads bigint as a JS number on both backends', async () => {
    const r = await sql<{ n: unknown; big: unknown }>`select 12345::bigint as n, 9007199254740993::bigint as big`.execute(t.db);
    expect(r.rows[0]?.n).toBe(12345);
    expect(r.rows[0]?.big).toBe(9007199254740993n);
  });

  it('runs multi-statement SQL without parameters through the raw channel', async () => {
    const r = await t.handle.raw.query<{ x: number }>('create temp table raw_probe(x int); insert into raw_probe values (7); select x from raw_probe');
    expect(r.rows).toEqual([{ x: 7 }]);
    const p = await t.handle.raw.query<{ y: string }>('select $1::text as y', ['hi']);
    expect(p.rows).toEqual([{ y: 'hi' }]);
  });

  it('serialises concurrent read-modify-write transactions so no increment is lost', async () => {
    await sql`create table if not exists counter_probe (id int primary key, n int not null)`.execute(t.db);
    await sql`insert into counter_probe values (1, 0) on conflict (id) do update set n = 0`.execute(t.db);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        t.db.transaction().execute(async (trx) => {
          // FOR UPDATE makes PostgreSQL serialise; on PGlite the single-connection mutex does.
          const row = await sql<{ n: number }>`select n from counter_probe where id = 1 for update`.execute(trx);
          await sql`update counter_probe set n = ${(row.rows[0]?.n ?? 0) + 1} where id = 1`.execute(trx);
        }),
      ),
    );
    const r = await sql<{ n: number }>`select n from counter_probe where id = 1`.execute(t.db);
    expect(r.rows[0]?.n).toBe(20);
  });

  it('rolls back a failed transaction and leaves the connection usable', async () => {
    await sql`create table if not exists rollback_probe (id int primary key)`.execute(t.db);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await sql`insert into rollback_probe values (1)`.execute(trx);
        await sql`insert into rollback_probe values (1)`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    const r = await sql<{ c: number }>`select count(*)::int as c from rollback_probe`.execute(t.db);
    expect(r.rows[0]?.c).toBe(0);
  });
});

describe('PGlite on disk', () => {
  it('keeps data in <dataDir>/pglite across reopen', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'anfu-pglite-'));
    try {
      const a = await openDatabase({ dataDir: dir });
      await migrateToLatest(a.db);
      await sql`create table persist_probe (v text)`.execute(a.db);
      await sql`insert into persist_probe values ('kept')`.execute(a.db);
      await a.close();
      const b = await openDatabase({ dataDir: dir });
      const r = await sql<{ v: string }>`select v from persist_probe`.execute(b.db);
      expect(r.rows).toEqual([{ v: 'kept' }]);
      expect((await migrateToLatest(b.db)).applied).toEqual([]);
      await b.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails a caller that waits for the connection held by a transaction instead of hanging', async () => {
    const h = await openDatabase({ inMemory: true, acquireTimeoutMs: 200 });
    try {
      await expect(
        h.db.transaction().execute(async () => {
          // A query outside the transaction, from inside it: on one connection this can never run.
          await sql`select 1`.execute(h.db);
        }),
      ).rejects.toThrow(/waiting for the PGlite connection/);
      const r = await sql<{ one: number }>`select 1 as one`.execute(h.db);
      expect(r.rows[0]?.one).toBe(1);
    } finally {
      await h.close();
    }
  });
});
