import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe } from 'vitest';
import type { Kysely } from 'kysely';
import { openDatabase, type DatabaseHandle, type DatabaseKind } from '../../src/db/connect.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { Database } from '../../src/db/schema.ts';

/**
 * Runs one suite on every backend: a fresh in-memory PGlite, and a fresh, uniquely named PostgreSQL
 * database (created before, dropped after) when PostgreSQL answers at ANFU_TEST_DATABASE_URL. Without
 * PostgreSQL the PG variant is skipped with a warning, unless ANFU_TEST_REQUIRE_PG=1 (CI), where it fails.
 */
export const TEST_DATABASE_URL = process.env.ANFU_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REQUIRE_PG = process.env.ANFU_TEST_REQUIRE_PG === '1';

export interface DbTestContext {
  readonly kind: DatabaseKind;
  readonly handle: DatabaseHandle;
  readonly db: Kysely<Database>;
  /** URL of this suite's PostgreSQL database (undefined on PGlite). */
  readonly databaseUrl: string | undefined;
}

let reachable: Promise<boolean> | undefined;

/** Whether PostgreSQL answers (checked once per test file, with a short timeout). */
export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 1500 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return reachable;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function adminQuery(sqlText: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query(sqlText);
  } finally {
    await client.end();
  }
}

/** A fresh PostgreSQL database for one suite; returns its URL and a function that drops it. */
export async function createScratchPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `anfu_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return {
    url: withDatabase(TEST_DATABASE_URL, name),
    // FORCE ends connections a failed test may have left behind (PG 13+).
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export interface DescribeEachDbOptions {
  /** Run migrations before the suite (default true). */
  migrate?: boolean;
}

const pgAvailable = await postgresReachable();
if (!pgAvailable && !REQUIRE_PG) {
  console.warn(`PostgreSQL not reachable at ${new URL(TEST_DATABASE_URL).host}: PG variants skipped`);
}

export function describeEachDb(name: string, fn: (t: DbTestContext) => void, opts: DescribeEachDbOptions = {}): void {
  for (const kind of ['pglite', 'postgres'] as const) {
    const skip = kind === 'postgres' && !pgAvailable && !REQUIRE_PG;
    const d = skip ? describe.skip : describe;
    d(`${name} [${kind}]`, () => {
      let handle: DatabaseHandle | undefined;
      let drop: (() => Promise<void>) | undefined;
      let url: string | undefined;
      const ctx: DbTestContext = {
        kind,
        get handle() {
          if (!handle) throw new Error('database not open yet (use it inside a test or hook)');
          return handle;
        },
        get db() {
          return ctx.handle.db;
        },
        get databaseUrl() {
          return url;
        },
      };
      beforeAll(async () => {
        if (kind === 'postgres') {
          if (!pgAvailable) throw new Error(`ANFU_TEST_REQUIRE_PG=1 but PostgreSQL is not reachable at ${new URL(TEST_DATABASE_URL).host}`);
          const scratch = await createScratchPostgres();
          drop = scratch.drop;
          url = scratch.url;
          handle = await openDatabase({ databaseUrl: url });
        } else {
          handle = await openDatabase({ inMemory: true });
        }
        if (opts.migrate !== false) await migrateToLatest(handle.db);
      });
      afterAll(async () => {
        await handle?.close();
        await drop?.();
      });
      fn(ctx);
    });
  }
}
