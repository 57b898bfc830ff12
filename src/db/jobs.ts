import PgBoss from 'pg-boss';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import type { DatabaseHandle } from './connect.ts';

/**
 * pg-boss on both backends. On PostgreSQL it opens its own small pool from the URL. On PGlite it gets
 * an `executeSql` that goes through the same single-connection mutex as Kysely, so its polling never
 * interleaves with an application transaction. (Parameterless SQL — pg-boss's multi-statement DDL —
 * takes PGlite's `exec` path inside that shim; parameterised SQL takes `query`.)
 */
export type JobBoss = PgBoss;

export interface JobsOptions {
  /** Schema for pg-boss's tables (default `pgboss`). */
  schema?: string;
  /** Connections pg-boss may open on PostgreSQL (default 4). */
  maxConnections?: number;
  /** Maintenance and monitoring loops; tests turn them off for quiet, fast runs. */
  supervise?: boolean;
  schedule?: boolean;
}

export function createJobs(handle: DatabaseHandle, opts: JobsOptions = {}): JobBoss {
  const common = {
    schema: opts.schema ?? 'pgboss',
    supervise: opts.supervise ?? true,
    schedule: opts.schedule ?? true,
    migrate: true,
  };
  if (handle.kind === 'postgres') {
    if (!handle.databaseUrl) throw new Error('createJobs: PostgreSQL handle without a URL');
    return new PgBoss({ ...common, connectionString: handle.databaseUrl, max: opts.maxConnections ?? 4, application_name: 'anfu-jobs' });
  }
  return new PgBoss({
    ...common,
    db: { executeSql: (text: string, values: unknown[]) => handle.raw.query(text, values) },
  });
}

/** Starts pg-boss (creating or upgrading its schema under its own advisory lock) and the named queues. */
export async function startJobs(boss: JobBoss, queues: readonly string[] = []): Promise<void> {
  await boss.start();
  for (const name of queues) {
    // pg-boss 10 needs a queue before send/work; createQueue is idempotent.
    await boss.createQueue(name);
  }
}

/** Stops workers gracefully: active jobs finish (or fail back to the queue after `timeoutMs`). */
export async function stopJobs(boss: JobBoss, timeoutMs = 10_000): Promise<void> {
  await boss.stop({ graceful: true, timeout: timeoutMs, wait: true });
}

/**
 * A pg-boss `db` that runs inside the caller's Kysely transaction: pass it as `{ db: jobDbIn(trx) }` to
 * `boss.send` so the job exists only if the business write commits (transactionally staged jobs).
 * On PGlite this is also the only deadlock-free way to enqueue from inside a transaction.
 */
export function jobDbIn<DB>(trx: Transaction<DB> | Kysely<DB>): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[]) {
      const r = await trx.executeQuery(CompiledQuery.raw(text, values ?? []));
      return { rows: r.rows as unknown[] };
    },
  };
}
