import { sql, type Kysely } from 'kysely';
import type { Db } from './merchants.ts';
import type { Database } from './schema.ts';

/**
 * Maintenance of the dashboard's daily roll-up (migration 0008). Triggers on `payments` append one
 * small row to `payment_day_deltas` per change that moves a dashboard figure; readers add the deltas to
 * the compacted `payment_day_rollup`, so the figures are exact whether or not compaction has run.
 * Compaction only keeps the deltas few.
 */

/** `pg_try_advisory_xact_lock` key ('anfuroll'): one compaction at a time across all nodes. */
const COMPACT_LOCK = '7020661523734293612';
const FIGURES = ['created', 'reached_cashier', 'paid', 'closed', 'failed', 'paid_amount', 'refunded_amount'] as const;

export interface CompactOutcome {
  /** False when another node held the compaction lock (nothing done: it is compacting). */
  ran: boolean;
  /** Delta rows folded into the roll-up. */
  deltas: number;
  /** Roll-up rows (day × merchant) inserted or updated. */
  days: number;
}

/**
 * Folds up to `limit` deltas into the roll-up in one transaction: the deltas are deleted and their sums
 * added to the totals in a single statement, so a reader sees either both or neither. Rows of
 * transactions still in flight are invisible to the DELETE and stay for the next run. Writers are never
 * blocked (they only insert deltas). `lock: false` skips the cross-node lock (tests: folding stays exact
 * without it, because a delta can only be deleted once).
 */
