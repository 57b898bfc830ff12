import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.ts';
import { createPglitePool, type PglitePool, type PgliteQueryable } from './pglite-pool.ts';

/**
 * Opens the database: embedded PGlite by default (`<dataDir>/pglite`, or in memory for tests), or
 * PostgreSQL through a `pg` Pool when a URL is given. Both are driven by Kysely's PostgresDialect, so
 * every query and migration is the same SQL on both.
 */
export type DatabaseKind = 'pglite' | 'postgres';

export interface OpenDatabaseOptions {
  /** Data directory; PGlite keeps its files in `<dataDir>/pglite`. Ignored with `databaseUrl`. */
  dataDir?: string;
  /** `postgres://…`: use PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  /** PGlite in memory (tests); nothing is written to disk. */
  inMemory?: boolean;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** Fails a caller that waited this long for a connection. */
  acquireTimeoutMs?: number;
}

/** Runs raw SQL the way pg-boss expects (`executeSql`); multi-statement when there are no values. */
export interface RawSql {
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<{ rows: R[] }>;
}

export interface DatabaseHandle {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseKind;
  /** For PostgreSQL, the URL (pg-boss opens its own pool with it); undefined on PGlite. */
  readonly databaseUrl: string | undefined;
  /** Raw SQL through the same connection discipline as `db` (the PGlite mutex, or the pg pool). */
  readonly raw: RawSql;
  close(): Promise<void>;
}

const INT8_OID = 20;

/**
 * `pg` returns bigint as a string by default; PGlite returns a number (a BigInt beyond 2^53). Make both
 * return numbers so fen amounts compare and add the same way on either backend.
 */
function parseInt8(v: string): number | bigint {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : BigInt(v);
}

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8_OID && format !== 'binary') return parseInt8;
    return pg.types.getTypeParser(oid, format);
  },
};

export async function openDatabase(opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) return openPostgres(opts.databaseUrl, opts);
  return openPglite(opts);
}

async function openPostgres(url: string, opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.maxConnections ?? 10,
    connectionTimeoutMillis: opts.acquireTimeoutMs ?? 10_000,
    types: pgTypes,
    application_name: 'anfu',
  });
  // An idle client losing its server (restart, failover) must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind: 'postgres',
    databaseUrl: url,
    raw: {
      async query<R>(text: string, values?: readonly unknown[]) {
        const r = await pool.query(text, values ? [...values] : undefined);
        // pg answers a multi-statement text with an array of results; keep the last, as PGlite does.
        const last = (Array.isArray(r) ? r[r.length - 1] : r) as { rows: R[] } | undefined;
        return { rows: last?.rows ?? [] };
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

async function openPglite(opts: OpenDatabaseOptions): Promise<DatabaseHandle> {
  let dataDir: string | undefined;
  if (!opts.inMemory) {
    if (!opts.dataDir) throw new Error('openDatabase: dataDir is required unless inMemory or databaseUrl is set');
    dataDir = join(opts.dataDir, 'pglite');
    mkdirSync(dataDir, { recursive: true });
  }
  const pglite = await PGlite.create(dataDir ? { dataDir } : {});
  const pool: PglitePool = createPglitePool(pglite, opts.acquireTimeoutMs ? { acquireTimeoutMs: opts.acquireTimeoutMs } : {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    kind: 'pglite',
    databaseUrl: undefined,
    raw: {
      query: <R>(text: string, values?: readonly unknown[]) =>
        pool.withClient((c: PgliteQueryable) => c.query<R>(text, values)),
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
      await pglite.close();
    },
  };
}
