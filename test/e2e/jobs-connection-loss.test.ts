import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../src/app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { openDatabase, type DatabaseHandle } from '../../src/db/connect.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createScratchPostgres, postgresReachable, REQUIRE_PG } from '../helpers/db.ts';

/**
 * PostgreSQL drops the job queue's connections (a restart, a failover, an operator's
 * pg_terminate_backend): pg-boss reports it as an 'error' event, which must be logged, not crash the
 * gateway, and jobs keep flowing on fresh connections.
 */
const up = await postgresReachable();
if (!up && !REQUIRE_PG) console.warn('PostgreSQL not reachable: job-queue connection-loss test skipped');
const suite = up || REQUIRE_PG ? describe : describe.skip;

suite('job queue survives dropped PostgreSQL connections', () => {
  let scratch: { url: string; drop: () => Promise<void> };
  let database: DatabaseHandle;
  let app: App;
  const logged: string[] = [];
  const PASSWORD = 'pg-pw-must-not-be-logged';

  beforeAll(async () => {
    scratch = await createScratchPostgres();
    // Trust auth ignores the password; it is here to prove that no log line carries it.
    const withPassword = new URL(scratch.url);
    withPassword.password = PASSWORD;
    database = await openDatabase({ databaseUrl: withPassword.toString() });
    const logger = createLogger({ level: 'error', destination: new Writable({ write: (chunk, _enc, cb) => { logged.push(String(chunk)); cb(); } }) });
    app = await createApp(loadConfig({}, { port: 0, mode: 'sandbox', logLevel: 'error' }), { database, logger, workers: false });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await database?.close();
    await scratch?.drop();
  });

  it('logs the error and keeps sending jobs after its connections are terminated', async () => {
    await app.ctx.jobs.createQueue('conn-loss-probe');
    await app.ctx.jobs.send('conn-loss-probe', { n: 1 });
    const admin = new pg.Client({ connectionString: scratch.url });
    await admin.connect();
    try {
      const killed = await admin.query(
        "select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = current_database() and application_name = 'anfu-jobs' and pid <> pg_backend_pid()",
      );
      expect(killed.rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    // Idle pool clients see the termination asynchronously; give the events a moment to arrive.
    await new Promise((r) => setTimeout(r, 300));
    expect(logged.some((l) => l.includes('job queue error'))).toBe(true);
    expect(logged.join('\n')).not.toContain(PASSWORD);
    // Fresh connections: the queue still works.
    const id = await app.ctx.jobs.send('conn-loss-probe', { n: 2 });
    expect(id).toBeTruthy();
  });
});
