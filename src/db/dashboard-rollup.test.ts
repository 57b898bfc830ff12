import fc from 'fast-check';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { beforeAll, expect, it } from 'vitest';
import { describeEachDb } from '../../test/helpers/db.ts';
import { createTestMerchant } from '../../test/helpers/merchant.ts';
import { fixedClock } from '../lib/clock.ts';
import { dashboard } from '../services/admin/dashboard.ts';
import { dailyAggregates, dailyAggregatesDirect, planPeriod, type Scope } from './admin-read-models.ts';
import { compactDeltas, pendingDeltaCount, rebuildRollup, rollupMismatches } from './dashboard-rollup.ts';
import type { Database, PaymentStatus } from './schema.ts';

/**
 * The dashboard read from the daily roll-up (compacted totals + pending deltas, migration 0008) must
 * equal the direct aggregate over `payments`, whatever the writes and wherever compaction falls.
 */
const DAY = 86_400_000;
const SH = 8 * 3600_000;
const STATUSES: PaymentStatus[] = ['created', 'pending', 'succeeded', 'closed', 'failed', 'partially_refunded', 'refunded'];
const PAID: PaymentStatus[] = ['succeeded', 'partially_refunded', 'refunded'];

interface Row {
  id: string;
  merchant: number;
  createdMs: number;
  micros: number;
  amount: number;
  status: PaymentStatus;
  paid: boolean;
  refunded: number;
  deleted: boolean;
}

/** Time of day in ms: midnight, just after, noon, the last ms, 0.4 s before midnight (the old rounding bug), or any. */
const timeOfDay = fc.oneof(fc.constantFrom(0, 1, 43_200_000, 86_399_999, 86_399_600), fc.integer({ min: 0, max: DAY - 1 }));
const when = fc.record({ day: fc.integer({ min: 0, max: 5 }), at: timeOfDay, micros: fc.integer({ min: 0, max: 999 }) });
const insertOp = fc.record({ k: fc.constant('insert' as const), m: fc.integer({ min: 0, max: 2 }), when, amount: fc.integer({ min: 1, max: 1_000_000 }), status: fc.constantFrom(...STATUSES), paid: fc.boolean() });
const setOp = fc.record({ k: fc.constant('set' as const), p: fc.nat(), status: fc.constantFrom(...STATUSES), paid: fc.boolean(), part: fc.double({ min: 0, max: 1, noNaN: true }) });
const refundOp = fc.record({ k: fc.constant('refund' as const), p: fc.nat(), amount: fc.integer({ min: 1, max: 1_000_000 }) });
const moveOp = fc.record({ k: fc.constant('move' as const), p: fc.nat(), m: fc.integer({ min: 0, max: 2 }), when });
const deleteOp = fc.record({ k: fc.constant('delete' as const), p: fc.nat() });
const writeOp = fc.oneof({ arbitrary: insertOp, weight: 4 }, { arbitrary: setOp, weight: 3 }, { arbitrary: refundOp, weight: 2 }, { arbitrary: moveOp, weight: 1 }, { arbitrary: deleteOp, weight: 1 });
type WriteOp = typeof writeOp extends fc.Arbitrary<infer T> ? T : never;
const scopeArb = fc.constantFrom<Array<number | 'none' | 'unknown'> | null>(null, [0], [1, 2], [], ['unknown'], [0, 1, 2]);
/** A period: aligned to Shanghai midnight or not, from a day before the data to a week after. */
const periodArb = fc.record({
  from: fc.oneof(fc.integer({ min: -1, max: 6 }).map((d) => d * DAY), fc.integer({ min: -DAY, max: 7 * DAY })),
  length: fc.oneof(fc.integer({ min: 1, max: 8 }).map((d) => d * DAY), fc.integer({ min: 1, max: 9 * DAY })),
  scope: scopeArb,
  /** The cost hint `now` (any instant, even before the payments: the result must not depend on it). */
  now: fc.option(fc.integer({ min: -DAY, max: 10 * DAY }), { nil: undefined }),
});
const op = fc.oneof(
  { arbitrary: writeOp, weight: 10 },
  { arbitrary: fc.record({ k: fc.constant('compact' as const), batch: fc.integer({ min: 1, max: 8 }), batches: fc.integer({ min: 1, max: 3 }) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('tx' as const), ops: fc.array(writeOp, { minLength: 1, maxLength: 4 }), commit: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('check' as const), period: periodArb }), weight: 2 },
);

class Rollback extends Error {}

