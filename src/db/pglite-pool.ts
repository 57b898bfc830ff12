import type { PGlite, Results } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

/**
 * A one-connection "pool" over PGlite, shaped like `pg.Pool` so Kysely's PostgresDialect (and pg-boss)
 * run on it unchanged.
 *
 * PGlite is a single backend: statements of two callers would interleave inside each other's
 * transactions. So `connect()` hands out the one client under a FIFO mutex; whoever holds it owns the
 * session until `release()`. Consequences for callers: transactions serialise, and code must never hold
 * one open across a network call (reserve → call WeChat → record), nor query through `db` while
 * inside `db.transaction()` (that would wait for itself; the acquire timeout turns it into an error).
 */
export interface PgliteQueryable {
  /** Runs one statement (parameterised) or, without parameters, any number of statements. */
  query<R = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<PostgresQueryResult<R>>;
}

export interface PglitePool extends PostgresPool {
  /** Takes the connection, runs `fn`, gives it back (also on error). */
  withClient<T>(fn: (client: PgliteQueryable) => Promise<T>): Promise<T>;
  readonly ended: boolean;
}

export interface PglitePoolOptions {
  /** How long a caller waits for the connection before failing (a deadlock would otherwise hang). */
  acquireTimeoutMs?: number;
}

type Command = PostgresQueryResult<unknown>['command'];

function toPgResult<R>(r: Results<R>): PostgresQueryResult<R> {
  return {
    command: ((r as Results<R> & { command?: string }).command ?? 'SELECT') as Command,
    rowCount: r.affectedRows ?? r.rows.length,
    rows: r.rows,
  };
}

async function run<R>(pg: PGlite, text: string, values: readonly unknown[] | undefined): Promise<PostgresQueryResult<R>> {
  if (values && values.length > 0) {
    return toPgResult(await pg.query<R>(text, values as unknown[]));
  }
  // Parameterless SQL may hold several statements (migrations, pg-boss's DDL): those need the simple
  // protocol, i.e. `exec`. Like pg, answer with the last statement's result.
  const results = (await pg.exec(text)) as Results<R>[];
  const last = results[results.length - 1];
  return last ? toPgResult(last) : { command: 'SELECT' as Command, rowCount: 0, rows: [] };
}

export function createPglitePool(pg: PGlite, opts: PglitePoolOptions = {}): PglitePool {
  const acquireTimeoutMs = opts.acquireTimeoutMs ?? 30_000;
  let held = false;
  let ended = false;
  const waiters: Array<() => void> = [];

  function acquire(): Promise<void> {
    if (ended) return Promise.reject(new Error('database is closed'));
    if (!held) {
      held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const grant = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = waiters.indexOf(grant);
        if (i >= 0) waiters.splice(i, 1);
        reject(new Error(`timed out after ${acquireTimeoutMs} ms waiting for the PGlite connection (a transaction held too long, or a query outside a transaction issued from inside it)`));
      }, acquireTimeoutMs);
      timer.unref?.();
      waiters.push(grant);
    });
  }

  function releaseLock(): void {
    const next = waiters.shift();
    if (next) next();
    else held = false;
  }

  const pool: PglitePool = {
    options: {},
    get ended() {
      return ended;
    },
    async connect(): Promise<PostgresPoolClient> {
      await acquire();
      let released = false;
      const client = {
        query: (text: string, values?: readonly unknown[]) => {
          if (released) return Promise.reject(new Error('PGlite client used after release'));
          return run(pg, text, values);
        },
        release: () => {
          if (released) return;
          released = true;
          releaseLock();
        },
      };
      return client as unknown as PostgresPoolClient;
    },
    async withClient<T>(fn: (client: PgliteQueryable) => Promise<T>): Promise<T> {
      await acquire();
      try {
        return await fn({ query: (text, values) => run(pg, text, values) });
      } finally {
        releaseLock();
      }
    },
    async end(): Promise<void> {
      ended = true;
    },
  };
  return pool;
}