export async function compactDeltasOnce(db: Kysely<Database>, opts: { limit?: number; lock?: boolean } = {}): Promise<CompactOutcome> {
  const limit = opts.limit ?? 100_000;
  return db.transaction().execute(async (trx) => {
    if (opts.lock !== false) {
      const got = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${COMPACT_LOCK}::bigint) AS ok`.execute(trx);
      if (!got.rows[0]?.ok) return { ran: false, deltas: 0, days: 0 };
    }
    const sums = FIGURES.map((f) => sql`sum(${sql.ref(f)}) AS ${sql.ref(f)}`);
    const set = FIGURES.map((f) => sql`${sql.ref(f)} = r.${sql.ref(f)} + EXCLUDED.${sql.ref(f)}`);
    const r = await sql<{ deltas: string; days: string; emptied: string }>`
      WITH folded AS (
        DELETE FROM payment_day_deltas
         WHERE ctid = ANY (ARRAY(SELECT ctid FROM payment_day_deltas LIMIT ${limit}))
        RETURNING *
      ), sums AS (
        SELECT day, merchant_id, ${sql.join(sums)} FROM folded GROUP BY day, merchant_id
      ), upserted AS (
        INSERT INTO payment_day_rollup AS r (day, merchant_id, ${sql.join(FIGURES.map((f) => sql.ref(f)))})
        SELECT * FROM sums ORDER BY day, merchant_id
        ON CONFLICT (day, merchant_id) DO UPDATE SET ${sql.join(set)}
        RETURNING r.created
      )
      SELECT (SELECT count(*) FROM folded) AS deltas,
             (SELECT count(*) FROM upserted) AS days,
             (SELECT count(*) FROM upserted WHERE created = 0) AS emptied`.execute(trx);
    const row = r.rows[0];
    // A total falls to zero payments only when payments were deleted or moved: drop such rows.
    if (Number(row?.emptied ?? 0) > 0) {
      await sql`DELETE FROM payment_day_rollup WHERE ${sql.join(FIGURES.map((f) => sql`${sql.ref(f)} = 0`), sql` AND `)}`.execute(trx);
    }
    return { ran: true, deltas: Number(row?.deltas ?? 0), days: Number(row?.days ?? 0) };
  });
}

/** Compacts in batches until fewer than a batch is left (or `maxBatches` ran, or another node holds the lock). */
export async function compactDeltas(db: Kysely<Database>, opts: { batch?: number; maxBatches?: number; lock?: boolean } = {}): Promise<CompactOutcome> {
  const batch = opts.batch ?? 100_000;
  const total: CompactOutcome = { ran: false, deltas: 0, days: 0 };
  for (let i = 0; i < (opts.maxBatches ?? 20); i++) {
    const o = await compactDeltasOnce(db, { limit: batch, ...(opts.lock === undefined ? {} : { lock: opts.lock }) });
    if (!o.ran) break;
    total.ran = true;
    total.deltas += o.deltas;
    total.days += o.days;
    if (o.deltas < batch) break;
  }
  // Deltas are inserted and deleted all day: give their space back now. PGlite has no autovacuum, so
  // without this the heap (read by every dashboard) would only grow; on PostgreSQL it is cheap and keeps
  // it small between autovacuum runs. SKIP_LOCKED: a node already vacuuming it is enough.
  if (total.deltas > 0) await sql`VACUUM (SKIP_LOCKED) payment_day_deltas`.execute(db);
  return total;
}

/** How many deltas wait for compaction (an estimate-free count; for status output and tests). */
export async function pendingDeltaCount(db: Db): Promise<number> {
  const r = await sql<{ n: string }>`SELECT count(*) AS n FROM payment_day_deltas`.execute(db);
  return Number(r.rows[0]?.n ?? 0);
}

export interface RollupMismatch {
  day: string;
  merchant_id: string;
  rollup: Record<(typeof FIGURES)[number], number>;
  direct: Record<(typeof FIGURES)[number], number>;
}

/**
 * Compares roll-up + deltas with a direct aggregate over `payments`, per day and merchant, in one
 * statement (one snapshot, so concurrent writes cannot make a false alarm). Reads every payment of the
 * range: a verification, not a dashboard path. Returns the differing (day, merchant) pairs.
 */
export async function rollupMismatches(db: Db, range: { fromDay?: string; toDay?: string } = {}): Promise<RollupMismatch[]> {
  const lo = range.fromDay ?? '0001-01-01';
  const hi = range.toDay ?? '9999-12-31';
  const cols = (prefix: string) => sql.join(FIGURES.map((f) => sql`coalesce(${sql.ref(`${prefix}.${f}`)}, 0) AS ${sql.ref(`${prefix}_${f}`)}`));
  const differ = sql.join(FIGURES.map((f) => sql`coalesce(${sql.ref(`r.${f}`)}, 0) <> coalesce(${sql.ref(`p.${f}`)}, 0)`), sql` OR `);
  const res = await sql<Record<string, string>>`
    WITH r AS (
      SELECT day, merchant_id, ${sql.join(FIGURES.map((f) => sql`sum(${sql.ref(f)}) AS ${sql.ref(f)}`))}
        FROM (SELECT day, merchant_id, ${sql.join(FIGURES.map((f) => sql.ref(f)))} FROM payment_day_rollup
              UNION ALL
              SELECT day, merchant_id, ${sql.join(FIGURES.map((f) => sql.ref(f)))} FROM payment_day_deltas) u
       WHERE day BETWEEN ${lo}::date AND ${hi}::date
       GROUP BY day, merchant_id
    ), p AS (
      SELECT anfu_shanghai_day(created_at) AS day, merchant_id,
             count(*) AS created,
             count(*) FILTER (WHERE status <> 'created') AS reached_cashier,
             count(*) FILTER (WHERE paid_at IS NOT NULL) AS paid,
             count(*) FILTER (WHERE status = 'closed') AS closed,
             count(*) FILTER (WHERE status = 'failed') AS failed,
             coalesce(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0) AS paid_amount,
             coalesce(sum(refunded_amount), 0) AS refunded_amount
        FROM payments
       WHERE created_at >= (${lo}::date - 1)::timestamp AT TIME ZONE 'UTC' AND created_at < (${hi}::date + 2)::timestamp AT TIME ZONE 'UTC'
       GROUP BY 1, 2
    )
    SELECT to_char(coalesce(r.day, p.day), 'YYYY-MM-DD') AS day, coalesce(r.merchant_id, p.merchant_id) AS merchant_id, ${cols('r')}, ${cols('p')}
      FROM r FULL JOIN p ON p.day = r.day AND p.merchant_id = r.merchant_id
     WHERE coalesce(r.day, p.day) BETWEEN ${lo}::date AND ${hi}::date AND (${differ})
     ORDER BY 1, 2`.execute(db);
  return res.rows.map((x) => ({
    day: x.day!,
    merchant_id: x.merchant_id!,
    rollup: Object.fromEntries(FIGURES.map((f) => [f, Number(x[`r_${f}`])])) as RollupMismatch['rollup'],
    direct: Object.fromEntries(FIGURES.map((f) => [f, Number(x[`p_${f}`])])) as RollupMismatch['direct'],
  }));
}

/**
 * Recomputes the roll-up from `payments` (repair after a manual data fix with triggers disabled, for
 * example). Takes a SHARE lock on `payments`: writes wait until it commits, reads go on.
 */
export async function rebuildRollup(db: Kysely<Database>): Promise<{ days: number }> {
  return db.transaction().execute(async (trx) => {
    await sql`LOCK TABLE payments IN SHARE MODE`.execute(trx);
    await sql`DELETE FROM payment_day_deltas`.execute(trx);
    await sql`DELETE FROM payment_day_rollup`.execute(trx);
    const r = await sql`
      INSERT INTO payment_day_rollup (day, merchant_id, ${sql.join(FIGURES.map((f) => sql.ref(f)))})
      SELECT anfu_shanghai_day(created_at), merchant_id,
             count(*),
             count(*) FILTER (WHERE status <> 'created'),
             count(*) FILTER (WHERE paid_at IS NOT NULL),
             count(*) FILTER (WHERE status = 'closed'),
             count(*) FILTER (WHERE status = 'failed'),
             coalesce(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0),
             coalesce(sum(refunded_amount), 0)
        FROM payments
       GROUP BY 1, 2`.execute(trx);
    return { days: Number(r.numAffectedRows ?? 0) };
  });
}