describeEachDb('dashboard daily roll-up', (t) => {
  const merchants: string[] = [];
  let run = 0;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) merchants.push((await createTestMerchant(t.db)).id);
  });

  const scopeOf = (s: Array<number | 'none' | 'unknown'> | null): Scope =>
    s === null ? null : s.map((x) => (typeof x === 'number' ? merchants[x]! : 'mer_unknown0000'));

  /** The roll-up dashboard and the direct one, for one period and scope: equal figures, day by day. */
  async function expectSame(base: number, p: { from: number; length: number; scope: Array<number | 'none' | 'unknown'> | null; now: number | undefined }) {
    const from = new Date(base + p.from);
    const to = new Date(base + p.from + Math.min(p.length, 92 * DAY));
    const scope = scopeOf(p.scope);
    const viaRollup = await dailyAggregates(t.db, scope, from, to, p.now === undefined ? undefined : new Date(base + p.now));
    const direct = await dailyAggregatesDirect(t.db, scope, from, to);
    expect(viaRollup).toEqual(direct);
    const ctx = { db: t.db, clock: fixedClock(to.getTime()) };
    const q = { from: from.toISOString(), to: to.toISOString() };
    expect(await dashboard(ctx, scope, q)).toEqual(await dashboard(ctx, scope, q, { source: 'direct' }));
  }

  it('equals the direct aggregate over payments under random inserts, transitions, refunds and compactions', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), fc.array(periodArb, { minLength: 1, maxLength: 3 }), async (ops, finalChecks) => {
        // Each run has its own month (Shanghai midnight), so runs do not see each other's payments.
        const base = Date.UTC(2031, 0, 1) - SH + run * 40 * DAY;
        const tag = `r${run++}x${Math.random().toString(36).slice(2, 8)}`;
        let rows: Row[] = [];
        const pick = (p: number) => {
          const live = rows.filter((r) => !r.deleted);
          return live.length ? live[p % live.length] : undefined;
        };
        const createdSql = (r: Row) => sql`${new Date(r.createdMs).toISOString()}::timestamptz + ${r.micros} * interval '1 microsecond'`;
        const write = async (db: Kysely<Database>, w: WriteOp) => {
          if (w.k === 'insert') {
            const status = w.status;
            const paid = PAID.includes(status) || w.paid;
            const refunded = status === 'refunded' ? w.amount : status === 'partially_refunded' && w.amount > 1 ? 1 : 0;
            const r: Row = {
              id: `pay_${tag}n${rows.length}`,
              merchant: w.m,
              createdMs: base + w.when.day * DAY + w.when.at,
              micros: w.when.micros,
              amount: w.amount,
              status: status === 'partially_refunded' && refunded === 0 ? 'succeeded' : status,
              paid,
              refunded,
              deleted: false,
            };
            await sql`
              INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at,
                                    transaction_id, paid_at, refunded_amount, created_at, updated_at)
              VALUES (${r.id}, ${merchants[r.merchant]!}, ${`o${r.id.slice(4)}`}, ${r.amount}, 'rollup', ${r.status}, '36.112.1.1',
                      ${createdSql(r)} + interval '2 hours', ${`tx${r.id.slice(4)}`}, ${r.paid ? sql`${createdSql(r)} + interval '40 seconds'` : null},
                      ${r.refunded}, ${createdSql(r)}, ${createdSql(r)})`.execute(db);
            rows.push(r);
          } else if (w.k === 'set') {
            const r = pick(w.p);
            if (!r) return;
            const status = w.status;
            const paid = PAID.includes(status) || w.paid;
            let refunded = 0;
            if (status === 'refunded') refunded = r.amount;
            if (status === 'partially_refunded') refunded = Math.min(r.amount - 1, Math.max(1, Math.floor(r.amount * w.part)));
            if (status === 'partially_refunded' && refunded < 1) return; // amount 1 cannot be partly refunded
            await sql`UPDATE payments SET status = ${status}, paid_at = ${paid ? sql`coalesce(paid_at, created_at + interval '40 seconds')` : null},
                             refunded_amount = ${refunded}, updated_at = now() WHERE id = ${r.id}`.execute(db);
            Object.assign(r, { status, paid, refunded });
          } else if (w.k === 'refund') {
            const r = pick(w.p);
            if (!r || !PAID.includes(r.status) || r.refunded >= r.amount) return;
            const refunded = Math.min(r.amount, r.refunded + w.amount);
            const status: PaymentStatus = refunded === r.amount ? 'refunded' : 'partially_refunded';
            // As the refund service does: the cumulative amount and the count move together.
            await sql`UPDATE payments SET refunded_amount = refunded_amount + ${refunded - r.refunded}, refund_count = refund_count + 1, status = ${status}
                       WHERE id = ${r.id}`.execute(db);
            Object.assign(r, { status, refunded });
          } else if (w.k === 'move') {
            const r = pick(w.p);
            if (!r) return;
            const moved = { ...r, merchant: w.m, createdMs: base + w.when.day * DAY + w.when.at, micros: w.when.micros };
            await sql`UPDATE payments SET merchant_id = ${merchants[moved.merchant]!}, created_at = ${createdSql(moved)} WHERE id = ${r.id}`.execute(db);
            Object.assign(r, moved);
          } else if (w.k === 'delete') {
            const r = pick(w.p);
            if (!r) return;
            await sql`DELETE FROM payments WHERE id = ${r.id}`.execute(db);
            r.deleted = true;
          }
        };
        for (const o of ops) {
          if (o.k === 'compact') {
            await compactDeltas(t.db, { batch: o.batch, maxBatches: o.batches });
          } else if (o.k === 'check') {
            await expectSame(base, o.period);
          } else if (o.k === 'tx') {
            const saved = rows.map((r) => ({ ...r }));
            try {
              await t.db.transaction().execute(async (trx) => {
                for (const w of o.ops) await write(trx, w);
                if (!o.commit) throw new Rollback();
              });
            } catch (e) {
              if (!(e instanceof Rollback)) throw e;
              rows = saved;
            }
          } else {
            await write(t.db, o);
          }
        }
        for (const p of finalChecks) await expectSame(base, p);
        const fromDay = new Date(base + SH - DAY).toISOString().slice(0, 10);
        const toDay = new Date(base + SH + 7 * DAY).toISOString().slice(0, 10);
        expect(await rollupMismatches(t.db, { fromDay, toDay })).toEqual([]);
      }),
      { numRuns: 80 },
    );
    // The runs really exercised both halves: compacted totals exist, and so (usually) do pending deltas.
    const r = await sql<{ n: string }>`SELECT count(*) AS n FROM payment_day_rollup`.execute(t.db);
    expect(Number(r.rows[0]?.n)).toBeGreaterThan(0);
  }, 240_000);

  it('a period cut at any instant reads at most half a day of past payments at each edge', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * DAY }), fc.integer({ min: 1, max: 92 * DAY }), fc.option(fc.integer({ min: -DAY, max: 100 * DAY })), (a, len, nowOffset) => {
        const from = new Date(Date.UTC(2030, 0, 1) + a);
        const to = new Date(from.getTime() + len);
        const now = nowOffset === null ? undefined : new Date(from.getTime() + nowOffset);
        const plan = planPeriod(from, to, now);
        const past = (r: { from: Date; to: Date }) => Math.max(0, Math.min(r.to.getTime(), now ? now.getTime() : Infinity) - r.from.getTime());
        // Per edge day, what is read directly (one range, or the two sides of one day) is ≤ half a day of the past.
        const byDay = new Map<number, number>();
        for (const r of plan.ranges) {
          const day = Math.floor((r.from.getTime() + SH) / DAY);
          byDay.set(day, (byDay.get(day) ?? 0) + past(r));
        }
        for (const ms of byDay.values()) expect(ms).toBeLessThanOrEqual(DAY / 2);
        expect(byDay.size).toBeLessThanOrEqual(2);
        // Covered time: whole days plus the + ranges minus the − ranges is exactly [from, to).
        const wholeMs = plan.days ? (plan.days.last - plan.days.first + 1) * DAY : 0;
        const signed = plan.ranges.reduce((s, r) => s + r.sign * (r.to.getTime() - r.from.getTime()), 0);
        expect(wholeMs + signed).toBe(len);
      }),
    );
    // Shanghai midnight to Shanghai midnight: nothing read from payments.
    const p = planPeriod(new Date('2030-03-01T16:00:00Z'), new Date('2030-03-31T16:00:00Z'));
    expect(p.ranges).toEqual([]);
    expect(p.days).toEqual({ first: Date.UTC(2030, 2, 2) / DAY, last: Date.UTC(2030, 2, 31) / DAY });
    // "The last 7 days" at 09:00 Shanghai: today comes from the roll-up minus the (empty) rest of the day,
    // not from reading this morning's payments; the 7-days-ago edge (15 h) is read as its 9 h complement.
    const now = new Date('2030-03-10T01:00:00Z');
    const week = planPeriod(new Date(now.getTime() - 7 * DAY), now, now);
    expect(week.days).toEqual({ first: Date.UTC(2030, 2, 3) / DAY, last: Date.UTC(2030, 2, 10) / DAY });
    expect(week.ranges).toEqual([
      { from: new Date('2030-03-02T16:00:00Z'), to: new Date('2030-03-03T01:00:00Z'), sign: -1 },
      { from: now, to: new Date('2030-03-10T16:00:00Z'), sign: -1 },
    ]);
  });

  if (t.kind === 'postgres') {
    const insertSql = (id: string, merchant: string, at: string) =>
      sql`INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at, created_at, updated_at)
          VALUES (${id}, ${merchant}, ${`order_${id.slice(4)}`}, 500, 'hot', 'created', '36.112.1.1', ${at}::timestamptz + interval '2 hours', ${at}::timestamptz, ${at}::timestamptz)`;

    it('concurrent payments of one merchant and day never wait for each other, nor for compaction', async () => {
      // A merchant of its own: the property runs above write random days for the shared ones.
      const m = (await createTestMerchant(t.db)).id;
      const at = '2035-06-01T04:00:00Z';
      const run = (c: pg.Client, q: { compile: (db: Kysely<Database>) => { sql: string; parameters: readonly unknown[] } }) => {
        const compiled = q.compile(t.db);
        return c.query(compiled.sql, [...compiled.parameters]);
      };
      const holder = new pg.Client({ connectionString: t.databaseUrl });
      const other = new pg.Client({ connectionString: t.databaseUrl });
      await holder.connect();
      await other.connect();
      try {
        await holder.query('BEGIN');
        await run(holder, insertSql('pay_hold1', m, at));
        await holder.query(`UPDATE payments SET status = 'pending' WHERE id = 'pay_hold1'`);
        // Same merchant, same day, while the first transaction is open: a shared counter row would block here.
        await other.query(`SET lock_timeout = '500ms'`);
        await other.query('BEGIN');
        await run(other, insertSql('pay_hold2', m, at));
        await other.query(`UPDATE payments SET status = 'succeeded', transaction_id = 'txhold2', paid_at = created_at WHERE id = 'pay_hold2'`);
        await other.query('COMMIT');
        // Compaction neither waits for the open transaction nor folds its uncommitted deltas.
        const folded = await Promise.race([compactDeltas(t.db), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('compaction blocked')), 5000))]);
        expect(folded.ran).toBe(true);
        expect(await pendingDeltaCount(t.db)).toBe(0);
        await holder.query('COMMIT');
        expect(await pendingDeltaCount(t.db)).toBe(2);
        const from = new Date('2035-05-31T16:00:00Z');
        const to = new Date('2035-06-01T16:00:00Z');
        const direct = await dailyAggregatesDirect(t.db, [m], from, to);
        expect(direct[0]).toMatchObject({ created: 2, reached_cashier: 2, paid: 1, paid_amount: 500 });
        expect(await dailyAggregates(t.db, [m], from, to)).toEqual(direct);
      } finally {
        await holder.query('ROLLBACK').catch(() => undefined);
        await holder.end();
        await other.end();
      }
    });

    it('stays exact with many writers and several compactors running at once (with and without the lock)', async () => {
      const m = (await createTestMerchant(t.db)).id;
      const at = '2035-07-01T04:00:00Z';
      let writing = true;
      const writer = async (w: number) => {
        for (let i = 0; i < 25; i++) {
          const id = `pay_w${w}i${i}`;
          await t.db.transaction().execute(async (trx) => {
            await insertSql(id, m, at).execute(trx);
            await sql`UPDATE payments SET status = 'pending' WHERE id = ${id}`.execute(trx);
          });
          if (i % 3 === 0) await sql`UPDATE payments SET status = 'closed' WHERE id = ${id}`.execute(t.db);
          else {
            await sql`UPDATE payments SET status = 'succeeded', transaction_id = ${`tx${id}`}, paid_at = created_at WHERE id = ${id}`.execute(t.db);
            if (i % 3 === 1) await sql`UPDATE payments SET status = 'partially_refunded', refunded_amount = 120, refund_count = 1 WHERE id = ${id}`.execute(t.db);
          }
        }
      };
      const compactor = async (lock: boolean) => {
        let ran = 0;
        while (writing) {
          if ((await compactDeltas(t.db, { batch: 7, maxBatches: 3, lock })).ran) ran++;
        }
        return ran;
      };
      const compactors = [compactor(false), compactor(false), compactor(true), compactor(true)];
      try {
        await Promise.all(Array.from({ length: 6 }, (_, w) => writer(w)));
      } finally {
        writing = false;
      }
      const runs = await Promise.all(compactors);
      expect(runs.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(await rollupMismatches(t.db)).toEqual([]);
      const from = new Date('2035-06-30T16:00:00Z');
      const to = new Date('2035-07-01T16:00:00Z');
      const direct = await dailyAggregatesDirect(t.db, [m], from, to);
      expect(direct[0]).toMatchObject({ created: 150, closed: 54, paid: 96, refunded_amount: 48 * 120 });
      expect(await dailyAggregates(t.db, [m], from, to)).toEqual(direct);
      await compactDeltas(t.db);
      expect(await pendingDeltaCount(t.db)).toBe(0);
      expect(await dailyAggregates(t.db, [m], from, to)).toEqual(direct);
    });
  }

  it('an update that moves no dashboard figure writes no delta; a rolled-back one leaves none', async () => {
    const m = merchants[0]!;
    await compactDeltas(t.db);
    const id = `pay_quiet${Math.random().toString(36).slice(2, 10)}`;
    await sql`INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at)
              VALUES (${id}, ${m}, ${`o${id.slice(4)}`}, 100, 'quiet', 'created', '36.112.1.1', now() + interval '2 hours')`.execute(t.db);
    expect(await pendingDeltaCount(t.db)).toBe(1);
    await sql`UPDATE payments SET updated_at = now(), next_query_at = now(), query_attempts = query_attempts + 1, h5_url = 'https://x' WHERE id = ${id}`.execute(t.db);
    expect(await pendingDeltaCount(t.db)).toBe(1);
    await t.db
      .transaction()
      .execute(async (trx) => {
        await sql`UPDATE payments SET status = 'pending' WHERE id = ${id}`.execute(trx);
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
    expect(await pendingDeltaCount(t.db)).toBe(1);
    await sql`UPDATE payments SET status = 'pending' WHERE id = ${id}`.execute(t.db);
    expect(await pendingDeltaCount(t.db)).toBe(2);
    expect((await compactDeltas(t.db)).deltas).toBe(2);
    expect(await pendingDeltaCount(t.db)).toBe(0);
  });

  it('verification names a damaged day and rebuild repairs it', async () => {
    const id = `pay_dmg${Math.random().toString(36).slice(2, 10)}`;
    await sql`INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at, created_at)
              VALUES (${id}, ${merchants[0]!}, ${`o${id.slice(4)}`}, 100, 'damaged', 'created', '36.112.1.1', now(), '2020-02-02T02:00:00Z')`.execute(t.db);
    await compactDeltas(t.db);
    expect(await rollupMismatches(t.db)).toEqual([]);
    const row = await sql<{ day: string; merchant_id: string }>`SELECT to_char(day, 'YYYY-MM-DD') AS day, merchant_id FROM payment_day_rollup WHERE day = '2020-02-02'`.execute(t.db);
    const target = row.rows[0]!;
    await sql`UPDATE payment_day_rollup SET paid_amount = paid_amount + 1 WHERE day = ${target.day}::date AND merchant_id = ${target.merchant_id}`.execute(t.db);
    const bad = await rollupMismatches(t.db);
    expect(bad.map((b) => [b.day, b.merchant_id])).toEqual([[target.day, target.merchant_id]]);
    expect(bad[0]!.rollup.paid_amount - bad[0]!.direct.paid_amount).toBe(1);
    await rebuildRollup(t.db);
    expect(await rollupMismatches(t.db)).toEqual([]);
    expect(await pendingDeltaCount(t.db)).toBe(0);
  });
});

describeEachDb('dashboard roll-up storage', (t) => {
  it('the deltas heap does not grow across compactions (PGlite has no autovacuum)', async () => {
    const m = await createTestMerchant(t.db);
    const heap = async () => Number((await sql<{ s: string }>`SELECT pg_relation_size('payment_day_deltas') AS s`.execute(t.db)).rows[0]?.s);
    const sizes: number[] = [];
    for (let round = 0; round < 3; round++) {
      await sql`INSERT INTO payments (id, merchant_id, out_trade_no, amount, description, status, payer_client_ip, expires_at)
                SELECT 'pay_heap' || ${round} || 'x' || g, ${m.id}, 'order_heap' || ${round} || 'x' || g, 100, 'heap', 'created', '36.112.1.1', now()
                  FROM generate_series(1, 5000) g`.execute(t.db);
      expect(await pendingDeltaCount(t.db)).toBe(5000);
      await compactDeltas(t.db);
      sizes.push(await heap());
    }
    expect(sizes[2]).toBeLessThanOrEqual(sizes[0]!);
  });
});
